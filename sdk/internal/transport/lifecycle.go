package transport

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/conserje/conserje/sdk/calendar"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/internal/pb"
	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
	"github.com/conserje/conserje/sdk/speech"
)

// register puts the common service and the kind's service for impl on s.
func register(s *grpc.Server, kind plugin.Kind, impl any) error {
	if err := checkImpl(kind, impl); err != nil {
		return err
	}
	pb.RegisterPluginServiceServer(s, &lifecycleServer{kind: kind, impl: impl.(plugin.Lifecycle)})
	switch kind {
	case plugin.KindCalendar:
		p, ok := impl.(calendar.Source)
		if !ok {
			return fmt.Errorf("serve calendar plugin: %T does not implement calendar.Source", impl)
		}
		pb.RegisterCalendarServiceServer(s, &calendarServer{impl: p})
	case plugin.KindChannel:
		p, ok := impl.(channel.Channel)
		if !ok {
			return fmt.Errorf("serve channel plugin: %T does not implement channel.Channel", impl)
		}
		puller, _ := impl.(channel.Puller)
		acker, _ := impl.(channel.Acker)
		pb.RegisterChannelServiceServer(s, &channelServer{impl: p, puller: puller, acker: acker})
	case plugin.KindPayment:
		p, ok := impl.(payment.Provider)
		if !ok {
			return fmt.Errorf("serve payment plugin: %T does not implement payment.Provider", impl)
		}
		pb.RegisterPaymentServiceServer(s, &paymentServer{impl: p})
	case plugin.KindSTT:
		p, ok := impl.(speech.Transcriber)
		if !ok {
			return fmt.Errorf("serve stt plugin: %T does not implement speech.Transcriber", impl)
		}
		pb.RegisterSTTServiceServer(s, &sttServer{impl: p})
	case plugin.KindTTS:
		p, ok := impl.(speech.Synthesizer)
		if !ok {
			return fmt.Errorf("serve tts plugin: %T does not implement speech.Synthesizer", impl)
		}
		pb.RegisterTTSServiceServer(s, &ttsServer{impl: p})
	}
	return nil
}

// NewClient returns the host-side client of kind on conn: a calendar.Plugin,
// channel.Plugin (also a channel.Puller), payment.Plugin, speech.STTPlugin or
// speech.TTSPlugin. Every one is also a plugin.HealthChecker (Ping).
func NewClient(kind plugin.Kind, conn grpc.ClientConnInterface) (any, error) {
	lc := LifecycleClient{pc: pb.NewPluginServiceClient(conn)}
	switch kind {
	case plugin.KindCalendar:
		return &CalendarClient{LifecycleClient: lc, c: pb.NewCalendarServiceClient(conn)}, nil
	case plugin.KindChannel:
		return &ChannelClient{LifecycleClient: lc, c: pb.NewChannelServiceClient(conn)}, nil
	case plugin.KindPayment:
		return &PaymentClient{LifecycleClient: lc, c: pb.NewPaymentServiceClient(conn)}, nil
	case plugin.KindSTT:
		return &STTClient{LifecycleClient: lc, c: pb.NewSTTServiceClient(conn)}, nil
	case plugin.KindTTS:
		return &TTSClient{LifecycleClient: lc, c: pb.NewTTSServiceClient(conn)}, nil
	}
	return nil, fmt.Errorf("no client for plugin kind %q", kind)
}

// NewLifecycleClient is the client of the common service alone, usable before the kind of
// a plugin is known.
func NewLifecycleClient(conn grpc.ClientConnInterface) LifecycleClient {
	return LifecycleClient{pc: pb.NewPluginServiceClient(conn)}
}

type lifecycleServer struct {
	pb.UnimplementedPluginServiceServer
	kind plugin.Kind
	impl plugin.Lifecycle
}

