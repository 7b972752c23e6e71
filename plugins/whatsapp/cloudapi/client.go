package cloudapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/conserje/conserje/sdk/plugin"
)

// Limits of outbound messages (providers.md 1.5), in characters (runes), not bytes.
const (
	MaxText            = 4096
	MaxButtons         = 3
	MaxButtonTitle     = 20
	MaxButtonID        = 256
	MaxInteractiveBody = 1024
	MaxFooter          = 60
	MaxHeader          = 60
	MaxListRows        = 10
	MaxListSections    = 10
	MaxListRowTitle    = 24
	MaxListRowDesc     = 72
	MaxListButton      = 20
	// MaxVoiceNote keeps the voice-note look; larger OGG/Opus shows as an audio file.
	MaxVoiceNote = 512 << 10
	// MaxAudio is the largest audio Meta accepts.
	MaxAudio = 16 << 20
)

// ErrLimit is matched by requests refused before any call for breaking a limit.
var ErrLimit = errors.New("whatsapp limit exceeded")

// Client calls the Graph API for one business phone number.
type Client struct {
	// BaseURL is graph_url (https://graph.facebook.com); Version is api_version (v24.0).
	BaseURL       string
	Version       string
	PhoneNumberID string
	Token         string
	HTTP          *http.Client
	// MaxResponse caps the bytes read from a JSON answer (1 MiB).
	MaxResponse int64
}

// Button is a reply button: the id comes back in the guest's tap.
type Button struct {
	ID    string
	Title string
}

// Row is one option of a list message.
type Row struct {
	ID, Title, Description string
}

// Section is a titled group of rows.
type Section struct {
	Title string
	Rows  []Row
}

// Outbound is one message to send; exactly one content is set.
type Outbound struct {
	To string
	// ContextID quotes the message answered (context.message_id).
	ContextID string

	Text *string

	// Interactive (buttons or list).
	Body, Header, Footer string
	Buttons              []Button
	ListButton           string
	Sections             []Section

	// Audio by uploaded media id, or by public link.
	AudioID, AudioLink string
	Voice              bool

	// Template.
	Template       string
	Language       string
	Params         []string
	HeaderParams   []string
	ButtonPayloads []string
}

// Build returns the JSON body of the send request, or an error wrapping ErrLimit and
// plugin.ErrInvalidRequest when a limit is broken (checked in characters).
func (o Outbound) Build() ([]byte, error) {
	msg := map[string]any{"messaging_product": "whatsapp", "recipient_type": "individual", "to": o.To}
	if o.To == "" {
		return nil, fmt.Errorf("%w: no recipient", plugin.ErrInvalidRequest)
	}
	if o.ContextID != "" {
		msg["context"] = map[string]any{"message_id": o.ContextID}
	}
	switch {
	case o.Text != nil:
		if err := limit("text body", *o.Text, MaxText, true); err != nil {
			return nil, err
		}
		msg["type"] = "text"
		msg["text"] = map[string]any{"preview_url": false, "body": *o.Text}
	case len(o.Buttons) > 0:
		inter, err := o.buttons()
		if err != nil {
			return nil, err
		}
		msg["type"], msg["interactive"] = "interactive", inter
	case len(o.Sections) > 0:
		inter, err := o.list()
		if err != nil {
			return nil, err
		}
		msg["type"], msg["interactive"] = "interactive", inter
	case o.AudioID != "" || o.AudioLink != "":
		audio := map[string]any{}
		if o.AudioID != "" {
			audio["id"] = o.AudioID
		} else {
			audio["link"] = o.AudioLink
		}
		if o.Voice {
			audio["voice"] = true
		}
		msg["type"], msg["audio"] = "audio", audio
	case o.Template != "":
		msg["type"], msg["template"] = "template", o.template()
	default:
		return nil, fmt.Errorf("%w: message without content", plugin.ErrInvalidRequest)
	}
	return json.Marshal(msg)
}

func limit(what, s string, n int, required bool) error {
	c := utf8.RuneCountInString(s)
	switch {
	case required && c == 0:
		return fmt.Errorf("%w: %w: %s is empty", plugin.ErrInvalidRequest, ErrLimit, what)
	case c > n:
		return fmt.Errorf("%w: %w: %s has %d characters (at most %d)", plugin.ErrInvalidRequest, ErrLimit, what, c, n)
	}
	return nil
}

