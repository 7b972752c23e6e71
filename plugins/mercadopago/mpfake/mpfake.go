package mpfake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CollectorID is the fake seller's id.
const CollectorID = 2984410375

// Payment is a payment the fake knows. Raw, when set, is served verbatim by GET (corpus
// bodies); otherwise the body is built from the fields.
type Payment struct {
	ID            int64
	Status        string
	StatusDetail  string
	Reference     string
	AmountCents   int64
	RefundedCents int64
	Currency      string
	Raw           []byte
}

// Preference is one preference created, with the request that created it.
type Preference struct {
	ID             string
	IdempotencyKey string
	Body           json.RawMessage
}

// Refund is one refund made.
type Refund struct {
	ID             int64
	PaymentID      int64
	AmountCents    int64
	IdempotencyKey string
}

// Server is the fake. Its zero value is not usable; call New.
type Server struct {
	*httptest.Server
	token string

	mu          sync.Mutex
	prefs       []Preference
	prefByKey   map[string][]byte
	payments    map[int64]*Payment
	refunds     []Refund
	refundByKey map[string][]byte
	failures    map[string][]int // path prefix → statuses to answer next
	stall       map[string]chan struct{}
	gets        map[int64]int
	nextID      int64
}

// New starts a fake accepting token as the access token; it is closed with t's cleanup
// when t is given (nil: the caller closes it).
func New(token string, cleanup func(func())) *Server {
	s := &Server{token: token, prefByKey: map[string][]byte{}, payments: map[int64]*Payment{},
		refundByKey: map[string][]byte{}, failures: map[string][]int{}, stall: map[string]chan struct{}{},
		gets: map[int64]int{}, nextID: 1893306300}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	if cleanup != nil {
		cleanup(s.Close)
	}
	return s
}

// SetPayment adds or replaces a payment.
func (s *Server) SetPayment(p Payment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.Currency == "" {
		p.Currency = "ARS"
	}
	s.payments[p.ID] = &p
}

// PaymentOf returns the fake's current state of a payment.
func (s *Server) PaymentOf(id int64) (Payment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.payments[id]
	if !ok {
		return Payment{}, false
	}
	return *p, true
}

// Gets is how many times GET /v1/payments/{id} was served for id.
func (s *Server) Gets(id int64) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets[id]
}

// Preferences lists the preferences created, in order (a replayed key adds none).
func (s *Server) Preferences() []Preference {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Preference(nil), s.prefs...)
}

// Refunds lists the refunds made, in order (a replayed key adds none).
func (s *Server) Refunds() []Refund {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Refund(nil), s.refunds...)
}

// FailNext makes the next len(statuses) requests whose path starts with prefix answer
// those HTTP statuses, in order.
func (s *Server) FailNext(prefix string, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[prefix] = append(s.failures[prefix], statuses...)
}