func (s *lifecycleServer) Describe(ctx context.Context, _ *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	d, err := s.impl.Describe(ctx)
	if err != nil {
		return nil, err
	}
	if d.Kind == "" {
		d.Kind = s.kind
	}
	if d.Kind != s.kind {
		return nil, fmt.Errorf("%w: plugin served as %s describes itself as %s", plugin.ErrInvalidRequest, s.kind, d.Kind)
	}
	if len(d.SettingsSchema) > 0 && !json.Valid(d.SettingsSchema) {
		return nil, fmt.Errorf("%w: the settings schema of %s is not valid JSON", plugin.ErrInvalidRequest, d.Name)
	}
	return &pb.DescribeResponse{
		Kind:               string(d.Kind),
		Name:               d.Name,
		Version:            d.Version,
		ProtocolVersion:    plugin.ProtocolVersion,
		Capabilities:       d.Capabilities,
		SettingsSchemaJson: string(d.SettingsSchema),
		ProtocolMinor:      plugin.ProtocolMinor,
		Channel:            channelCapsToPB(d.Channel),
	}, nil
}

func (s *lifecycleServer) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	settings := map[string]any{}
	if req.GetSettings() != nil {
		settings = req.GetSettings().AsMap()
	}
	if err := s.impl.Configure(ctx, plugin.ConfigureRequest{Instance: req.GetInstance(), Settings: settings}); err != nil {
		return nil, err
	}
	return &pb.ConfigureResponse{}, nil
}

func (s *lifecycleServer) Stop(ctx context.Context, _ *pb.StopRequest) (*pb.StopResponse, error) {
	if err := s.impl.Stop(ctx); err != nil {
		return nil, err
	}
	return &pb.StopResponse{}, nil
}

func (s *lifecycleServer) Ping(ctx context.Context, _ *pb.PingRequest) (*pb.PingResponse, error) {
	if hc, ok := s.impl.(plugin.HealthChecker); ok {
		if err := hc.Health(ctx); err != nil {
			return nil, err
		}
	}
	return &pb.PingResponse{}, nil
}

// LifecycleClient is the host side of the common service.
type LifecycleClient struct {
	pc pb.PluginServiceClient
}

var (
	_ plugin.Lifecycle     = LifecycleClient{}
	_ plugin.HealthChecker = LifecycleClient{}
)

// Describe asks the plugin what it is.
func (c LifecycleClient) Describe(ctx context.Context) (plugin.Description, error) {
	r, err := c.pc.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return plugin.Description{}, err
	}
	d := plugin.Description{
		Kind:            plugin.Kind(r.GetKind()),
		Name:            r.GetName(),
		Version:         r.GetVersion(),
		ProtocolVersion: int(r.GetProtocolVersion()),
		Capabilities:    r.GetCapabilities(),
		ProtocolMinor:   int(r.GetProtocolMinor()),
		Channel:         channelCapsFromPB(r.GetChannel()),
	}
	if s := r.GetSettingsSchemaJson(); s != "" {
		d.SettingsSchema = json.RawMessage(s)
	}
	return d, nil
}

// Configure sends settings. They are normalized through JSON first, so whatever YAML
// decoding produced (ints, times) reaches the plugin as JSON values.
func (c LifecycleClient) Configure(ctx context.Context, req plugin.ConfigureRequest) error {
	settings, err := settingsStruct(req.Settings)
	if err != nil {
		return fmt.Errorf("%w: %w", plugin.ErrInvalidSettings, err)
	}
	_, err = c.pc.Configure(ctx, &pb.ConfigureRequest{Instance: req.Instance, Settings: settings})
	return err
}

// Stop asks the plugin to release its resources.
func (c LifecycleClient) Stop(ctx context.Context) error {
	_, err := c.pc.Stop(ctx, &pb.StopRequest{})
	return err
}

// Health pings the plugin.
func (c LifecycleClient) Health(ctx context.Context) error {
	_, err := c.pc.Ping(ctx, &pb.PingRequest{})
	return err
}