func (o Outbound) frame(inter map[string]any) error {
	if err := limit("body", o.Body, MaxInteractiveBody, true); err != nil {
		return err
	}
	inter["body"] = map[string]any{"text": o.Body}
	if o.Footer != "" {
		if err := limit("footer", o.Footer, MaxFooter, false); err != nil {
			return err
		}
		inter["footer"] = map[string]any{"text": o.Footer}
	}
	if o.Header != "" {
		if err := limit("header", o.Header, MaxHeader, false); err != nil {
			return err
		}
		inter["header"] = map[string]any{"type": "text", "text": o.Header}
	}
	return nil
}

func (o Outbound) buttons() (map[string]any, error) {
	if len(o.Buttons) > MaxButtons {
		return nil, fmt.Errorf("%w: %w: %d buttons (at most %d)", plugin.ErrInvalidRequest, ErrLimit, len(o.Buttons), MaxButtons)
	}
	inter := map[string]any{"type": "button"}
	if err := o.frame(inter); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var buttons []any
	for _, b := range o.Buttons {
		if err := limit("button id", b.ID, MaxButtonID, true); err != nil {
			return nil, err
		}
		if err := limit("button title", b.Title, MaxButtonTitle, true); err != nil {
			return nil, err
		}
		if seen[b.ID] {
			return nil, fmt.Errorf("%w: %w: button id %q repeated", plugin.ErrInvalidRequest, ErrLimit, b.ID)
		}
		seen[b.ID] = true
		buttons = append(buttons, map[string]any{"type": "reply", "reply": map[string]any{"id": b.ID, "title": b.Title}})
	}
	inter["action"] = map[string]any{"buttons": buttons}
	return inter, nil
}

func (o Outbound) list() (map[string]any, error) {
	if len(o.Sections) > MaxListSections {
		return nil, fmt.Errorf("%w: %w: %d sections (at most %d)", plugin.ErrInvalidRequest, ErrLimit, len(o.Sections), MaxListSections)
	}
	inter := map[string]any{"type": "list"}
	if err := o.frame(inter); err != nil {
		return nil, err
	}
	if err := limit("list button", o.ListButton, MaxListButton, true); err != nil {
		return nil, err
	}
	rows, seen := 0, map[string]bool{}
	var sections []any
	for _, s := range o.Sections {
		var rs []any
		for _, r := range s.Rows {
			rows++
			if err := limit("row id", r.ID, MaxButtonID, true); err != nil {
				return nil, err
			}
			if err := limit("row title", r.Title, MaxListRowTitle, true); err != nil {
				return nil, err
			}
			if err := limit("row description", r.Description, MaxListRowDesc, false); err != nil {
				return nil, err
			}
			if seen[r.ID] {
				return nil, fmt.Errorf("%w: %w: row id %q repeated", plugin.ErrInvalidRequest, ErrLimit, r.ID)
			}
			seen[r.ID] = true
			row := map[string]any{"id": r.ID, "title": r.Title}
			if r.Description != "" {
				row["description"] = r.Description
			}
			rs = append(rs, row)
		}
		sec := map[string]any{"rows": rs}
		if s.Title != "" {
			sec["title"] = s.Title
		}
		sections = append(sections, sec)
	}
	if rows == 0 || rows > MaxListRows {
		return nil, fmt.Errorf("%w: %w: %d rows (1 to %d)", plugin.ErrInvalidRequest, ErrLimit, rows, MaxListRows)
	}
	inter["action"] = map[string]any{"button": o.ListButton, "sections": sections}
	return inter, nil
}

func (o Outbound) template() map[string]any {
	lang := o.Language
	if lang == "" {
		lang = "es_AR"
	}
	t := map[string]any{"name": o.Template, "language": map[string]any{"code": lang}}
	texts := func(params []string) []any {
		out := make([]any, 0, len(params))
		for _, p := range params {
			out = append(out, map[string]any{"type": "text", "text": p})
		}
		return out
	}
	var comps []any
	if len(o.HeaderParams) > 0 {
		comps = append(comps, map[string]any{"type": "header", "parameters": texts(o.HeaderParams)})
	}
	if len(o.Params) > 0 {
		comps = append(comps, map[string]any{"type": "body", "parameters": texts(o.Params)})
	}
	for i, p := range o.ButtonPayloads {
		if p == "" {
			continue
		}
		comps = append(comps, map[string]any{"type": "button", "sub_type": "quick_reply", "index": strconv.Itoa(i),
			"parameters": []any{map[string]any{"type": "payload", "payload": p}}})
	}
	if len(comps) > 0 {
		t["components"] = comps
	}
	return t
}

