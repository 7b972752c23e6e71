package cloudapi

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SignatureHeader is the header Meta signs webhook bodies in.
const SignatureHeader = "X-Hub-Signature-256"

// VerifySignature reports whether header is "sha256=" followed by the lowercase or
// uppercase hex of HMAC-SHA256(secret, body), compared in constant time. body must be the
// raw bytes as received: re-encoded JSON never matches.
func VerifySignature(secret []byte, header string, body []byte) bool {
	hexSum, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(secret) == 0 {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Sign returns the X-Hub-Signature-256 value of body (for tests and fakes).
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// ParseError says why a webhook body could not be used; with a valid signature it is
// still answered 200 (a 4xx makes Meta resend the same bytes for days).
type ParseError struct {
	// Code is one of "invalid_json", "wrong_object", "empty_entry", "bad_shape".
	Code   string
	Detail string
}

func (e *ParseError) Error() string {
	if e.Detail == "" {
		return "whatsapp webhook: " + e.Code
	}
	return "whatsapp webhook: " + e.Code + ": " + e.Detail
}

// ErrParse is matched (errors.Is) by every *ParseError.
var ErrParse = errors.New("whatsapp webhook body unusable")

// Is makes errors.Is(err, ErrParse) hold.
func (e *ParseError) Is(target error) bool { return target == ErrParse }

// Message is one inbound message as the webhook carried it, normalized.
type Message struct {
	PhoneNumberID string
	// From is the sender's wa_id; empty for username-only senders (then FromUserID).
	From       string
	FromUserID string
	ID         string
	Timestamp  int64
	// Type is the type string as sent ("text", "audio", "interactive", a future one).
	Type string
	// ProfileName is the contact's profile name, when a contacts[] item matches.
	ProfileName    string
	HasProfileName bool

	Text string
	// Media (audio, image, video, document, sticker).
	MediaID    string
	MIME       string
	SHA256     string
	Voice      bool
	Caption    string
	HasCaption bool
	Filename   string
	// Interactive and template quick-reply buttons.
	InteractiveType string
	ButtonID        string
	ButtonTitle     string
	Location        *Location
	Reaction        *Reaction
	// Unsupported content.
	ErrorCodes      []int
	UnsupportedType string
	// ContextID is the wamid of our message the guest answered or tapped.
	ContextID string
}

// Location is a shared place; Name and Address may be empty.
type Location struct {
	Latitude  float64
	Longitude float64
	Name      string
	Address   string
}

// Reaction is an emoji on a message; HasEmoji is false when the guest took it back.
type Reaction struct {
	MessageID string
	Emoji     string
	HasEmoji  bool
}

// Status is one delivery status of a message we sent.
type Status struct {
	PhoneNumberID string
	// ID is the wamid of our message.
	ID string
	// Status is the string as sent ("sent", "delivered", "read", "played", "failed", ...).
	Status      string
	RecipientID string
	Timestamp   int64
	ErrorCodes  []int
	// ErrorTitle is the first error's title, for logs and staff.
	ErrorTitle string
}

// Events is what one webhook body carried, in order.
type Events struct {
	Messages []Message
	Statuses []Status
}

// The wire shapes, decoded leniently: unknown keys are ignored at every level.
type (
	envelope struct {
		Object string          `json:"object"`
		Entry  json.RawMessage `json:"entry"`
	}
	entry struct {
		Changes []change `json:"changes"`
	}
	change struct {
		Field string          `json:"field"`
		Value json.RawMessage `json:"value"`
	}
	value struct {
		Metadata struct {
			PhoneNumberID string `json:"phone_number_id"`
		} `json:"metadata"`
		Contacts []contact   `json:"contacts"`
		Messages []wireMsg   `json:"messages"`
		Statuses []wireState `json:"statuses"`
	}
	contact struct {
		WaID    string `json:"wa_id"`
		UserID  string `json:"user_id"`
		Profile struct {
			Name *string `json:"name"`
		} `json:"profile"`
	}
	wireMedia struct {
		ID       string  `json:"id"`
		MIME     string  `json:"mime_type"`
		SHA256   string  `json:"sha256"`
		Voice    bool    `json:"voice"`
		Caption  *string `json:"caption"`
		Filename string  `json:"filename"`
	}
	wireError struct {
		Code  flexInt `json:"code"`
		Title string  `json:"title"`
	}
	wireMsg struct {
		From        string                 `json:"from"`
		FromUserID  string                 `json:"from_user_id"`
		ID          string                 `json:"id"`
		Timestamp   flexInt                `json:"timestamp"`
		Type        string                 `json:"type"`
		Text        *struct{ Body string } `json:"text"`
		Audio       *wireMedia             `json:"audio"`
		Image       *wireMedia             `json:"image"`
		Video       *wireMedia             `json:"video"`
		Document    *wireMedia             `json:"document"`
		Sticker     *wireMedia             `json:"sticker"`
		Interactive *struct {
			Type        string `json:"type"`
			ButtonReply *struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			} `json:"button_reply"`
			ListReply *struct {
				ID    string `json:"id"`
				Title string `json:"title"`
			} `json:"list_reply"`
		} `json:"interactive"`
		Button *struct {
			Payload string `json:"payload"`
			Text    string `json:"text"`
		} `json:"button"`
		Location *struct {
			Latitude  float64 `json:"latitude"`
			Longitude float64 `json:"longitude"`
			Name      string  `json:"name"`
			Address   string  `json:"address"`
		} `json:"location"`
		Reaction *struct {
			MessageID string  `json:"message_id"`
			Emoji     *string `json:"emoji"`
		} `json:"reaction"`
		Unsupported *struct {
			Type string `json:"type"`
		} `json:"unsupported"`
		Errors  []wireError `json:"errors"`
		Context *struct {
			ID string `json:"id"`
		} `json:"context"`
	}
	wireState struct {
		ID          string      `json:"id"`
		Status      string      `json:"status"`
		Timestamp   flexInt     `json:"timestamp"`
		RecipientID string      `json:"recipient_id"`
		Errors      []wireError `json:"errors"`
	}
)

// flexInt reads a JSON string of digits (Meta's timestamps) or a number.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// A fractional or odd value: keep the integer part rather than drop the message.
		fl, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return fmt.Errorf("not an integer: %s", s)
		}
		n = int64(fl)
	}
	*f = flexInt(n)
	return nil
}

