package transport_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/calendar"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/plugintest"
	"github.com/conserje/conserje/sdk/speech"
)

// lifecycle is the part of every fake plugin.
type lifecycle struct {
	kind     plugin.Kind
	mu       sync.Mutex
	settings map[string]any
	instance string
}

func (l *lifecycle) Describe(context.Context) (plugin.Description, error) {
	return plugin.Description{Kind: l.kind, Name: "fake-" + string(l.kind), Version: "0.1.0", Capabilities: []string{"x"}}, nil
}

func (l *lifecycle) Configure(_ context.Context, req plugin.ConfigureRequest) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.settings, l.instance = req.Settings, req.Instance
	return nil
}

func (l *lifecycle) Stop(context.Context) error { return nil }

// sttFake answers Transcribe with whatever its function says, recording the ctx it got.
type sttFake struct {
	lifecycle
	fn func(ctx context.Context, req speech.TranscribeRequest) (speech.TranscribeResponse, error)
}

func (f *sttFake) Transcribe(ctx context.Context, req speech.TranscribeRequest) (speech.TranscribeResponse, error) {
	return f.fn(ctx, req)
}

func newSTT(fn func(context.Context, speech.TranscribeRequest) (speech.TranscribeResponse, error)) *sttFake {
	return &sttFake{lifecycle: lifecycle{kind: plugin.KindSTT}, fn: fn}
}

func TestErrorsCrossTheWire(t *testing.T) {
	tests := []struct {
		name string
		err  error
		is   error
	}{
		{"unsupported", fmt.Errorf("no buttons here: %w", plugin.ErrUnsupported), plugin.ErrUnsupported},
		{"invalid request", fmt.Errorf("bad audio: %w", plugin.ErrInvalidRequest), plugin.ErrInvalidRequest},
		{"invalid settings", fmt.Errorf("token missing: %w", plugin.ErrInvalidSettings), plugin.ErrInvalidSettings},
		{"not configured", plugin.ErrNotConfigured, plugin.ErrNotConfigured},
		{"not found", fmt.Errorf("media 42: %w", plugin.ErrNotFound), plugin.ErrNotFound},
		{"unavailable", fmt.Errorf("graph api 503: %w", plugin.ErrUnavailable), plugin.ErrUnavailable},
		{"rate limited", plugin.ErrRateLimited, plugin.ErrRateLimited},
		{"permission denied", plugin.ErrPermissionDenied, plugin.ErrPermissionDenied},
		{"recipient invalid", fmt.Errorf("wa id 549: %w", channel.ErrRecipientInvalid), channel.ErrRecipientInvalid},
		{"window closed", channel.ErrWindowClosed, channel.ErrWindowClosed},
		{"refund rejected", payment.ErrRefundRejected, payment.ErrRefundRejected},
		{"deadline", fmt.Errorf("engine slow: %w", context.DeadlineExceeded), context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := plugintest.STT(t, newSTT(func(context.Context, speech.TranscribeRequest) (speech.TranscribeResponse, error) {
				return speech.TranscribeResponse{}, tc.err
			}))
			_, err := c.Transcribe(context.Background(), speech.TranscribeRequest{Audio: []byte{1}})
			require.ErrorIs(t, err, tc.is)
			assert.Contains(t, err.Error(), tc.err.Error(), "the plugin's message survives")
		})
	}
	t.Run("plain error keeps its message only", func(t *testing.T) {
		c := plugintest.STT(t, newSTT(func(context.Context, speech.TranscribeRequest) (speech.TranscribeResponse, error) {
			return speech.TranscribeResponse{}, errors.New("whisper crashed on frame 12")
		}))
		_, err := c.Transcribe(context.Background(), speech.TranscribeRequest{Audio: []byte{1}})
		require.EqualError(t, err, "whisper crashed on frame 12")
		for _, sentinel := range []error{plugin.ErrUnsupported, plugin.ErrInvalidRequest, plugin.ErrUnavailable, plugin.ErrPanicked} {
			assert.NotErrorIs(t, err, sentinel)
		}
	})
}