func settingsStruct(settings map[string]any) (*structpb.Struct, error) {
	if settings == nil {
		return &structpb.Struct{}, nil
	}
	raw, err := json.Marshal(settings)
	if err != nil {
		return nil, fmt.Errorf("settings are not representable as JSON: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("settings are not a JSON object: %w", err)
	}
	return structpb.NewStruct(m)
}

func valuesToPB(v map[string][]string) map[string]*pb.Values {
	if len(v) == 0 {
		return nil
	}
	out := make(map[string]*pb.Values, len(v))
	for k, vals := range v {
		out[k] = &pb.Values{Values: vals}
	}
	return out
}

func valuesFromPB(v map[string]*pb.Values) map[string][]string {
	if len(v) == 0 {
		return nil
	}
	out := make(map[string][]string, len(v))
	for k, vals := range v {
		out[k] = vals.GetValues()
	}
	return out
}

func webhookRequestToPB(r plugin.WebhookRequest) *pb.WebhookRequest {
	return &pb.WebhookRequest{
		Method:  r.Method,
		Path:    r.Path,
		Query:   valuesToPB(r.Query),
		Headers: valuesToPB(r.Headers),
		Body:    r.Body,
	}
}

func webhookRequestFromPB(r *pb.WebhookRequest) plugin.WebhookRequest {
	return plugin.WebhookRequest{
		Method:  r.GetMethod(),
		Path:    r.GetPath(),
		Query:   url.Values(valuesFromPB(r.GetQuery())),
		Headers: http.Header(valuesFromPB(r.GetHeaders())),
		Body:    r.GetBody(),
	}
}

// webhookReplyToPB refuses a status no HTTP response can carry: the plugin's bug reaches
// the host as a failed call instead of a garbled (or wrapped-around) status code.
func webhookReplyToPB(r plugin.WebhookReply) (*pb.WebhookReply, error) {
	if r.Status < 0 || r.Status > 999 || (r.Status > 0 && r.Status < 100) {
		return nil, fmt.Errorf("webhook reply: status %d is not an HTTP status code", r.Status)
	}
	return &pb.WebhookReply{Status: int32(r.Status), Headers: valuesToPB(r.Headers), Body: r.Body}, nil
}

func webhookReplyFromPB(r *pb.WebhookReply) plugin.WebhookReply {
	return plugin.WebhookReply{
		Status:  int(r.GetStatus()),
		Headers: http.Header(valuesFromPB(r.GetHeaders())),
		Body:    r.GetBody(),
	}
}

func timeToPB(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func timeFromPB(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

func durationToPB(d time.Duration) *durationpb.Duration {
	if d == 0 {
		return nil
	}
	return durationpb.New(d)
}

func durationFromPB(d *durationpb.Duration) time.Duration {
	if d == nil {
		return 0
	}
	return d.AsDuration()
}

func channelCapsToPB(c *plugin.ChannelCapabilities) *pb.ChannelCapabilities {
	if c == nil {
		return nil
	}
	return &pb.ChannelCapabilities{
		AddressKind:     c.AddressKind,
		MaxText:         clamp32(c.MaxText),
		MaxButtons:      clamp32(c.MaxButtons),
		MaxButtonTitle:  clamp32(c.MaxButtonTitle),
		MaxListRows:     clamp32(c.MaxListRows),
		MaxListRowTitle: clamp32(c.MaxListRowTitle),
		Templates:       c.Templates,
		AudioMime:       c.AudioMIME,
		Media:           c.Media,
		Pull:            c.Pull,
		Ack:             c.Ack,
		WindowHours:     clamp32(c.WindowHours),
		MaxWebhookBody:  c.MaxWebhookBody,
	}
}

func channelCapsFromPB(c *pb.ChannelCapabilities) *plugin.ChannelCapabilities {
	if c == nil {
		return nil
	}
	return &plugin.ChannelCapabilities{
		AddressKind:     c.GetAddressKind(),
		MaxText:         int(c.GetMaxText()),
		MaxButtons:      int(c.GetMaxButtons()),
		MaxButtonTitle:  int(c.GetMaxButtonTitle()),
		MaxListRows:     int(c.GetMaxListRows()),
		MaxListRowTitle: int(c.GetMaxListRowTitle()),
		Templates:       c.GetTemplates(),
		AudioMIME:       c.GetAudioMime(),
		Media:           c.GetMedia(),
		Pull:            c.GetPull(),
		Ack:             c.GetAck(),
		WindowHours:     int(c.GetWindowHours()),
		MaxWebhookBody:  c.GetMaxWebhookBody(),
	}
}

// clamp32 is n as an int32, limited to its range (capabilities are small numbers; a
// nonsense value must not wrap around).
func clamp32(n int) int32 {
	switch {
	case n > math.MaxInt32:
		return math.MaxInt32
	case n < math.MinInt32:
		return math.MinInt32
	}
	return int32(n) //nolint:gosec // within range: checked above
}