// Parse decodes a webhook body: every entry, every change whose field is "messages",
// every message and status, in order. Anything else (template status updates, account
// updates) yields nothing. The error is a *ParseError.
func Parse(body []byte) (Events, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || !json.Valid(trimmed) {
		return Events{}, &ParseError{Code: "invalid_json"}
	}
	if trimmed[0] != '{' {
		return Events{}, &ParseError{Code: "bad_shape", Detail: "the body is not a JSON object"}
	}
	var env envelope
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return Events{}, &ParseError{Code: "bad_shape", Detail: err.Error()}
	}
	if env.Object != "whatsapp_business_account" {
		return Events{}, &ParseError{Code: "wrong_object", Detail: fmt.Sprintf("object %q", env.Object)}
	}
	raw := bytes.TrimSpace(env.Entry)
	if len(raw) == 0 || raw[0] != '[' {
		return Events{}, &ParseError{Code: "bad_shape", Detail: "entry is not a list"}
	}
	var entries []entry
	if err := json.Unmarshal(raw, &entries); err != nil {
		return Events{}, &ParseError{Code: "bad_shape", Detail: err.Error()}
	}
	if len(entries) == 0 {
		return Events{}, &ParseError{Code: "empty_entry"}
	}
	var ev Events
	for _, e := range entries {
		for _, c := range e.Changes {
			if c.Field != "messages" {
				continue
			}
			var v value
			if err := json.Unmarshal(c.Value, &v); err != nil {
				return Events{}, &ParseError{Code: "bad_shape", Detail: "change value: " + err.Error()}
			}
			pn := v.Metadata.PhoneNumberID
			for _, m := range v.Messages {
				ev.Messages = append(ev.Messages, normalizeMessage(pn, m, v.Contacts))
			}
			for _, s := range v.Statuses {
				st := Status{PhoneNumberID: pn, ID: s.ID, Status: s.Status, RecipientID: s.RecipientID, Timestamp: int64(s.Timestamp), ErrorCodes: []int{}}
				for _, e := range s.Errors {
					st.ErrorCodes = append(st.ErrorCodes, int(e.Code))
					if st.ErrorTitle == "" {
						st.ErrorTitle = e.Title
					}
				}
				ev.Statuses = append(ev.Statuses, st)
			}
		}
	}
	return ev, nil
}

