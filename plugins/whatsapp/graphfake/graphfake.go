package graphfake

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

// Message is one message the fake accepted.
type Message struct {
	// ID is the wamid the fake answered with.
	ID string
	// To is the recipient, Type the message type (text, interactive, template, audio).
	To, Type string
	// Body is the request body as sent.
	Body json.RawMessage
	// At is when the fake answered.
	At time.Time
}

// Text is the message's visible text: a text body, an interactive body, or the
// template's name prefixed with "template:".
func (m Message) Text() string {
	var b struct {
		Text        struct{ Body string }
		Interactive struct {
			Body struct{ Text string }
		}
		Template struct{ Name string }
	}
	_ = json.Unmarshal(m.Body, &b)
	switch m.Type {
	case "text":
		return b.Text.Body
	case "interactive":
		return b.Interactive.Body.Text
	case "template":
		return "template:" + b.Template.Name
	}
	return ""
}

// Attempt is one send request, answered or not.
type Attempt struct {
	To   string
	Code int // the Graph error code answered (0: accepted)
	At   time.Time
}

// Server is the fake. Its zero value is not usable; call New.
type Server struct {
	*httptest.Server
	token string

	mu       sync.Mutex
	sent     []Message
	attempts []Attempt
	errors   map[string][]int // recipient ("" any) → Graph codes to answer next
	media    map[string][]byte
	mediaMIM map[string]string
	badSum   map[string]bool
	uploads  int
	hold     chan struct{}
	held     int
	next     int
}

// New starts a fake accepting token as the access token; it is closed with cleanup when
// given (nil: the caller closes it).
func New(token string, cleanup func(func())) *Server {
	s := &Server{token: token, errors: map[string][]int{}, media: map[string][]byte{}, mediaMIM: map[string]string{}, badSum: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	if cleanup != nil {
		cleanup(s.Close)
	}
	return s
}

// Fail makes the next sends to recipient (every recipient when "") answer these Graph
// error codes, one per send, in order.
func (s *Server) Fail(recipient string, codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errors[recipient] = append(s.errors[recipient], codes...)
}

// SetMedia makes a media id downloadable (badChecksum: the lookup announces a wrong
// sha256).
func (s *Server) SetMedia(id, mime string, data []byte, badChecksum bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.media[id], s.mediaMIM[id], s.badSum[id] = data, mime, badChecksum
}

// Hold makes sends wait until release; a send whose client goes away meanwhile (the
// plugin killed) is not accepted, as a request that never completed.
func (s *Server) Hold() (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.hold = ch
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.hold = nil
			s.mu.Unlock()
			close(ch)
		})
	}
}

// Held counts the sends waiting on Hold.
func (s *Server) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// Sent lists the messages accepted, in order.
func (s *Server) Sent() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.sent...)
}

// SentTo lists the messages accepted for one recipient.
func (s *Server) SentTo(to string) []Message {
	var out []Message
	for _, m := range s.Sent() {
		if m.To == to {
			out = append(out, m)
		}
	}
	return out
}

// Attempts lists every send request answered, accepted or refused, in order.
func (s *Server) Attempts() []Attempt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Attempt(nil), s.attempts...)
}

// Uploads counts media uploaded.
func (s *Server) Uploads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.uploads
}

// graphError is a Graph error answer as documented (HTTP 400, or 401 for tokens).
func graphError(w http.ResponseWriter, code int, message string) {
	status := http.StatusBadRequest
	if code == 190 {
		status = http.StatusUnauthorized
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": fmt.Sprintf("(#%d) %s", code, message), "type": "OAuthException", "code": code,
		"error_data": map[string]any{"messaging_product": "whatsapp", "details": message}, "fbtrace_id": "fake-trace",
	}})
}

