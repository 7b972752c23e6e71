package whisper

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/conserje/conserje/sdk/plugin"
)

// maxAnswer bounds a backend's answer.
const maxAnswer = 4 << 20

// openAI speaks the OpenAI transcription API.
type openAI struct {
	client *http.Client
	url    string
	key    string
	model  string
	prompt string
}

func (o *openAI) transcribe(ctx context.Context, wav []byte, lang string) (transcript, error) {
	fields := [][2]string{{"model", o.model}, {"temperature", "0"}}
	if noVerbose(o.model) {
		// gpt-4o-transcribe and its kin answer json only; logprobs carry their confidence.
		fields = append(fields, [2]string{"response_format", "json"}, [2]string{"include[]", "logprobs"})
	} else {
		fields = append(fields, [2]string{"response_format", "verbose_json"}, [2]string{"timestamp_granularities[]", "segment"})
	}
	if lang != "" {
		fields = append(fields, [2]string{"language", lang})
	}
	if o.prompt != "" {
		fields = append(fields, [2]string{"prompt", o.prompt})
	}
	header := http.Header{}
	if o.key != "" {
		header.Set("Authorization", "Bearer "+o.key)
	}
	v, err := post(ctx, o.client, o.url, header, wav, fields)
	if err != nil {
		return transcript{}, err
	}
	return fromVerbose(v), nil
}

func noVerbose(model string) bool { return strings.HasPrefix(model, "gpt-4o") }

// whisperCPP speaks the whisper.cpp server's /inference.
type whisperCPP struct {
	client *http.Client
	url    string
	prompt string
}

func (w *whisperCPP) transcribe(ctx context.Context, wav []byte, lang string) (transcript, error) {
	if lang == "" {
		lang = "auto" // the server's own default is its -l flag, usually "en"
	}
	fields := [][2]string{{"response_format", "verbose_json"}, {"temperature", "0"}, {"language", lang}}
	if w.prompt != "" {
		fields = append(fields, [2]string{"prompt", w.prompt})
	}
	v, err := post(ctx, w.client, w.url, http.Header{}, wav, fields)
	if err != nil {
		return transcript{}, err
	}
	return fromVerbose(v), nil
}

// post sends the WAV as the multipart "file" field with the other fields, and reads a
// verbose_json answer, mapping HTTP failures onto the SDK's errors.
func post(ctx context.Context, client *http.Client, url string, header http.Header, wav []byte, fields [][2]string) (verboseJSON, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Disposition": {`form-data; name="file"; filename="audio.wav"`},
		"Content-Type":        {"audio/wav"},
	})
	if err == nil {
		_, err = part.Write(wav)
	}
	for _, f := range fields {
		if err == nil {
			err = mw.WriteField(f[0], f[1])
		}
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return verboseJSON{}, fmt.Errorf("build transcription request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, &body)
	if err != nil {
		return verboseJSON{}, fmt.Errorf("%w: transcription request: %w", plugin.ErrInvalidRequest, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return verboseJSON{}, fmt.Errorf("transcription: %w", ctx.Err())
		}
		return verboseJSON{}, fmt.Errorf("%w: transcription: %w", plugin.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return verboseJSON{}, fmt.Errorf("%w: read transcription: %w", plugin.ErrUnavailable, err)
	}
	if len(raw) > maxAnswer {
		return verboseJSON{}, fmt.Errorf("%w: transcription answer larger than %d bytes", plugin.ErrUnavailable, maxAnswer)
	}
	if resp.StatusCode/100 != 2 {
		return verboseJSON{}, statusError(resp.StatusCode, raw)
	}
	var v verboseJSON
	if err := json.Unmarshal(raw, &v); err != nil {
		return verboseJSON{}, fmt.Errorf("%w: transcription answer is not JSON: %w", plugin.ErrUnavailable, err)
	}
	if len(v.Error) > 0 && string(v.Error) != "null" {
		return verboseJSON{}, fmt.Errorf("%w: transcription failed: %s", plugin.ErrUnavailable, errorMessage(v.Error))
	}
	return v, nil
}

func statusError(code int, body []byte) error {
	msg := ""
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && len(e.Error) > 0 {
		msg = errorMessage(e.Error)
	} else {
		msg = strings.TrimSpace(string(body))
		if len(msg) > 200 {
			msg = msg[:200]
		}
	}
	var kind error
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		kind = plugin.ErrPermissionDenied
	case code == http.StatusTooManyRequests:
		kind = plugin.ErrRateLimited
	case code == http.StatusNotFound:
		kind = plugin.ErrUnavailable // a wrong base_url or model path
	case code >= 400 && code < 500:
		kind = plugin.ErrInvalidRequest
	default:
		kind = plugin.ErrUnavailable
	}
	return fmt.Errorf("%w: transcription: HTTP %d: %s", kind, code, msg)
}

// errorMessage reads OpenAI's {"message": ...} or whisper.cpp's plain string.
func errorMessage(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &o) == nil && o.Message != "" {
		return o.Message
	}
	return string(raw)
}