func normalizeMessage(pn string, m wireMsg, contacts []contact) Message {
	out := Message{PhoneNumberID: pn, From: m.From, FromUserID: m.FromUserID, ID: m.ID, Timestamp: int64(m.Timestamp), Type: m.Type}
	if m.Context != nil {
		out.ContextID = m.Context.ID
	}
	out.ProfileName, out.HasProfileName = profileName(m, contacts)
	media := func(md *wireMedia) {
		if md == nil {
			return
		}
		out.MediaID, out.MIME, out.SHA256, out.Voice, out.Filename = md.ID, md.MIME, md.SHA256, md.Voice, md.Filename
		if md.Caption != nil {
			out.Caption, out.HasCaption = *md.Caption, true
		}
	}
	switch m.Type {
	case "text":
		if m.Text != nil {
			out.Text = m.Text.Body
		}
	case "audio":
		media(m.Audio)
	case "image":
		media(m.Image)
	case "video":
		media(m.Video)
	case "document":
		media(m.Document)
	case "sticker":
		media(m.Sticker)
	case "interactive":
		if it := m.Interactive; it != nil {
			out.InteractiveType = it.Type
			switch {
			case it.ButtonReply != nil:
				out.ButtonID, out.ButtonTitle = it.ButtonReply.ID, it.ButtonReply.Title
			case it.ListReply != nil:
				out.ButtonID, out.ButtonTitle = it.ListReply.ID, it.ListReply.Title
			}
		}
	case "button":
		if b := m.Button; b != nil {
			out.ButtonID, out.ButtonTitle = b.Payload, b.Text
			if out.ButtonID == "" {
				out.ButtonID = b.Text
			}
		}
	case "location":
		if l := m.Location; l != nil {
			out.Location = &Location{Latitude: l.Latitude, Longitude: l.Longitude, Name: l.Name, Address: l.Address}
		}
	case "reaction":
		if r := m.Reaction; r != nil {
			out.Reaction = &Reaction{MessageID: r.MessageID}
			if r.Emoji != nil {
				out.Reaction.Emoji, out.Reaction.HasEmoji = *r.Emoji, true
			}
		}
	case "unsupported":
		out.ErrorCodes = []int{}
		for _, e := range m.Errors {
			out.ErrorCodes = append(out.ErrorCodes, int(e.Code))
		}
		if m.Unsupported != nil {
			out.UnsupportedType = m.Unsupported.Type
		}
	}
	return out
}

// profileName is the name of the contacts[] item whose wa_id is the sender's, else whose
// user_id is the sender's business-scoped id (never by position).
func profileName(m wireMsg, contacts []contact) (string, bool) {
	for _, c := range contacts {
		if m.From != "" && c.WaID == m.From && c.Profile.Name != nil {
			return *c.Profile.Name, true
		}
	}
	for _, c := range contacts {
		if m.FromUserID != "" && c.UserID == m.FromUserID && c.Profile.Name != nil {
			return *c.Profile.Name, true
		}
	}
	return "", false
}