func TestRejectedFeedCrossesTheWire(t *testing.T) {
	want := &calendar.RejectedError{Reason: calendar.RejectHTTPStatus, HTTPStatus: 503, Detail: "airbnb answered 503"}
	c := plugintest.Calendar(t, &calendarFake{lifecycle: lifecycle{kind: plugin.KindCalendar}, err: fmt.Errorf("fetch feed: %w", want)})
	_, err := c.Fetch(context.Background(), calendar.FetchRequest{URL: "https://x"})
	require.ErrorIs(t, err, calendar.ErrRejected)
	var got *calendar.RejectedError
	require.ErrorAs(t, err, &got)
	assert.Equal(t, want, got)
}

func TestPanicIsRecovered(t *testing.T) {
	calls := 0
	c := plugintest.STT(t, newSTT(func(context.Context, speech.TranscribeRequest) (speech.TranscribeResponse, error) {
		calls++
		if calls == 1 {
			panic("index out of range [3] with length 3")
		}
		return speech.TranscribeResponse{Text: "still here"}, nil
	}))
	_, err := c.Transcribe(context.Background(), speech.TranscribeRequest{Audio: []byte{1}})
	require.ErrorIs(t, err, plugin.ErrPanicked)
	assert.Contains(t, err.Error(), "index out of range")
	r, err := c.Transcribe(context.Background(), speech.TranscribeRequest{Audio: []byte{1}})
	require.NoError(t, err)
	assert.Equal(t, "still here", r.Text)
}

func TestTraceIDAndDeadlineReachThePlugin(t *testing.T) {
	var gotTrace string
	var gotDeadline bool
	c := plugintest.STT(t, newSTT(func(ctx context.Context, _ speech.TranscribeRequest) (speech.TranscribeResponse, error) {
		gotTrace = plugin.TraceID(ctx)
		_, gotDeadline = ctx.Deadline()
		return speech.TranscribeResponse{}, nil
	}))
	ctx, cancel := context.WithTimeout(plugin.WithTraceID(context.Background(), "trace-abc"), time.Minute)
	defer cancel()
	_, err := c.Transcribe(ctx, speech.TranscribeRequest{Audio: []byte{1}})
	require.NoError(t, err)
	assert.Equal(t, "trace-abc", gotTrace)
	assert.True(t, gotDeadline)

	_, err = c.Transcribe(context.Background(), speech.TranscribeRequest{Audio: []byte{1}})
	require.NoError(t, err)
	assert.Empty(t, gotTrace, "no trace id, none invented")
	assert.False(t, gotDeadline)
}

func TestSettingsArriveAsJSONValues(t *testing.T) {
	fake := newSTT(nil)
	c := plugintest.STT(t, fake)
	at := time.Date(2027, 1, 5, 14, 0, 0, 0, time.UTC)
	require.NoError(t, c.Configure(context.Background(), plugin.ConfigureRequest{
		Instance: "wa-main",
		Settings: map[string]any{"retries": 3, "nested": map[string]any{"on": true}, "since": at, "list": []string{"a", "b"}},
	}))
	fake.mu.Lock()
	defer fake.mu.Unlock()
	assert.Equal(t, "wa-main", fake.instance)
	assert.Equal(t, map[string]any{
		"retries": 3.0,
		"nested":  map[string]any{"on": true},
		"since":   "2027-01-05T14:00:00Z",
		"list":    []any{"a", "b"},
	}, fake.settings)
}

func TestDescribeFillsKindAndProtocol(t *testing.T) {
	c := plugintest.STT(t, newSTT(nil))
	d, err := c.Describe(context.Background())
	require.NoError(t, err)
	assert.Equal(t, plugin.KindSTT, d.Kind)
	assert.Equal(t, plugin.ProtocolVersion, d.ProtocolVersion)
	assert.Equal(t, []string{"x"}, d.Capabilities)

	wrong := newSTT(nil)
	wrong.kind = plugin.KindPayment
	_, err = plugintest.STT(t, wrong).Describe(context.Background())
	require.ErrorIs(t, err, plugin.ErrInvalidRequest)
	assert.Contains(t, err.Error(), "served as stt describes itself as payment")
}