func (c *Client) url(parts ...string) string {
	return strings.TrimRight(c.BaseURL, "/") + "/" + c.Version + "/" + strings.Join(parts, "/")
}

func (c *Client) maxResponse() int64 {
	if c.MaxResponse > 0 {
		return c.MaxResponse
	}
	return 1 << 20
}

// do sends req with the bearer token and reads a JSON answer into out; an error answer
// is a *GraphError (wrapped with its class's sentinel by Err), a transport failure wraps
// plugin.ErrUnavailable.
func (c *Client) do(req *http.Request, out any) error {
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return fmt.Errorf("graph api %s: %w", req.URL.Path, ctxErr)
		}
		return plugin.WithDetail(fmt.Errorf("%w: graph api %s: %w", plugin.ErrUnavailable, req.URL.Path, redact(err)),
			plugin.Detail{Source: plugin.SourceDownstream, RetryAfter: transientWait})
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxResponse()))
	if err != nil {
		return plugin.WithDetail(fmt.Errorf("%w: graph api %s: read answer: %w", plugin.ErrUnavailable, req.URL.Path, err),
			plugin.Detail{Source: plugin.SourceDownstream, RetryAfter: transientWait})
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return decodeGraphError(resp.StatusCode, resp.Header, body).Err()
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return plugin.WithDetail(fmt.Errorf("%w: graph api %s: answer is not JSON: %w", plugin.ErrUnavailable, req.URL.Path, err),
			plugin.Detail{Source: plugin.SourceDownstream})
	}
	return nil
}

// redact drops the URL's query from transport errors (it never carries the token, which
// goes in a header, but media URLs carry hashes).
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}

// SendResult is a sent message.
type SendResult struct {
	MessageID string
	WaID      string
}

