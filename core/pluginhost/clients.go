package pluginhost

import (
	"context"

	"github.com/conserje/conserje/sdk/calendar"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/speech"
)

// The wrappers below look up the plugin's current client at every call, so they stay
// valid across restarts; each call gets the plugin's CallTimeout, the trace id, metrics,
// and fails fast with ErrPluginDown when the plugin is not up.

// Calendar is the supervised client of the calendar plugin name.
func (h *Host) Calendar(name string) (calendar.Source, error) {
	s, err := h.lookup(name, plugin.KindCalendar)
	if err != nil {
		return nil, err
	}
	return calendarClient{s}, nil
}

type calendarClient struct{ s *supervised }

var _ calendar.Source = calendarClient{}

func (c calendarClient) Fetch(ctx context.Context, req calendar.FetchRequest) (resp calendar.FetchResponse, err error) {
	err = c.s.call(ctx, "Fetch", func(ctx context.Context, client any) error {
		p, err := as[calendar.Source](c.s, client, plugin.KindCalendar)
		if err != nil {
			return err
		}
		resp, err = p.Fetch(ctx, req)
		return err
	})
	return resp, err
}

func (c calendarClient) Parse(ctx context.Context, req calendar.ParseRequest) (resp calendar.ParseResponse, err error) {
	err = c.s.call(ctx, "Parse", func(ctx context.Context, client any) error {
		p, err := as[calendar.Source](c.s, client, plugin.KindCalendar)
		if err != nil {
			return err
		}
		resp, err = p.Parse(ctx, req)
		return err
	})
	return resp, err
}

// Channel is what the host offers of a channel plugin: the channel contract plus
// Receive and Ack (plugin.ErrUnsupported on channels without them).
type Channel interface {
	channel.Channel
	channel.Puller
	channel.Acker
}

// Channel is the supervised client of the channel plugin name.
func (h *Host) Channel(name string) (Channel, error) {
	s, err := h.lookup(name, plugin.KindChannel)
	if err != nil {
		return nil, err
	}
	return channelClient{s}, nil
}

type channelClient struct{ s *supervised }

var _ Channel = channelClient{}

type fullChannel interface {
	channel.Channel
	channel.Puller
	channel.Acker
}

// Ack acknowledges stored messages to a pull channel (plugin.ErrUnsupported without it).
func (c channelClient) Ack(ctx context.Context, req channel.AckRequest) error {
	return c.s.call(ctx, "Ack", func(ctx context.Context, client any) error {
		p, err := as[fullChannel](c.s, client, plugin.KindChannel)
		if err != nil {
			return err
		}
		return p.Ack(ctx, req)
	})
}

func (c channelClient) HandleWebhook(ctx context.Context, req channel.WebhookRequest) (resp channel.WebhookResponse, err error) {
	err = c.s.call(ctx, "HandleWebhook", func(ctx context.Context, client any) error {
		p, err := as[fullChannel](c.s, client, plugin.KindChannel)
		if err != nil {
			return err
		}
		resp, err = p.HandleWebhook(ctx, req)
		return err
	})
	return resp, err
}

func (c channelClient) Send(ctx context.Context, req channel.SendRequest) (resp channel.SendResponse, err error) {
	err = c.s.call(ctx, "Send", func(ctx context.Context, client any) error {
		p, err := as[fullChannel](c.s, client, plugin.KindChannel)
		if err != nil {
			return err
		}
		resp, err = p.Send(ctx, req)
		return err
	})
	return resp, err
}

func (c channelClient) FetchMedia(ctx context.Context, req channel.FetchMediaRequest) (resp channel.FetchMediaResponse, err error) {
	err = c.s.call(ctx, "FetchMedia", func(ctx context.Context, client any) error {
		p, err := as[fullChannel](c.s, client, plugin.KindChannel)
		if err != nil {
			return err
		}
		resp, err = p.FetchMedia(ctx, req)
		return err
	})
	return resp, err
}

// Receive streams for as long as ctx lives: it has no CallTimeout. When the plugin
// restarts the stream ends with an error wrapping ErrPluginDown; resume with the last
// cursor stored.
func (c channelClient) Receive(ctx context.Context, req channel.ReceiveRequest, emit func(channel.InboundMessage) error) error {
	return c.s.stream(ctx, "Receive", func(ctx context.Context, client any) error {
		p, err := as[fullChannel](c.s, client, plugin.KindChannel)
		if err != nil {
			return err
		}
		return p.Receive(ctx, req, emit)
	})
}