type calendarFake struct {
	lifecycle
	gotFetch calendar.FetchRequest
	gotParse calendar.ParseRequest
	resp     calendar.FetchResponse
	err      error
}

func (f *calendarFake) Fetch(_ context.Context, req calendar.FetchRequest) (calendar.FetchResponse, error) {
	f.gotFetch = req
	return f.resp, f.err
}

func (f *calendarFake) Parse(_ context.Context, req calendar.ParseRequest) (calendar.ParseResponse, error) {
	f.gotParse = req
	return calendar.ParseResponse{Blocks: f.resp.Blocks, Warnings: f.resp.Warnings}, f.err
}

func TestCalendarRoundTrip(t *testing.T) {
	opts := calendar.Options{FeedID: "feed-9", Platform: calendar.PlatformAirbnb, EndInclusive: true, Timezone: "America/Argentina/Buenos_Aires", Now: time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)}
	fake := &calendarFake{lifecycle: lifecycle{kind: plugin.KindCalendar}, resp: calendar.FetchResponse{
		Blocks: []calendar.Block{{UID: "u1", Start: "2027-01-05", End: "2027-01-08", Kind: calendar.KindReservation, Tentative: true,
			Summary: "Reserved", ReservationCode: "HMABC123", PhoneLast4: "4321"}},
		Warnings:     []calendar.Warning{{Code: "zero_length", UID: "u2", Line: 14, Message: "DTEND equals DTSTART"}},
		ETag:         `"v2"`,
		LastModified: "Tue, 01 Dec 2026 12:00:00 GMT",
		Bytes:        2048,
	}}
	c := plugintest.Calendar(t, fake)
	req := calendar.FetchRequest{Options: opts, URL: "https://www.airbnb.com/calendar/ical/1.ics", ETag: `"v1"`, LastModified: "Mon", MaxBytes: 1 << 20, Timeout: 20 * time.Second}
	got, err := c.Fetch(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, req, fake.gotFetch)
	assert.Equal(t, fake.resp, got)

	parsed, err := c.Parse(context.Background(), calendar.ParseRequest{Options: opts, Body: []byte("BEGIN:VCALENDAR")})
	require.NoError(t, err)
	assert.Equal(t, calendar.ParseRequest{Options: opts, Body: []byte("BEGIN:VCALENDAR")}, fake.gotParse)
	assert.Equal(t, fake.resp.Blocks, parsed.Blocks)
	assert.Equal(t, fake.resp.Warnings, parsed.Warnings)
}

func TestCalendarWarningLinePastTheWireIsUnknown(t *testing.T) {
	if math.MaxInt == math.MaxInt32 {
		t.Skip("int is 32 bits: no line number can exceed the wire's int32")
	}
	far := int64(math.MaxInt32) + 1 // a variable, so 32-bit builds still compile
	fake := &calendarFake{lifecycle: lifecycle{kind: plugin.KindCalendar}, resp: calendar.FetchResponse{
		Warnings: []calendar.Warning{
			{Code: "far", Line: int(far)},
			{Code: "negative", Line: -3},
			{Code: "last", Line: math.MaxInt32},
		},
	}}
	c := plugintest.Calendar(t, fake)
	parsed, err := c.Parse(context.Background(), calendar.ParseRequest{Body: []byte("BEGIN:VCALENDAR")})
	require.NoError(t, err)
	assert.Equal(t, []calendar.Warning{{Code: "far"}, {Code: "negative"}, {Code: "last", Line: math.MaxInt32}}, parsed.Warnings)
}

type channelFake struct {
	lifecycle
	gotWebhook channel.WebhookRequest
	webhook    channel.WebhookResponse
	gotSends   []channel.SendRequest
	media      channel.FetchMediaResponse
	pull       []channel.InboundMessage
	gotCursor  string
}

func (f *channelFake) HandleWebhook(_ context.Context, req channel.WebhookRequest) (channel.WebhookResponse, error) {
	f.gotWebhook = req
	return f.webhook, nil
}

func (f *channelFake) Send(_ context.Context, req channel.SendRequest) (channel.SendResponse, error) {
	f.gotSends = append(f.gotSends, req)
	return channel.SendResponse{ExternalID: fmt.Sprintf("wamid.%d", len(f.gotSends)), SentAt: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}, nil
}

