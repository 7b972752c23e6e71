package cloudapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/plugins/whatsapp/cloudapi"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

const (
	phoneID = "613058842097135"
	token   = "EAAG-test-token"
)

// outboundFrom reads a corpus send body into the client's Outbound.
func outboundFrom(t *testing.T, body map[string]any) cloudapi.Outbound {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	var b struct {
		To   string `json:"to"`
		Type string `json:"type"`
		Text struct {
			Body string `json:"body"`
		} `json:"text"`
		Audio struct {
			ID    string `json:"id"`
			Link  string `json:"link"`
			Voice bool   `json:"voice"`
		} `json:"audio"`
		Interactive struct {
			Body   struct{ Text string } `json:"body"`
			Footer struct{ Text string } `json:"footer"`
			Action struct {
				Buttons []struct {
					Reply struct {
						ID    string `json:"id"`
						Title string `json:"title"`
					} `json:"reply"`
				} `json:"buttons"`
			} `json:"action"`
		} `json:"interactive"`
		Template struct {
			Name     string `json:"name"`
			Language struct {
				Code string `json:"code"`
			} `json:"language"`
			Components []struct {
				Type       string `json:"type"`
				Parameters []struct {
					Text string `json:"text"`
				} `json:"parameters"`
			} `json:"components"`
		} `json:"template"`
	}
	require.NoError(t, json.Unmarshal(raw, &b))
	o := cloudapi.Outbound{To: b.To}
	switch b.Type {
	case "text":
		o.Text = &b.Text.Body
	case "audio":
		o.AudioID, o.AudioLink, o.Voice = b.Audio.ID, b.Audio.Link, b.Audio.Voice
	case "interactive":
		o.Body, o.Footer = b.Interactive.Body.Text, b.Interactive.Footer.Text
		for _, btn := range b.Interactive.Action.Buttons {
			o.Buttons = append(o.Buttons, cloudapi.Button{ID: btn.Reply.ID, Title: btn.Reply.Title})
		}
	case "template":
		o.Template, o.Language = b.Template.Name, b.Template.Language.Code
		for _, c := range b.Template.Components {
			for _, p := range c.Parameters {
				if c.Type == "body" {
					o.Params = append(o.Params, p.Text)
				}
			}
		}
	default:
		t.Fatalf("corpus send type %q unknown to the test", b.Type)
	}
	return o
}

// graph is a fake Graph API: it records requests and answers with fn.
type graph struct {
	*httptest.Server
	got []*http.Request
	bod [][]byte
	fn  func(w http.ResponseWriter, r *http.Request, body []byte)
}

func newGraph(t *testing.T, fn func(w http.ResponseWriter, r *http.Request, body []byte)) *graph {
	g := &graph{fn: fn}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g.got = append(g.got, r)
		g.bod = append(g.bod, body)
		g.fn(w, r, body)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *graph) client() *cloudapi.Client {
	return &cloudapi.Client{BaseURL: g.URL, Version: "v24.0", PhoneNumberID: phoneID, Token: token, HTTP: g.Client()}
}