// PaymentProvider is a supervised payment plugin: the provider's calls and the optional
// search by reference (plugin.ErrUnsupported when the plugin lacks it).
type PaymentProvider interface {
	payment.Provider
	payment.Finder
}

// Payment is the supervised client of the payment plugin name.
func (h *Host) Payment(name string) (PaymentProvider, error) {
	s, err := h.lookup(name, plugin.KindPayment)
	if err != nil {
		return nil, err
	}
	return paymentClient{s}, nil
}

type paymentClient struct{ s *supervised }

var _ PaymentProvider = paymentClient{}

func (c paymentClient) CreateLink(ctx context.Context, req payment.CreateLinkRequest) (resp payment.CreateLinkResponse, err error) {
	err = c.s.call(ctx, "CreateLink", func(ctx context.Context, client any) error {
		p, err := as[payment.Provider](c.s, client, plugin.KindPayment)
		if err != nil {
			return err
		}
		resp, err = p.CreateLink(ctx, req)
		return err
	})
	return resp, err
}

func (c paymentClient) HandleWebhook(ctx context.Context, req payment.WebhookRequest) (resp payment.WebhookResponse, err error) {
	err = c.s.call(ctx, "HandleWebhook", func(ctx context.Context, client any) error {
		p, err := as[payment.Provider](c.s, client, plugin.KindPayment)
		if err != nil {
			return err
		}
		resp, err = p.HandleWebhook(ctx, req)
		return err
	})
	return resp, err
}

func (c paymentClient) GetPayment(ctx context.Context, req payment.GetPaymentRequest) (resp payment.GetPaymentResponse, err error) {
	err = c.s.call(ctx, "GetPayment", func(ctx context.Context, client any) error {
		p, err := as[payment.Provider](c.s, client, plugin.KindPayment)
		if err != nil {
			return err
		}
		resp, err = p.GetPayment(ctx, req)
		return err
	})
	return resp, err
}

func (c paymentClient) Refund(ctx context.Context, req payment.RefundRequest) (resp payment.RefundResponse, err error) {
	err = c.s.call(ctx, "Refund", func(ctx context.Context, client any) error {
		p, err := as[payment.Provider](c.s, client, plugin.KindPayment)
		if err != nil {
			return err
		}
		resp, err = p.Refund(ctx, req)
		return err
	})
	return resp, err
}

// FindPayments searches the plugin's payments by reference; plugin.ErrUnsupported when
// the plugin cannot.
func (c paymentClient) FindPayments(ctx context.Context, req payment.FindPaymentsRequest) (resp payment.FindPaymentsResponse, err error) {
	err = c.s.call(ctx, "FindPayments", func(ctx context.Context, client any) error {
		p, err := as[payment.Finder](c.s, client, plugin.KindPayment)
		if err != nil {
			return err
		}
		resp, err = p.FindPayments(ctx, req)
		return err
	})
	return resp, err
}

// STT is the supervised client of the speech-to-text plugin name.
func (h *Host) STT(name string) (speech.Transcriber, error) {
	s, err := h.lookup(name, plugin.KindSTT)
	if err != nil {
		return nil, err
	}
	return sttClient{s}, nil
}

type sttClient struct{ s *supervised }

var _ speech.Transcriber = sttClient{}

func (c sttClient) Transcribe(ctx context.Context, req speech.TranscribeRequest) (resp speech.TranscribeResponse, err error) {
	err = c.s.call(ctx, "Transcribe", func(ctx context.Context, client any) error {
		p, err := as[speech.Transcriber](c.s, client, plugin.KindSTT)
		if err != nil {
			return err
		}
		resp, err = p.Transcribe(ctx, req)
		return err
	})
	return resp, err
}

// TTS is the supervised client of the text-to-speech plugin name.
func (h *Host) TTS(name string) (speech.Synthesizer, error) {
	s, err := h.lookup(name, plugin.KindTTS)
	if err != nil {
		return nil, err
	}
	return ttsClient{s}, nil
}

type ttsClient struct{ s *supervised }

var _ speech.Synthesizer = ttsClient{}

func (c ttsClient) Synthesize(ctx context.Context, req speech.SynthesizeRequest) (resp speech.SynthesizeResponse, err error) {
	err = c.s.call(ctx, "Synthesize", func(ctx context.Context, client any) error {
		p, err := as[speech.Synthesizer](c.s, client, plugin.KindTTS)
		if err != nil {
			return err
		}
		resp, err = p.Synthesize(ctx, req)
		return err
	})
	return resp, err
}