func (f *channelFake) FetchMedia(_ context.Context, req channel.FetchMediaRequest) (channel.FetchMediaResponse, error) {
	if req.MediaID != "m1" {
		return channel.FetchMediaResponse{}, plugin.ErrNotFound
	}
	return f.media, nil
}

// pullFake is a channelFake that also pulls.
type pullFake struct{ *channelFake }

func (f pullFake) Receive(ctx context.Context, req channel.ReceiveRequest, emit func(channel.InboundMessage) error) error {
	f.gotCursor = req.Cursor
	for _, m := range f.pull {
		if err := emit(m); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return ctx.Err()
}

func TestChannelRoundTrip(t *testing.T) {
	at := time.Date(2027, 1, 2, 10, 30, 0, 0, time.UTC)
	inbound := channel.InboundMessage{
		ExternalID: "wamid.in1", From: "5491155550000", FromName: "Lucía", To: "phone-1", Thread: "t1", ReceivedAt: at,
		Type: channel.TypeAudio, Text: "caption", Subject: "subj", ButtonID: "b1", ReplyTo: "wamid.out1",
		Media:    &channel.Media{ID: "m1", MIME: "audio/ogg", Size: 1234, Filename: "voice.ogg", Voice: true, SHA256: "ab12", Caption: "c"},
		Location: &channel.Location{Latitude: -41.13, Longitude: -71.31, Name: "Bariloche", Address: "Centro Cívico"},
		Cursor:   "uid:42", Metadata: map[string]string{"k": "v"},
		RawType: "sticker", Reaction: &channel.Reaction{MessageID: "wamid.out1", Emoji: "😍"},
		ErrorCodes: []string{"131051"}, FromUserID: "AR.1",
		Mail:        &channel.MailHeaders{MessageID: "<m2@x>", InReplyTo: []string{"<conserje.1@y>"}, References: []string{"<m1@x>", "<conserje.1@y>"}},
		Constraints: []string{channel.ConstraintNoExternalLinks, channel.ConstraintNoContactDetails},
		Form:        &channel.Form{CheckIn: "2027-02-06", CheckOut: "2027-02-12", Guests: 4},
	}
	fake := &channelFake{lifecycle: lifecycle{kind: plugin.KindChannel},
		webhook: channel.WebhookResponse{
			WebhookReply: plugin.WebhookReply{Status: 202, Headers: http.Header{"X-A": {"1", "2"}}, Body: []byte("ok")},
			Messages:     []channel.InboundMessage{inbound},
			Statuses: []channel.DeliveryStatus{{ExternalID: "wamid.out1", Recipient: "549", State: channel.StateFailed, At: at, ErrorCode: "131047", Error: "window closed",
				ErrorCodes: []string{"131047", "1"}, Sender: "phone-1", Failure: channel.FailureWindowClosed}, {ExternalID: "wamid.out2", State: "someday"}},
		},
		media: channel.FetchMediaResponse{Data: []byte("OggS"), MIME: "audio/ogg", Filename: "v.ogg", SHA256: "cd34"},
		pull: []channel.InboundMessage{inbound, {ExternalID: "2", From: "a@b.c", Type: channel.TypeText, Text: "hola"},
			{ExternalID: "<dsn@mx>", Type: channel.TypeText, Cursor: "7:3", Notice: &channel.Notice{Kind: channel.NoticeBounce,
				Reason: "bounce: empty Return-Path <>", Category: "bounce", FailedMessageID: "<conserje.1@x>", FailedRecipient: "a@b.c"}}},
	}
	c := plugintest.ChannelPair(t, pullFake{fake})

	req := channel.WebhookRequest{WebhookRequest: plugin.WebhookRequest{
		Method: "POST", Path: "/webhooks/whatsapp", Query: url.Values{"hub.mode": {"subscribe"}},
		Headers: http.Header{"X-Hub-Signature-256": {"sha256=abc"}}, Body: []byte(`{"entry":[]}`),
	}}
	got, err := c.HandleWebhook(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, req, fake.gotWebhook)
	assert.Equal(t, fake.webhook, got)

	sends := []channel.SendRequest{
		{To: "549", From: "phone-1", IdempotencyKey: "k1", ReplyTo: "wamid.in1", Thread: "t", Subject: "s",
			References: []string{"<m1@x>", "wamid.in1"}, Author: "Marta", Text: &channel.Text{Body: "Hola"}},
		{To: "549", Buttons: &channel.Buttons{Body: "¿Reservo?", Header: "h", Footer: "f", Buttons: []channel.Button{{ID: "y", Title: "Sí"}, {ID: "n", Title: "No"}}}},
		{To: "549", Audio: &channel.Audio{Data: []byte("OggS"), MIME: "audio/ogg; codecs=opus", Voice: true}},
		{To: "549", Template: &channel.Template{Name: "hold_reminder", Language: "es_AR", Params: []string{"Lucía", "5/1"},
			HeaderParams: []string{"Robles"}, ButtonPayloads: []string{"HOLD_EXTEND_REQ"}}},
		{To: "549", Audio: &channel.Audio{MediaID: "up-1", Voice: true}},
		{To: "549", List: &channel.List{Body: "¿Cuál?", Header: "h", Footer: "f", Button: "Ver", Sections: []channel.ListSection{
			{Title: "Cabañas", Rows: []channel.ListRow{{ID: "unit_robles", Title: "Cabaña Robles", Description: "4 pax"}}}}}},
	}
	for i, s := range sends {
		r, err := c.Send(context.Background(), s)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("wamid.%d", i+1), r.ExternalID)
	}
	assert.Equal(t, sends, fake.gotSends)

	_, err = c.Send(context.Background(), channel.SendRequest{To: "549"})
	require.ErrorIs(t, err, plugin.ErrInvalidRequest, "no content is refused before it travels")
	_, err = c.Send(context.Background(), channel.SendRequest{To: "549", List: &channel.List{Body: "x"}})
	require.ErrorIs(t, err, plugin.ErrInvalidRequest, "a list without rows is refused")

	m, err := c.FetchMedia(context.Background(), channel.FetchMediaRequest{MediaID: "m1"})
	require.NoError(t, err)
	assert.Equal(t, fake.media, m)
	_, err = c.FetchMedia(context.Background(), channel.FetchMediaRequest{MediaID: "m2"})
	require.ErrorIs(t, err, plugin.ErrNotFound)

	t.Run("receive streams in order until the host stops", func(t *testing.T) {
		var got []channel.InboundMessage
		stop := errors.New("enough")
		err := c.Receive(context.Background(), channel.ReceiveRequest{Cursor: "uid:41"}, func(m channel.InboundMessage) error {
			got = append(got, m)
			if len(got) == len(fake.pull) {
				return stop
			}
			return nil
		})
		require.ErrorIs(t, err, stop)
		assert.Equal(t, fake.pull, got)
		assert.Equal(t, "uid:41", fake.gotCursor)
	})
	t.Run("receive on a push channel is unsupported", func(t *testing.T) {
		push := plugintest.ChannelPair(t, &channelFake{lifecycle: lifecycle{kind: plugin.KindChannel}})
		err := push.Receive(context.Background(), channel.ReceiveRequest{}, func(channel.InboundMessage) error { return nil })
		require.ErrorIs(t, err, plugin.ErrUnsupported)
		require.ErrorIs(t, push.Ack(context.Background(), channel.AckRequest{Cursor: "x"}), plugin.ErrUnsupported)
	})
}