var messages = map[int]string{
	131047: "Re-engagement message", 130429: "Rate limit hit", 131056: "(Business Account, Consumer Account) pair rate limit hit",
	131026: "Message undeliverable", 190: "Error validating access token", 100: "Invalid parameter", 2: "Service temporarily unavailable",
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+s.token {
		graphError(w, 190, messages[190])
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodPost && len(parts) == 3 && parts[2] == "messages":
		s.send(w, r)
	case r.Method == http.MethodPost && len(parts) == 3 && parts[2] == "media":
		s.mu.Lock()
		s.uploads++
		n := s.uploads
		s.mu.Unlock()
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"id":"upload-%d"}`, n)
	case r.Method == http.MethodGet && len(parts) == 2 && parts[0] == "media-bin":
		s.download(w, parts[1])
	case r.Method == http.MethodGet && len(parts) == 2:
		s.lookup(w, parts[1])
	default:
		graphError(w, 100, messages[100])
	}
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	var msg struct {
		To   string `json:"to"`
		Type string `json:"type"`
	}
	if err != nil || json.Unmarshal(body, &msg) != nil || msg.To == "" || msg.Type == "" {
		graphError(w, 100, messages[100])
		return
	}
	s.mu.Lock()
	hold := s.hold
	s.mu.Unlock()
	if hold != nil {
		s.mu.Lock()
		s.held++
		s.mu.Unlock()
		select {
		case <-hold:
		case <-r.Context().Done():
		}
		s.mu.Lock()
		s.held--
		s.mu.Unlock()
		if r.Context().Err() != nil {
			return // the client went away: never accepted
		}
	}
	s.mu.Lock()
	code := 0
	for _, key := range []string{msg.To, ""} {
		if q := s.errors[key]; len(q) > 0 {
			code, s.errors[key] = q[0], q[1:]
			break
		}
	}
	now := time.Now()
	s.attempts = append(s.attempts, Attempt{To: msg.To, Code: code, At: now})
	if code != 0 {
		s.mu.Unlock()
		graphError(w, code, messages[code])
		return
	}
	s.next++
	id := "wamid.fake" + strconv.Itoa(s.next)
	s.sent = append(s.sent, Message{ID: id, To: msg.To, Type: msg.Type, Body: body, At: now})
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":%q,"wa_id":%q}],"messages":[{"id":%q}]}`, msg.To, msg.To, id)
}

func (s *Server) lookup(w http.ResponseWriter, id string) {
	s.mu.Lock()
	data, ok := s.media[id]
	mime, bad := s.mediaMIM[id], s.badSum[id]
	s.mu.Unlock()
	if !ok {
		graphError(w, 100, messages[100])
		return
	}
	sum := sha256.Sum256(data)
	if bad {
		sum = sha256.Sum256(append(data, 'x'))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"url": s.URL + "/media-bin/" + id + "?hash=fake", "mime_type": mime,
		"sha256": hex.EncodeToString(sum[:]), "file_size": strconv.Itoa(len(data)), "id": id, "messaging_product": "whatsapp"})
}

func (s *Server) download(w http.ResponseWriter, id string) {
	s.mu.Lock()
	data, ok := s.media[id]
	mime := s.mediaMIM[id]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, nil)
		return
	}
	w.Header().Set("Content-Type", mime)
	_, _ = w.Write(data)
}

// Webhook is a webhook body with its signature, ready to post.
type Webhook struct {
	Body      []byte
	Signature string // the X-Hub-Signature-256 value
}

// Sign signs body with the app secret as Meta does.
func Sign(appSecret string, body []byte) Webhook {
	mac := hmac.New(sha256.New, []byte(appSecret))
	mac.Write(body)
	return Webhook{Body: body, Signature: "sha256=" + hex.EncodeToString(mac.Sum(nil))}
}

// Post sends the webhook to url with its signature (none when Signature is "").
func (h Webhook) Post(client *http.Client, url string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(h.Body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if h.Signature != "" {
		req.Header.Set("X-Hub-Signature-256", h.Signature)
	}
	return client.Do(req)
}

// Envelope wraps message or status values in Meta's webhook envelope for a phone number.
// value holds "messages" and "contacts", or "statuses".
func Envelope(phoneNumberID string, value map[string]any) []byte {
	v := map[string]any{"messaging_product": "whatsapp",
		"metadata": map[string]any{"display_phone_number": "5493546512200", "phone_number_id": phoneNumberID}}
	for k, x := range value {
		v[k] = x
	}
	body, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": []any{map[string]any{
		"id": "402917735860214", "changes": []any{map[string]any{"field": "messages", "value": v}},
	}}})
	return body
}

// Inbound is one guest message of type typ with its content (e.g. typ "text", content
// {"body": "hola"}) from a phone number, with the guest's profile name.
func Inbound(phoneNumberID, from, name, id, typ string, content any) []byte {
	m := map[string]any{"from": from, "id": id, "timestamp": strconv.FormatInt(time.Now().Unix(), 10), "type": typ}
	if content != nil {
		m[typ] = content
	}
	return Envelope(phoneNumberID, map[string]any{
		"contacts": []any{map[string]any{"profile": map[string]any{"name": name}, "wa_id": from}},
		"messages": []any{m},
	})
}

// Status is a delivery status of one of our messages.
func Status(phoneNumberID, id, status, recipient string, at time.Time) []byte {
	return Envelope(phoneNumberID, map[string]any{"statuses": []any{map[string]any{
		"id": id, "status": status, "timestamp": strconv.FormatInt(at.Unix(), 10), "recipient_id": recipient,
	}}})
}