func sendOK(w http.ResponseWriter, _ *http.Request, _ []byte) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"messaging_product":"whatsapp","contacts":[{"input":"5491147305519","wa_id":"5491147305519"}],"messages":[{"id":"wamid.OK"}]}`)
}

func TestOutboundRequestsCorpus(t *testing.T) {
	dir := corpusDir(t)
	var cases struct {
		Cases []struct {
			Name    string `json:"name"`
			Request struct {
				Method  string            `json:"method"`
				Path    string            `json:"path"`
				Headers map[string]string `json:"headers"`
				Body    map[string]any    `json:"body"`
			} `json:"request"`
			ClientValid bool `json:"client_valid"`
		} `json:"cases"`
	}
	readJSON(t, filepath.Join(dir, "outbound", "requests.json"), &cases)
	require.NotEmpty(t, cases.Cases)
	for _, tc := range cases.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			g := newGraph(t, sendOK)
			o := outboundFrom(t, tc.Request.Body)
			res, err := g.client().Send(context.Background(), o)
			if !tc.ClientValid {
				require.ErrorIs(t, err, cloudapi.ErrLimit)
				require.ErrorIs(t, err, plugin.ErrInvalidRequest)
				assert.Empty(t, g.got, "refused before any call to Meta")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "wamid.OK", res.MessageID)
			require.Len(t, g.got, 1)
			r := g.got[0]
			assert.Equal(t, tc.Request.Method, r.Method)
			assert.Equal(t, tc.Request.Path, r.URL.Path)
			assert.Equal(t, "Bearer "+token, r.Header.Get("Authorization"))
			assert.Equal(t, tc.Request.Headers["Content-Type"], r.Header.Get("Content-Type"))
			assert.JSONEq(t, string(mustJSON(t, tc.Request.Body)), string(g.bod[0]))
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return raw
}

func TestGraphAnswersCorpus(t *testing.T) {
	dir := corpusDir(t)
	var cases struct {
		Cases []struct {
			Name       string          `json:"name"`
			HTTPStatus int             `json:"http_status"`
			Body       json.RawMessage `json:"body"`
			Class      string          `json:"class"`
			Extract    struct {
				MessageID string `json:"message_id"`
				WaID      string `json:"wa_id"`
			} `json:"extract"`
		} `json:"cases"`
	}
	readJSON(t, filepath.Join(dir, "outbound", "responses.json"), &cases)
	sentinels := map[string]error{
		"window_closed_use_template": channel.ErrWindowClosed, "retry_backoff_recipient": plugin.ErrRateLimited,
		"permanent_failure": channel.ErrRecipientInvalid, "auth_error": plugin.ErrPermissionDenied,
	}
	for _, tc := range cases.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			g := newGraph(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
				w.WriteHeader(tc.HTTPStatus)
				_, _ = w.Write(tc.Body)
			})
			text := "hola"
			res, err := g.client().Send(context.Background(), cloudapi.Outbound{To: "5491147305519", Text: &text})
			assert.Equal(t, cloudapi.Class(tc.Class), cloudapi.ClassOf(err))
			if tc.Class == "ok" {
				require.NoError(t, err)
				assert.Equal(t, tc.Extract.MessageID, res.MessageID)
				assert.Equal(t, tc.Extract.WaID, res.WaID)
				return
			}
			require.Error(t, err)
			if s, ok := sentinels[tc.Class]; ok {
				require.ErrorIs(t, err, s)
			}
			d := plugin.DetailOf(err)
			assert.NotEmpty(t, d.ProviderCode, "the Graph code travels with the error")
			switch tc.Class {
			case "retry_backoff_recipient":
				assert.Equal(t, plugin.ScopeRecipient, d.Scope)
				assert.Positive(t, d.RetryAfter)
			case "retry_backoff_global":
				assert.Positive(t, d.RetryAfter)
			}
		})
	}
	t.Run("throughput slows the whole number", func(t *testing.T) {
		ge := &cloudapi.GraphError{HTTPStatus: 400, Code: cloudapi.CodeThroughput}
		err := ge.Err()
		require.ErrorIs(t, err, plugin.ErrRateLimited)
		assert.Equal(t, plugin.ScopeSender, plugin.DetailOf(err).Scope)
	})
	t.Run("Retry-After is honoured", func(t *testing.T) {
		g := newGraph(t, func(w http.ResponseWriter, _ *http.Request, _ []byte) {
			w.Header().Set("Retry-After", "42")
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		text := "hola"
		_, err := g.client().Send(context.Background(), cloudapi.Outbound{To: "549", Text: &text})
		require.ErrorIs(t, err, plugin.ErrUnavailable)
		assert.Equal(t, 42*time.Second, plugin.RetryAfter(err))
	})
}

func TestListAndTemplateComponents(t *testing.T) {
	o := cloudapi.Outbound{To: "549", Body: "¿Cuál te reservo?", ListButton: "Ver unidades", Sections: []cloudapi.Section{{Rows: []cloudapi.Row{
		{ID: "unidad:1", Title: "Cabaña Robles"}, {ID: "unidad:2", Title: "Cabaña Coihue", Description: "para 4"}}}}}
	raw, err := o.Build()
	require.NoError(t, err)
	assert.JSONEq(t, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"549","type":"interactive","interactive":{"type":"list",
		"body":{"text":"¿Cuál te reservo?"},"action":{"button":"Ver unidades","sections":[{"rows":[{"id":"unidad:1","title":"Cabaña Robles"},
		{"id":"unidad:2","title":"Cabaña Coihue","description":"para 4"}]}]}}}`, string(raw))

	var eleven []cloudapi.Row
	for i := range 11 {
		eleven = append(eleven, cloudapi.Row{ID: string(rune('a' + i)), Title: "x"})
	}
	_, err = cloudapi.Outbound{To: "549", Body: "b", ListButton: "Ver", Sections: []cloudapi.Section{{Rows: eleven}}}.Build()
	require.ErrorIs(t, err, cloudapi.ErrLimit)

	raw, err = cloudapi.Outbound{To: "549", Template: "reserva_por_vencer", Language: "es_AR", Params: []string{"Ana", "10:30"},
		HeaderParams: []string{"Robles"}, ButtonPayloads: []string{"HOLD_EXTEND_REQ"}}.Build()
	require.NoError(t, err)
	assert.JSONEq(t, `{"messaging_product":"whatsapp","recipient_type":"individual","to":"549","type":"template","template":{"name":"reserva_por_vencer",
		"language":{"code":"es_AR"},"components":[{"type":"header","parameters":[{"type":"text","text":"Robles"}]},
		{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"10:30"}]},
		{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"HOLD_EXTEND_REQ"}]}]}}`, string(raw))
}