// ackFake is a pull channel with acknowledgements and typed capabilities.
type ackFake struct {
	pullFake
	acked []string
}

func (f *ackFake) Ack(_ context.Context, req channel.AckRequest) error {
	f.acked = append(f.acked, req.Cursor)
	return nil
}

func (f *ackFake) Describe(context.Context) (plugin.Description, error) {
	return plugin.Description{Name: "imap", Channel: &channel.Capabilities{AddressKind: plugin.AddressEmail, Pull: true, Ack: true, MaxText: 100000,
		AudioMIME: []string{"audio/ogg"}, MaxWebhookBody: 3 << 20, WindowHours: 24, MaxButtons: 3, MaxButtonTitle: 20, MaxListRows: 10, MaxListRowTitle: 24, Templates: true, Media: true}}, nil
}

func TestChannelAckAndCapabilities(t *testing.T) {
	fake := &ackFake{pullFake: pullFake{&channelFake{lifecycle: lifecycle{kind: plugin.KindChannel}}}}
	c := plugintest.ChannelPair(t, fake)
	require.NoError(t, c.Ack(context.Background(), channel.AckRequest{Cursor: "uid:7"}))
	assert.Equal(t, []string{"uid:7"}, fake.acked)

	d, err := c.Describe(context.Background())
	require.NoError(t, err)
	want, _ := fake.Describe(context.Background())
	assert.Equal(t, want.Channel, d.Channel)
	assert.Equal(t, plugin.ProtocolMinor, d.ProtocolMinor)

	plain, err := plugintest.ChannelPair(t, &channelFake{lifecycle: lifecycle{kind: plugin.KindChannel}}).Describe(context.Background())
	require.NoError(t, err)
	assert.Nil(t, plain.Channel, "a channel without typed capabilities says none")
}