// Send posts one message and returns its wamid.
func (c *Client) Send(ctx context.Context, o Outbound) (SendResult, error) {
	body, err := o.Build()
	if err != nil {
		return SendResult{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(c.PhoneNumberID, "messages"), bytes.NewReader(body))
	if err != nil {
		return SendResult{}, fmt.Errorf("%w: %w", plugin.ErrInvalidRequest, err)
	}
	req.Header.Set("Content-Type", "application/json")
	var answer struct {
		Contacts []struct {
			WaID string `json:"wa_id"`
		} `json:"contacts"`
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if err := c.do(req, &answer); err != nil {
		return SendResult{}, err
	}
	if len(answer.Messages) == 0 || answer.Messages[0].ID == "" {
		return SendResult{}, fmt.Errorf("%w: graph api answered the send without a message id", plugin.ErrUnavailable)
	}
	res := SendResult{MessageID: answer.Messages[0].ID}
	if len(answer.Contacts) > 0 {
		res.WaID = answer.Contacts[0].WaID
	}
	return res, nil
}

// MediaInfo is the lookup of a media id (download step 1).
type MediaInfo struct {
	URL      string `json:"url"`
	MIME     string `json:"mime_type"`
	SHA256   string `json:"sha256"`
	FileSize string `json:"file_size"`
	ID       string `json:"id"`
}

// ErrChecksum means downloaded media does not match the announced SHA-256.
var ErrChecksum = errors.New("whatsapp media checksum mismatch")

// Download fetches media in two steps (lookup, then the short-lived URL with the same
// bearer token), at most maxBytes, checking the announced SHA-256. A 401/403/404 on the
// URL (it lives about 5 minutes) looks it up once more.
func (c *Client) Download(ctx context.Context, mediaID string, maxBytes int64) ([]byte, MediaInfo, error) {
	if mediaID == "" || strings.ContainsAny(mediaID, "/?#") {
		return nil, MediaInfo{}, fmt.Errorf("%w: bad media id %q", plugin.ErrInvalidRequest, mediaID)
	}
	var lastErr error
	for attempt := 0; attempt < 2; attempt++ {
		info, err := c.lookup(ctx, mediaID)
		if err != nil {
			return nil, MediaInfo{}, err
		}
		if size, err := strconv.ParseInt(info.FileSize, 10, 64); err == nil && maxBytes > 0 && size > maxBytes {
			return nil, info, fmt.Errorf("%w: media %s has %d bytes (at most %d)", plugin.ErrInvalidRequest, mediaID, size, maxBytes)
		}
		data, retry, err := c.fetchURL(ctx, info.URL, maxBytes)
		if err != nil {
			lastErr = err
			if retry {
				continue
			}
			return nil, info, err
		}
		if info.SHA256 != "" {
			sum := sha256.Sum256(data)
			if !strings.EqualFold(hex.EncodeToString(sum[:]), info.SHA256) {
				return nil, info, fmt.Errorf("%w: %w: media %s", plugin.ErrUnavailable, ErrChecksum, mediaID)
			}
		}
		return data, info, nil
	}
	return nil, MediaInfo{}, lastErr
}

func (c *Client) lookup(ctx context.Context, mediaID string) (MediaInfo, error) {
	u := c.url(mediaID) + "?phone_number_id=" + url.QueryEscape(c.PhoneNumberID)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return MediaInfo{}, fmt.Errorf("%w: %w", plugin.ErrInvalidRequest, err)
	}
	var info MediaInfo
	if err := c.do(req, &info); err != nil {
		var ge *GraphError
		if errors.As(err, &ge) && ge.HTTPStatus == http.StatusNotFound {
			return MediaInfo{}, fmt.Errorf("%w: media %s: %w", plugin.ErrNotFound, mediaID, err)
		}
		return MediaInfo{}, err
	}
	if info.URL == "" {
		return MediaInfo{}, fmt.Errorf("%w: media %s lookup without a url", plugin.ErrUnavailable, mediaID)
	}
	return info, nil
}

// fetchURL downloads the media URL with the bearer token; retry says the URL expired.
func (c *Client) fetchURL(ctx context.Context, mediaURL string, maxBytes int64) ([]byte, bool, error) {
	u, err := url.Parse(mediaURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, false, fmt.Errorf("%w: media url is not http(s)", plugin.ErrUnavailable)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, mediaURL, nil)
	if err != nil {
		return nil, false, fmt.Errorf("%w: %w", plugin.ErrUnavailable, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("%w: media download: %w", plugin.ErrUnavailable, redact(err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound:
		return nil, true, fmt.Errorf("%w: media url answered %d", plugin.ErrUnavailable, resp.StatusCode)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, false, fmt.Errorf("%w: media url answered %d", plugin.ErrUnavailable, resp.StatusCode)
	}
	if maxBytes <= 0 {
		maxBytes = MaxAudio
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, false, fmt.Errorf("%w: media download: %w", plugin.ErrUnavailable, err)
	}
	if int64(len(data)) > maxBytes {
		return nil, false, fmt.Errorf("%w: media larger than %d bytes", plugin.ErrInvalidRequest, maxBytes)
	}
	return data, false, nil
}

// Upload posts media (a voice note: OGG/Opus) and returns its media id.
func (c *Client) Upload(ctx context.Context, data []byte, mime, filename string) (string, error) {
	if len(data) == 0 || len(data) > MaxAudio {
		return "", fmt.Errorf("%w: media of %d bytes (1 to %d)", plugin.ErrInvalidRequest, len(data), MaxAudio)
	}
	base := strings.TrimSpace(strings.SplitN(mime, ";", 2)[0])
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("messaging_product", "whatsapp")
	_ = w.WriteField("type", base)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, filename))
	h.Set("Content-Type", base)
	part, err := w.CreatePart(h)
	if err != nil {
		return "", fmt.Errorf("upload media: %w", err)
	}
	if _, err := part.Write(data); err != nil {
		return "", fmt.Errorf("upload media: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("upload media: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url(c.PhoneNumberID, "media"), &buf)
	if err != nil {
		return "", fmt.Errorf("%w: %w", plugin.ErrInvalidRequest, err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	var answer struct {
		ID string `json:"id"`
	}
	if err := c.do(req, &answer); err != nil {
		return "", err
	}
	if answer.ID == "" {
		return "", fmt.Errorf("%w: graph api answered the upload without an id", plugin.ErrUnavailable)
	}
	return answer.ID, nil
}