// Stall makes requests whose path starts with prefix wait until the returned function is
// called (a Mercado Pago that hangs).
func (s *Server) Stall(prefix string) (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.stall[prefix] = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.stall, prefix)
			s.mu.Unlock()
			close(ch)
		})
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var wait chan struct{}
	for prefix, ch := range s.stall {
		if strings.HasPrefix(r.URL.Path, prefix) {
			wait = ch
		}
	}
	status := 0
	for prefix, st := range s.failures {
		if strings.HasPrefix(r.URL.Path, prefix) && len(st) > 0 {
			status, s.failures[prefix] = st[0], st[1:]
			break
		}
	}
	s.mu.Unlock()
	if wait != nil {
		select {
		case <-wait:
		case <-r.Context().Done():
			return
		}
	}
	if status != 0 {
		writeError(w, status, "injected failure", 0)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		writeError(w, http.StatusUnauthorized, "invalid access token", 0)
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/checkout/preferences":
		s.createPreference(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/v1/payments/search":
		s.search(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/payments/"):
		s.getPayment(w, strings.TrimPrefix(r.URL.Path, "/v1/payments/"))
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/payments/") && strings.HasSuffix(r.URL.Path, "/refunds"):
		s.refund(w, r, strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/payments/"), "/refunds"))
	default:
		writeError(w, http.StatusNotFound, "resource not found", 0)
	}
}

func writeError(w http.ResponseWriter, status int, msg string, cause int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	causes := []map[string]any{}
	if cause != 0 {
		causes = append(causes, map[string]any{"code": cause, "description": msg})
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"message": msg, "error": http.StatusText(status), "status": status, "cause": causes})
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (s *Server) createPreference(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "unreadable body", 0)
		return
	}
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid json", 0)
		return
	}
	key := r.Header.Get("X-Idempotency-Key")
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.prefByKey[key]; ok && key != "" {
		writeJSON(w, http.StatusCreated, prev)
		return
	}
	s.nextID++
	id := fmt.Sprintf("%d-6d2b3f56-e909-402e-8779-%012d", CollectorID, s.nextID)
	req["id"] = id
	req["collector_id"] = CollectorID
	req["client_id"] = "5260181590830166"
	req["site_id"] = "MLA"
	req["date_created"] = time.Now().Format("2006-01-02T15:04:05.000-07:00")
	req["init_point"] = s.URL + "/checkout/v1/redirect?pref_id=" + id
	req["sandbox_init_point"] = s.URL + "/sandbox/checkout/v1/redirect?pref_id=" + id
	out, _ := json.Marshal(req)
	if key != "" {
		s.prefByKey[key] = out
	}
	s.prefs = append(s.prefs, Preference{ID: id, IdempotencyKey: key, Body: body})
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) getPayment(w http.ResponseWriter, rawID string) {
	id, err := strconv.ParseInt(rawID, 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.payments[id]
	if err != nil || !ok {
		writeError(w, http.StatusNotFound, "Payment not found", 2000)
		return
	}
	s.gets[id]++
	writeJSON(w, http.StatusOK, p.body())
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	ref := r.URL.Query().Get("external_reference")
	s.mu.Lock()
	defer s.mu.Unlock()
	var results []json.RawMessage
	for _, p := range s.payments {
		if p.Reference == ref {
			results = append(results, p.body())
		}
	}
	out, _ := json.Marshal(map[string]any{
		"paging":  map[string]any{"total": len(results), "limit": 50, "offset": 0},
		"results": append([]json.RawMessage{}, results...),
	})
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) refund(w http.ResponseWriter, r *http.Request, rawID string) {
	key := r.Header.Get("X-Idempotency-Key")
	if key == "" {
		writeError(w, http.StatusBadRequest, "X-Idempotency-Key is required", 4292)
		return
	}
	var req struct {
		Amount *json.Number `json:"amount"`
	}
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid json", 0)
		return
	}
	id, _ := strconv.ParseInt(rawID, 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.refundByKey[key]; ok {
		writeJSON(w, http.StatusCreated, prev)
		return
	}
	p, ok := s.payments[id]
	if !ok {
		writeError(w, http.StatusNotFound, "Payment not found", 2000)
		return
	}
	remaining := p.AmountCents - p.RefundedCents
	if p.Status != "approved" || remaining <= 0 {
		writeError(w, http.StatusBadRequest, "Invalid payment status", 2063)
		return
	}
	amount := remaining
	if req.Amount != nil {
		c, err := cents(string(*req.Amount))
		if err != nil || c <= 0 || c > remaining {
			writeError(w, http.StatusBadRequest, "Invalid refund amount", 4041)
			return
		}
		amount = c
	}
	s.nextID++
	p.RefundedCents += amount
	p.Raw = nil
	if p.RefundedCents == p.AmountCents {
		p.Status, p.StatusDetail = "refunded", "refunded"
	} else {
		p.StatusDetail = "partially_refunded"
	}
	out, _ := json.Marshal(map[string]any{
		"id": s.nextID, "payment_id": id, "amount": decimal(amount), "status": "approved",
		"date_created": time.Now().Format("2006-01-02T15:04:05.000-07:00"),
		"source":       map[string]any{"id": strconv.Itoa(CollectorID), "name": "Complejo Los Robles", "type": "collector"},
		"refund_mode":  "standard", "adjustment_amount": 0, "metadata": map[string]any{}, "unique_sequence_number": nil, "reason": nil,
	})
	s.refundByKey[key] = out
	s.refunds = append(s.refunds, Refund{ID: s.nextID, PaymentID: id, AmountCents: amount, IdempotencyKey: key})
	writeJSON(w, http.StatusCreated, out)
}

func (p *Payment) body() []byte {
	if p.Raw != nil {
		return p.Raw
	}
	detail := p.StatusDetail
	if detail == "" {
		detail = map[string]string{"approved": "accredited", "rejected": "cc_rejected_other_reason", "pending": "pending_waiting_payment"}[p.Status]
	}
	var approved any
	if p.Status == "approved" || p.Status == "refunded" {
		approved = "2027-02-03T15:41:09.000-03:00"
	}
	b, _ := json.Marshal(map[string]any{
		"id": p.ID, "date_created": "2027-02-03T15:41:07.000-03:00", "date_approved": approved,
		"date_last_updated": "2027-02-03T15:41:09.000-03:00", "operation_type": "regular_payment",
		"payment_method_id": "master", "payment_type_id": "credit_card", "status": p.Status, "status_detail": detail,
		"currency_id": p.Currency, "live_mode": true, "collector_id": CollectorID,
		"payer":              map[string]any{"id": "3107725580", "email": "guest@example.com"},
		"external_reference": p.Reference, "transaction_amount": decimal(p.AmountCents),
		"transaction_amount_refunded": decimal(p.RefundedCents), "installments": 1, "refunds": []any{},
	})
	return b
}

func decimal(c int64) json.Number { return json.Number(fmt.Sprintf("%d.%02d", c/100, c%100)) }

func cents(s string) (int64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	for len(frac) < 2 {
		frac += "0"
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("too many decimals in %q", s)
	}
	return strconv.ParseInt(whole+frac, 10, 64)
}

// Notification is a webhook as Mercado Pago sends it for a payment: the query, the
// headers (x-signature over id, request id and ts) and the body.
type Notification struct {
	Query   string
	Headers http.Header
	Body    []byte
}

// PaymentNotification builds a signed "payment.updated" webhook for paymentID at now.
func PaymentNotification(secret []byte, paymentID int64, requestID string, now time.Time) Notification {
	id := strconv.FormatInt(paymentID, 10)
	ts := strconv.FormatInt(now.Unix(), 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("id:" + id + ";request-id:" + requestID + ";ts:" + ts + ";"))
	h := http.Header{}
	h.Set("x-signature", "ts="+ts+",v1="+hex.EncodeToString(mac.Sum(nil)))
	h.Set("x-request-id", requestID)
	h.Set("Content-Type", "application/json")
	body, _ := json.Marshal(map[string]any{
		"action": "payment.updated", "api_version": "v1", "data": map[string]any{"id": id},
		"date_created": now.UTC().Format(time.RFC3339), "id": paymentID + 7, "live_mode": true, "type": "payment",
		"user_id": strconv.Itoa(CollectorID),
	})
	return Notification{Query: "data.id=" + id + "&type=payment", Headers: h, Body: body}
}

// Post sends the notification to a webhook URL (e.g. base + "/webhooks/mercadopago").
func (n Notification) Post(client *http.Client, webhookURL string) (*http.Response, error) {
	sep := "?"
	if strings.Contains(webhookURL, "?") {
		sep = "&"
	}
	req, err := http.NewRequest(http.MethodPost, webhookURL+sep+n.Query, bytes.NewReader(n.Body))
	if err != nil {
		return nil, err
	}
	req.Header = n.Headers.Clone()
	return client.Do(req)
}