func TestErrorDetailsCrossTheWire(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		is     error
		detail plugin.Detail
	}{
		{"rate limited for the number", plugin.WithDetail(fmt.Errorf("(#130429) throughput: %w", plugin.ErrRateLimited),
			plugin.Detail{RetryAfter: 1500 * time.Millisecond, ProviderCode: "130429", Scope: plugin.ScopeSender, Source: plugin.SourceDownstream}),
			plugin.ErrRateLimited, plugin.Detail{RetryAfter: 1500 * time.Millisecond, ProviderCode: "130429", Scope: plugin.ScopeSender, Source: plugin.SourceDownstream}},
		{"pair limit, wrapped again", fmt.Errorf("send: %w", plugin.WithDetail(fmt.Errorf("pair: %w", plugin.ErrRateLimited),
			plugin.Detail{RetryAfter: 4 * time.Second, Scope: plugin.ScopeRecipient, ProviderCode: "131056"})),
			plugin.ErrRateLimited, plugin.Detail{RetryAfter: 4 * time.Second, Scope: plugin.ScopeRecipient, ProviderCode: "131056"}},
		{"window closed with its code", plugin.WithDetail(channel.ErrWindowClosed, plugin.Detail{ProviderCode: "131047"}),
			channel.ErrWindowClosed, plugin.Detail{ProviderCode: "131047"}},
		{"no sentinel, still a code", plugin.WithDetail(errors.New("odd"), plugin.Detail{ProviderCode: "42"}), nil, plugin.Detail{ProviderCode: "42"}},
		{"no detail", plugin.ErrUnavailable, plugin.ErrUnavailable, plugin.Detail{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := plugintest.STT(t, newSTT(func(context.Context, speech.TranscribeRequest) (speech.TranscribeResponse, error) {
				return speech.TranscribeResponse{}, tc.err
			}))
			_, err := c.Transcribe(context.Background(), speech.TranscribeRequest{Audio: []byte{1}})
			require.Error(t, err)
			if tc.is != nil {
				require.ErrorIs(t, err, tc.is)
			}
			assert.Equal(t, tc.detail, plugin.DetailOf(err))
			assert.Equal(t, tc.detail.RetryAfter, plugin.RetryAfter(err))
		})
	}
}

func TestWebhookReplyWithoutAnHTTPStatusFails(t *testing.T) {
	pastInt32 := int64(math.MaxInt32) + 200 // wraps to a negative int on 32-bit builds: still refused
	tests := []struct {
		name   string
		status int
		ok     bool
	}{
		{"zero means 200", 0, true},
		{"lowest", 100, true},
		{"highest", 999, true},
		{"below", 99, false},
		{"above", 1000, false},
		{"negative", -200, false},
		{"past int32", int(pastInt32), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := plugintest.ChannelPair(t, &channelFake{lifecycle: lifecycle{kind: plugin.KindChannel},
				webhook: channel.WebhookResponse{WebhookReply: plugin.WebhookReply{Status: tc.status}}})
			got, err := c.HandleWebhook(context.Background(), channel.WebhookRequest{})
			if !tc.ok {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "not an HTTP status code")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.status, got.Status)
		})
	}
}

