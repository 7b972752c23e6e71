package plugintest_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/conserje/conserje/sdk/calendar"
	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/plugintest"
	"github.com/conserje/conserje/sdk/speech"
)

// The suites run here against small fakes that honour each contract, so a change that
// breaks a suite (or the transport under it) shows up before plugin authors see it.

type base struct{ kind plugin.Kind }

func (b base) Describe(context.Context) (plugin.Description, error) {
	return plugin.Description{Kind: b.kind, Name: "fake", Version: "1.0.0",
		SettingsSchema: []byte(`{"type":"object","properties":{"token":{"type":"string"}}}`)}, nil
}
func (base) Configure(context.Context, plugin.ConfigureRequest) error { return nil }
func (base) Stop(context.Context) error                               { return nil }

type fakeCalendar struct{ base }

func (f fakeCalendar) Fetch(ctx context.Context, req calendar.FetchRequest) (calendar.FetchResponse, error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL, nil)
	if err != nil {
		return calendar.FetchResponse{}, &calendar.RejectedError{Reason: calendar.RejectInvalidSource, Detail: err.Error()}
	}
	if req.ETag != "" {
		hreq.Header.Set("If-None-Match", req.ETag)
	}
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return calendar.FetchResponse{}, &calendar.RejectedError{Reason: calendar.RejectUnreachable, Detail: err.Error()}
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return calendar.FetchResponse{NotModified: true, ETag: req.ETag, LastModified: req.LastModified}, nil
	case resp.StatusCode/100 != 2:
		return calendar.FetchResponse{}, &calendar.RejectedError{Reason: calendar.RejectHTTPStatus, HTTPStatus: resp.StatusCode}
	}
	limit := req.MaxBytes
	if limit <= 0 {
		limit = 1 << 20
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return calendar.FetchResponse{}, &calendar.RejectedError{Reason: calendar.RejectUnreachable, Detail: err.Error()}
	}
	if int64(len(body)) > limit {
		return calendar.FetchResponse{}, &calendar.RejectedError{Reason: calendar.RejectTooLarge}
	}
	parsed, err := f.Parse(ctx, calendar.ParseRequest{Options: req.Options, Body: body})
	if err != nil {
		return calendar.FetchResponse{}, err
	}
	return calendar.FetchResponse{Blocks: parsed.Blocks, Warnings: parsed.Warnings, ETag: resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"), Bytes: int64(len(body))}, nil
}

// Parse understands just the all-day events the suite sends.
func (fakeCalendar) Parse(_ context.Context, req calendar.ParseRequest) (calendar.ParseResponse, error) {
	if !bytes.HasPrefix(req.Body, []byte("BEGIN:VCALENDAR")) {
		return calendar.ParseResponse{}, &calendar.RejectedError{Reason: calendar.RejectNotICalendar}
	}
	if !bytes.Contains(req.Body, []byte("END:VCALENDAR")) {
		return calendar.ParseResponse{}, &calendar.RejectedError{Reason: calendar.RejectTruncated}
	}
	var out calendar.ParseResponse
	var cur map[string]string
	sc := bufio.NewScanner(bytes.NewReader(req.Body))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		name, value, _ := strings.Cut(line, ":")
		name, _, _ = strings.Cut(name, ";")
		switch {
		case line == "BEGIN:VEVENT":
			cur = map[string]string{}
		case line == "END:VEVENT":
			if cur["STATUS"] != "CANCELLED" {
				out.Blocks = append(out.Blocks, calendar.Block{UID: cur["UID"], Start: isoDate(cur["DTSTART"]), End: isoDate(cur["DTEND"]),
					Kind: calendar.KindBlock, Tentative: cur["STATUS"] == "TENTATIVE", Summary: cur["SUMMARY"]})
			}
			cur = nil
		case cur != nil:
			cur[name] = value
		}
	}
	return out, nil
}

func isoDate(d string) string {
	if len(d) != 8 {
		return d
	}
	return d[:4] + "-" + d[4:6] + "-" + d[6:]
}

func TestCalendarConformance(t *testing.T) {
	plugintest.RunCalendarConformance(t, fakeCalendar{base{plugin.KindCalendar}}, plugintest.WithSettings(map[string]any{"token": "t"}))
}

type fakePayment struct{ base }

func (fakePayment) CreateLink(_ context.Context, req payment.CreateLinkRequest) (payment.CreateLinkResponse, error) {
	if req.Amount <= 0 || req.Reference == "" {
		return payment.CreateLinkResponse{}, fmt.Errorf("%w: amount and reference are required", plugin.ErrInvalidRequest)
	}
	return payment.CreateLinkResponse{LinkID: "pref-" + req.Reference, URL: "https://pay.example/" + req.Reference, ExpiresAt: req.ExpiresAt}, nil
}

func (fakePayment) HandleWebhook(context.Context, payment.WebhookRequest) (payment.WebhookResponse, error) {
	return payment.WebhookResponse{WebhookReply: plugin.WebhookReply{Status: http.StatusBadRequest}}, nil
}

func (fakePayment) GetPayment(_ context.Context, req payment.GetPaymentRequest) (payment.GetPaymentResponse, error) {
	return payment.GetPaymentResponse{}, fmt.Errorf("payment %s: %w", req.PaymentID, plugin.ErrNotFound)
}

func (fakePayment) Refund(context.Context, payment.RefundRequest) (payment.RefundResponse, error) {
	return payment.RefundResponse{}, plugin.ErrUnsupported
}

func TestPaymentConformance(t *testing.T) {
	plugintest.RunPaymentConformance(t, fakePayment{base{plugin.KindPayment}})
}

type fakeSpeech struct{ base }

func (fakeSpeech) Transcribe(_ context.Context, req speech.TranscribeRequest) (speech.TranscribeResponse, error) {
	if len(req.Audio) == 0 {
		return speech.TranscribeResponse{}, fmt.Errorf("%w: no audio", plugin.ErrInvalidRequest)
	}
	return speech.TranscribeResponse{Text: "hola", Confidence: 0.9, Duration: time.Second, Language: "es-AR"}, nil
}

func (fakeSpeech) Synthesize(_ context.Context, req speech.SynthesizeRequest) (speech.SynthesizeResponse, error) {
	if req.Text == "" {
		return speech.SynthesizeResponse{}, fmt.Errorf("%w: no text", plugin.ErrInvalidRequest)
	}
	return speech.SynthesizeResponse{Audio: []byte("OggS"), MIME: "audio/ogg; codecs=opus", Duration: time.Second}, nil
}

func TestSTTConformance(t *testing.T) {
	plugintest.RunSTTConformance(t, fakeSpeech{base{plugin.KindSTT}}, plugintest.WithAudio([]byte("RIFF"), "audio/wav"))
}

func TestTTSConformance(t *testing.T) {
	plugintest.RunTTSConformance(t, fakeSpeech{base{plugin.KindTTS}})
}