func TestMediaDownloadAndUpload(t *testing.T) {
	voice := []byte("OggS\x00\x02 a voice note")
	sum := sha256.Sum256(voice)
	var lookups, expired atomic.Int32
	var g *graph
	g = newGraph(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized) // without the bearer token no media
			return
		}
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/v24.0/2278450193366810":
			assert.Equal(t, phoneID, r.URL.Query().Get("phone_number_id"))
			n := lookups.Add(1)
			_ = json.NewEncoder(w).Encode(map[string]string{"url": g.URL + "/lookaside/" + string(rune('0'+n)) + "?hash=x", "mime_type": "audio/ogg",
				"sha256": hex.EncodeToString(sum[:]), "file_size": "21", "id": "2278450193366810", "messaging_product": "whatsapp"})
		case r.Method == http.MethodGet && r.URL.Path == "/v24.0/404404":
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":{"message":"Unsupported get request","type":"GraphMethodException","code":100}}`)
		case r.URL.Path == "/lookaside/1":
			expired.Add(1)
			w.WriteHeader(http.StatusNotFound) // the first URL has expired: look up again
		case strings.HasPrefix(r.URL.Path, "/lookaside/"):
			_, _ = w.Write(voice)
		case r.Method == http.MethodPost && r.URL.Path == "/v24.0/"+phoneID+"/media":
			r.Body = http.MaxBytesReader(nil, io.NopCloser(bytes.NewReader(body)), 1<<20)
			require.NoError(t, r.ParseMultipartForm(1<<20)) //nolint:gosec // the body is bounded by MaxBytesReader just above
			assert.Equal(t, "whatsapp", r.FormValue("messaging_product"))
			assert.Equal(t, "audio/ogg", r.FormValue("type"))
			f, hdr, err := r.FormFile("file")
			require.NoError(t, err)
			got, _ := io.ReadAll(f)
			assert.Equal(t, voice, got)
			assert.Equal(t, "audio/ogg", hdr.Header.Get("Content-Type"))
			_, _ = io.WriteString(w, `{"id":"1468203957741128"}`)
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL)
			w.WriteHeader(http.StatusTeapot)
		}
	})
	c := g.client()
	ctx := context.Background()
	data, info, err := c.Download(ctx, "2278450193366810", 1<<20)
	require.NoError(t, err)
	assert.Equal(t, voice, data)
	assert.Equal(t, "audio/ogg", info.MIME)
	assert.Equal(t, int32(2), lookups.Load(), "an expired URL is looked up again")
	assert.Equal(t, int32(1), expired.Load())

	_, _, err = c.Download(ctx, "2278450193366810", 10)
	require.ErrorIs(t, err, plugin.ErrInvalidRequest, "file_size over the cap is refused before downloading")
	_, _, err = c.Download(ctx, "404404", 0)
	require.ErrorIs(t, err, plugin.ErrNotFound)
	_, _, err = c.Download(ctx, "../x", 0)
	require.ErrorIs(t, err, plugin.ErrInvalidRequest)

	id, err := c.Upload(ctx, voice, "audio/ogg; codecs=opus", "respuesta.ogg")
	require.NoError(t, err)
	assert.Equal(t, "1468203957741128", id)

	bad := &cloudapi.Client{BaseURL: g.URL, Version: "v24.0", PhoneNumberID: phoneID, Token: "wrong", HTTP: g.Client()}
	_, _, err = bad.Download(ctx, "2278450193366810", 0)
	require.ErrorIs(t, err, plugin.ErrPermissionDenied)
}