type paymentFake struct {
	lifecycle
	got []any
	pay payment.Payment
}

func (f *paymentFake) CreateLink(_ context.Context, req payment.CreateLinkRequest) (payment.CreateLinkResponse, error) {
	f.got = append(f.got, req)
	return payment.CreateLinkResponse{LinkID: "pref-1", URL: "https://mp/checkout/pref-1", ExpiresAt: req.ExpiresAt}, nil
}

func (f *paymentFake) HandleWebhook(_ context.Context, req payment.WebhookRequest) (payment.WebhookResponse, error) {
	f.got = append(f.got, req)
	return payment.WebhookResponse{WebhookReply: plugin.WebhookReply{Status: 200}, Payments: []payment.Payment{f.pay}, PaymentIDs: []string{"123", "124"}}, nil
}

func (f *paymentFake) GetPayment(_ context.Context, req payment.GetPaymentRequest) (payment.GetPaymentResponse, error) {
	f.got = append(f.got, req)
	return payment.GetPaymentResponse{Payment: f.pay}, nil
}

func (f *paymentFake) Refund(_ context.Context, req payment.RefundRequest) (payment.RefundResponse, error) {
	f.got = append(f.got, req)
	return payment.RefundResponse{RefundID: "r1", Amount: req.Amount, Payment: f.pay}, nil
}

func TestPaymentRoundTrip(t *testing.T) {
	at := time.Date(2027, 1, 2, 10, 30, 0, 0, time.UTC)
	pay := payment.Payment{ID: "123", Reference: "hold-7", Status: payment.StatusApproved, StatusDetail: "accredited",
		Amount: 4_500_000, RefundedAmount: 100, Currency: "ARS", Method: "account_money", PayerEmail: "a@b.c",
		CreatedAt: at, ApprovedAt: at.Add(time.Minute), UpdatedAt: at.Add(2 * time.Minute)}
	fake := &paymentFake{lifecycle: lifecycle{kind: plugin.KindPayment}, pay: pay}
	c := plugintest.Payment(t, fake)
	ctx := context.Background()

	link := payment.CreateLinkRequest{Reference: "hold-7", Amount: 4_500_000, Currency: "ARS", Title: "Seña",
		Payer: payment.Payer{Name: "Lucía", Email: "a@b.c", Phone: "549"}, ExpiresAt: at,
		NotificationURL: "https://c/webhooks/mp", SuccessURL: "https://c/ok", FailureURL: "https://c/ko",
		IdempotencyKey: "pref-hold-7"}
	lr, err := c.CreateLink(ctx, link)
	require.NoError(t, err)
	assert.Equal(t, payment.CreateLinkResponse{LinkID: "pref-1", URL: "https://mp/checkout/pref-1", ExpiresAt: at}, lr)

	hook := payment.WebhookRequest{WebhookRequest: plugin.WebhookRequest{Method: "POST", Path: "/webhooks/mp", Body: []byte(`{"id":1}`)}}
	wr, err := c.HandleWebhook(ctx, hook)
	require.NoError(t, err)
	assert.Equal(t, []payment.Payment{pay}, wr.Payments)
	assert.Equal(t, []string{"123", "124"}, wr.PaymentIDs)

	gr, err := c.GetPayment(ctx, payment.GetPaymentRequest{PaymentID: "123"})
	require.NoError(t, err)
	assert.Equal(t, pay, gr.Payment)

	rr, err := c.Refund(ctx, payment.RefundRequest{PaymentID: "123", Amount: 100, IdempotencyKey: "ref-1", Reason: "guest cancelled"})
	require.NoError(t, err)
	assert.Equal(t, payment.RefundResponse{RefundID: "r1", Amount: 100, Payment: pay}, rr)

	assert.Equal(t, []any{link, hook, payment.GetPaymentRequest{PaymentID: "123"},
		payment.RefundRequest{PaymentID: "123", Amount: 100, IdempotencyKey: "ref-1", Reason: "guest cancelled"}}, fake.got)
}

