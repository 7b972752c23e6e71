package loadtest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// call makes one request and records it. ok lists the statuses that count as success;
// rejected the ones that are expected refusals. It returns the body of a recorded success.
func (r *runner) call(ctx context.Context, method, path string, body []byte, header http.Header, ok, rejected []int) ([]byte, int) {
	req, err := http.NewRequestWithContext(ctx, method, r.cfg.Target+path, bytes.NewReader(body))
	if err != nil {
		r.record(0, outcomeError, "bad request")
		return nil, 0
	}
	for k, v := range header {
		req.Header[k] = v
	}
	t0 := time.Now()
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		r.record(time.Since(t0), outcomeError, errorKind(err))
		return nil, 0
	}
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	d := time.Since(t0)
	if err != nil {
		r.record(d, outcomeError, errorKind(err))
		return nil, 0
	}
	for _, s := range ok {
		if resp.StatusCode == s {
			r.record(d, outcomeOK, "")
			return out, resp.StatusCode
		}
	}
	for _, s := range rejected {
		if resp.StatusCode == s {
			r.record(d, outcomeRejected, "")
			return out, resp.StatusCode
		}
	}
	kind := "http " + strconv.Itoa(resp.StatusCode)
	if resp.StatusCode == http.StatusTooManyRequests {
		kind += " (rate limited: raise the target's limits for a load test)"
	}
	r.record(d, outcomeError, kind)
	return nil, resp.StatusCode
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

// webchat is one guest conversation on POST /api/v1/chat: the turns in order, each sent
// when the previous answer arrived (a person types after reading).
type webchat struct{}

func (*webchat) setup(context.Context, *runner) error { return nil }

func (*webchat) arrival(ctx context.Context, r *runner, _ int, _ *rand.Rand) {
	conversation := ""
	for _, text := range r.cfg.Turns {
		body, _ := json.Marshal(map[string]string{"conversation_id": conversation, "text": text})
		out, _ := r.call(ctx, http.MethodPost, "/api/v1/chat", body, jsonHeader, []int{http.StatusOK}, nil)
		if out == nil {
			return // a failed turn ends the conversation, as a guest would leave
		}
		var reply struct {
			ConversationID string `json:"conversation_id"`
		}
		if json.Unmarshal(out, &reply) != nil || reply.ConversationID == "" {
			r.record(0, outcomeError, "reply without conversation_id")
			return
		}
		conversation = reply.ConversationID
	}
}

// whatsapp is one inbound text message as Meta's WhatsApp Cloud API delivers it: a POST to
// /webhooks/whatsapp with the documented envelope, signed with X-Hub-Signature-256
// (HMAC-SHA256 of the raw body, key = the app secret). Senders come from a pool of 500
// numbers, so conversations get several messages.
type whatsapp struct{}

func (*whatsapp) setup(context.Context, *runner) error { return nil }

// WhatsAppPayload is the webhook body for one text message from sender.
func WhatsAppPayload(phoneNumberID, sender, messageID, text string, at time.Time) []byte {
	body, _ := json.Marshal(map[string]any{
		"object": "whatsapp_business_account",
		"entry": []any{map[string]any{
			"id": "0",
			"changes": []any{map[string]any{
				"field": "messages",
				"value": map[string]any{
					"messaging_product": "whatsapp",
					"metadata":          map[string]any{"display_phone_number": "5492944000000", "phone_number_id": phoneNumberID},
					"contacts":          []any{map[string]any{"profile": map[string]any{"name": "Huésped " + sender[len(sender)-3:]}, "wa_id": sender}},
					"messages": []any{map[string]any{
						"from": sender, "id": messageID, "timestamp": strconv.FormatInt(at.Unix(), 10),
						"type": "text", "text": map[string]any{"body": text},
					}},
				},
			}},
		}},
	})
	return body
}

// Sign returns the X-Hub-Signature-256 value Meta sends with body.
func Sign(appSecret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func (*whatsapp) arrival(ctx context.Context, r *runner, i int, rng *rand.Rand) {
	sender := fmt.Sprintf("54911%08d", rng.IntN(500))
	text := r.cfg.Turns[rng.IntN(len(r.cfg.Turns))]
	id := fmt.Sprintf("wamid.loadtest-%d-%d-%d", r.cfg.Seed, time.Now().UnixNano(), i)
	body := WhatsAppPayload(r.cfg.PhoneNumberID, sender, id, text, time.Now())
	h := http.Header{"Content-Type": {"application/json"}, "X-Hub-Signature-256": {Sign(r.cfg.AppSecret, body)}}
	r.call(ctx, http.MethodPost, "/webhooks/whatsapp", body, h, []int{http.StatusOK}, nil)
}

// holds is one pre-reservation through the booking API, on a random unit and random
// future nights, cancelled right after so the calendar stays open. On PostgreSQL a hold
// is one round trip to booking_hold; a 409 (nights taken) is an expected refusal.
type holds struct {
	units []int64
}

func (h *holds) setup(ctx context.Context, r *runner) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.cfg.Target+"/api/v1/accommodations", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+r.cfg.APIToken)
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("list units: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("list units: %s (is the API token right?)", resp.Status)
	}
	var list struct {
		Accommodations []struct {
			ID int64 `json:"id"`
		} `json:"accommodations"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return fmt.Errorf("list units: %w", err)
	}
	for _, a := range list.Accommodations {
		h.units = append(h.units, a.ID)
	}
	if len(h.units) == 0 {
		return errors.New("the target has no units (seed the demo, or create them in /admin)")
	}
	return nil
}

func (h *holds) arrival(ctx context.Context, r *runner, i int, rng *rand.Rand) {
	unit := h.units[rng.IntN(len(h.units))]
	checkIn := r.cfg.Now().AddDate(0, 0, 60+rng.IntN(600))
	nights := 3 + rng.IntN(3)
	body, _ := json.Marshal(map[string]any{
		"accommodation_id": unit,
		"check_in":         checkIn.Format("2006-01-02"),
		"check_out":        checkIn.AddDate(0, 0, nights).Format("2006-01-02"),
		"guests":           2,
		"guest":            map[string]string{"name": "Carga " + strconv.Itoa(i), "phone": fmt.Sprintf("+54911%08d", i), "email": fmt.Sprintf("carga%d@example.com", i)},
	})
	auth := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + r.cfg.APIToken}}
	out, status := r.call(ctx, http.MethodPost, "/api/v1/pre-reservations", body, auth, []int{http.StatusCreated}, []int{http.StatusConflict, http.StatusUnprocessableEntity})
	if status != http.StatusCreated {
		return
	}
	var hold struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(out, &hold) != nil || hold.Code == "" {
		r.record(0, outcomeError, "hold without code")
		return
	}
	r.call(ctx, http.MethodPost, "/api/v1/reservations/"+hold.Code+"/cancel", nil, auth, []int{http.StatusOK}, nil)
}