type paymentFinderFake struct {
	paymentFake
}

func (f *paymentFinderFake) FindPayments(_ context.Context, req payment.FindPaymentsRequest) (payment.FindPaymentsResponse, error) {
	f.got = append(f.got, req)
	return payment.FindPaymentsResponse{Payments: []payment.Payment{f.pay, f.pay}}, nil
}

// TestPaymentFindPaymentsIsOptional: FindPayments crosses when the plugin implements
// payment.Finder, and reads as plugin.ErrUnsupported when it does not.
func TestPaymentFindPaymentsIsOptional(t *testing.T) {
	pay := payment.Payment{ID: "9007199254740993", Reference: "hold-8", Status: payment.StatusInMediation, Amount: 1, Currency: "ARS"}
	ctx := context.Background()

	finder := &paymentFinderFake{paymentFake{lifecycle: lifecycle{kind: plugin.KindPayment}, pay: pay}}
	c := plugintest.Payment(t, finder).(payment.Finder)
	r, err := c.FindPayments(ctx, payment.FindPaymentsRequest{Reference: "hold-8"})
	require.NoError(t, err)
	assert.Equal(t, []payment.Payment{pay, pay}, r.Payments)
	assert.Equal(t, []any{payment.FindPaymentsRequest{Reference: "hold-8"}}, finder.got)

	plain := &paymentFake{lifecycle: lifecycle{kind: plugin.KindPayment}, pay: pay}
	_, err = plugintest.Payment(t, plain).(payment.Finder).FindPayments(ctx, payment.FindPaymentsRequest{Reference: "hold-8"})
	require.ErrorIs(t, err, plugin.ErrUnsupported)
}

type ttsFake struct {
	lifecycle
	got speech.SynthesizeRequest
}

func (f *ttsFake) Synthesize(_ context.Context, req speech.SynthesizeRequest) (speech.SynthesizeResponse, error) {
	f.got = req
	return speech.SynthesizeResponse{Audio: []byte("OggS"), MIME: "audio/ogg; codecs=opus", Duration: 1500 * time.Millisecond}, nil
}

func TestSpeechRoundTrip(t *testing.T) {
	var gotSTT speech.TranscribeRequest
	stt := plugintest.STT(t, newSTT(func(_ context.Context, req speech.TranscribeRequest) (speech.TranscribeResponse, error) {
		gotSTT = req
		return speech.TranscribeResponse{Text: "del cinco al ocho", Confidence: 0.92, Duration: 2300 * time.Millisecond, Language: "es-AR"}, nil
	}))
	treq := speech.TranscribeRequest{Audio: []byte("RIFF"), MIME: "audio/wav", Language: "es-AR"}
	tr, err := stt.Transcribe(context.Background(), treq)
	require.NoError(t, err)
	assert.Equal(t, treq, gotSTT)
	assert.Equal(t, speech.TranscribeResponse{Text: "del cinco al ocho", Confidence: 0.92, Duration: 2300 * time.Millisecond, Language: "es-AR"}, tr)

	fake := &ttsFake{lifecycle: lifecycle{kind: plugin.KindTTS}}
	tts := plugintest.TTS(t, fake)
	sreq := speech.SynthesizeRequest{Text: "Hola", Voice: "es-la", Language: "es-AR", MIME: "audio/ogg"}
	sr, err := tts.Synthesize(context.Background(), sreq)
	require.NoError(t, err)
	assert.Equal(t, sreq, fake.got)
	assert.Equal(t, speech.SynthesizeResponse{Audio: []byte("OggS"), MIME: "audio/ogg; codecs=opus", Duration: 1500 * time.Millisecond}, sr)
}

func TestLargeMessagesFit(t *testing.T) {
	audio := make([]byte, 16<<20) // a WhatsApp audio at its size limit
	c := plugintest.STT(t, newSTT(func(_ context.Context, req speech.TranscribeRequest) (speech.TranscribeResponse, error) {
		return speech.TranscribeResponse{Text: fmt.Sprint(len(req.Audio))}, nil
	}))
	r, err := c.Transcribe(context.Background(), speech.TranscribeRequest{Audio: audio})
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint(len(audio)), r.Text)
}
