package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/internal/pb"
	"github.com/conserje/conserje/sdk/plugin"
)

type channelServer struct {
	pb.UnimplementedChannelServiceServer
	impl   channel.Channel
	puller channel.Puller // nil for push-only channels
	acker  channel.Acker  // nil for channels without acknowledgements
}

func (s *channelServer) HandleWebhook(ctx context.Context, req *pb.ChannelHandleWebhookRequest) (*pb.ChannelHandleWebhookResponse, error) {
	r, err := s.impl.HandleWebhook(ctx, channel.WebhookRequest{WebhookRequest: webhookRequestFromPB(req.GetHttp())})
	if err != nil {
		return nil, err
	}
	reply, err := webhookReplyToPB(r.WebhookReply)
	if err != nil {
		return nil, err
	}
	out := &pb.ChannelHandleWebhookResponse{Http: reply}
	for _, m := range r.Messages {
		out.Messages = append(out.Messages, inboundToPB(m))
	}
	for _, st := range r.Statuses {
		out.Statuses = append(out.Statuses, &pb.ChannelDeliveryStatus{
			ExternalId: st.ExternalID,
			Recipient:  st.Recipient,
			State:      string(st.State),
			At:         timeToPB(st.At),
			ErrorCode:  st.ErrorCode,
			Error:      st.Error,
			ErrorCodes: st.ErrorCodes,
			Sender:     st.Sender,
			Failure:    string(st.Failure),
		})
	}
	return out, nil
}

func (s *channelServer) Send(ctx context.Context, req *pb.ChannelSendRequest) (*pb.ChannelSendResponse, error) {
	if req.GetContent() == nil && len(req.ProtoReflect().GetUnknown()) > 0 {
		// Content of a kind newer than this plugin's SDK: not an error of the request.
		return nil, fmt.Errorf("%w: message content unknown to this plugin", plugin.ErrUnsupported)
	}
	r, err := s.impl.Send(ctx, sendFromPB(req))
	if err != nil {
		return nil, err
	}
	return &pb.ChannelSendResponse{ExternalId: r.ExternalID, SentAt: timeToPB(r.SentAt), MediaId: r.MediaID}, nil
}

func (s *channelServer) Ack(ctx context.Context, req *pb.ChannelAckRequest) (*pb.ChannelAckResponse, error) {
	if s.acker == nil {
		return nil, fmt.Errorf("%w: this channel takes no acknowledgements", plugin.ErrUnsupported)
	}
	if err := s.acker.Ack(ctx, channel.AckRequest{Cursor: req.GetCursor()}); err != nil {
		return nil, err
	}
	return &pb.ChannelAckResponse{}, nil
}

func (s *channelServer) FetchMedia(ctx context.Context, req *pb.ChannelFetchMediaRequest) (*pb.ChannelFetchMediaResponse, error) {
	r, err := s.impl.FetchMedia(ctx, channel.FetchMediaRequest{MediaID: req.GetMediaId(), MaxBytes: req.GetMaxBytes()})
	if err != nil {
		return nil, err
	}
	return &pb.ChannelFetchMediaResponse{Data: r.Data, Mime: r.MIME, Filename: r.Filename, Sha256: r.SHA256}, nil
}

func (s *channelServer) Receive(req *pb.ChannelReceiveRequest, stream pb.ChannelService_ReceiveServer) error {
	if s.puller == nil {
		return fmt.Errorf("%w: this channel does not pull messages", plugin.ErrUnsupported)
	}
	return s.puller.Receive(stream.Context(), channel.ReceiveRequest{Cursor: req.GetCursor()}, func(m channel.InboundMessage) error {
		return stream.Send(inboundToPB(m))
	})
}

// ChannelClient is the host side of a channel plugin.
type ChannelClient struct {
	LifecycleClient
	c pb.ChannelServiceClient
}

var (
	_ channel.Plugin = (*ChannelClient)(nil)
	_ channel.Puller = (*ChannelClient)(nil)
	_ channel.Acker  = (*ChannelClient)(nil)
)

// HandleWebhook calls the plugin's HandleWebhook.
func (c *ChannelClient) HandleWebhook(ctx context.Context, req channel.WebhookRequest) (channel.WebhookResponse, error) {
	r, err := c.c.HandleWebhook(ctx, &pb.ChannelHandleWebhookRequest{Http: webhookRequestToPB(req.WebhookRequest)})
	if err != nil {
		return channel.WebhookResponse{}, err
	}
	out := channel.WebhookResponse{WebhookReply: webhookReplyFromPB(r.GetHttp())}
	for _, m := range r.GetMessages() {
		out.Messages = append(out.Messages, inboundFromPB(m))
	}
	for _, st := range r.GetStatuses() {
		out.Statuses = append(out.Statuses, channel.DeliveryStatus{
			ExternalID: st.GetExternalId(),
			Recipient:  st.GetRecipient(),
			State:      channel.DeliveryState(st.GetState()),
			At:         timeFromPB(st.GetAt()),
			ErrorCode:  st.GetErrorCode(),
			Error:      st.GetError(),
			ErrorCodes: st.GetErrorCodes(),
			Sender:     st.GetSender(),
			Failure:    channel.Failure(st.GetFailure()),
		})
	}
	return out, nil
}

// Send calls the plugin's Send. A request with no content, or more than one, is refused
// here, before it travels.
func (c *ChannelClient) Send(ctx context.Context, req channel.SendRequest) (channel.SendResponse, error) {
	msg, err := sendToPB(req)
	if err != nil {
		return channel.SendResponse{}, err
	}
	r, err := c.c.Send(ctx, msg)
	if err != nil {
		return channel.SendResponse{}, err
	}
	return channel.SendResponse{ExternalID: r.GetExternalId(), SentAt: timeFromPB(r.GetSentAt()), MediaID: r.GetMediaId()}, nil
}

// Ack calls the plugin's Ack; a channel without acknowledgements gives
// plugin.ErrUnsupported.
func (c *ChannelClient) Ack(ctx context.Context, req channel.AckRequest) error {
	_, err := c.c.Ack(ctx, &pb.ChannelAckRequest{Cursor: req.Cursor})
	return err
}

// FetchMedia calls the plugin's FetchMedia.
func (c *ChannelClient) FetchMedia(ctx context.Context, req channel.FetchMediaRequest) (channel.FetchMediaResponse, error) {
	r, err := c.c.FetchMedia(ctx, &pb.ChannelFetchMediaRequest{MediaId: req.MediaID, MaxBytes: req.MaxBytes})
	if err != nil {
		return channel.FetchMediaResponse{}, err
	}
	return channel.FetchMediaResponse{Data: r.GetData(), MIME: r.GetMime(), Filename: r.GetFilename(), SHA256: r.GetSha256()}, nil
}

// Receive streams the plugin's inbound messages into emit until ctx ends, the plugin
// ends the stream (nil) or emit fails (its error). A push-only channel gives
// plugin.ErrUnsupported.
func (c *ChannelClient) Receive(ctx context.Context, req channel.ReceiveRequest, emit func(channel.InboundMessage) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.c.Receive(ctx, &pb.ChannelReceiveRequest{Cursor: req.Cursor})
	if err != nil {
		return err
	}
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fromStatus(err)
		}
		if err := emit(inboundFromPB(m)); err != nil {
			return err
		}
	}
}

func inboundToPB(m channel.InboundMessage) *pb.ChannelInboundMessage {
	out := &pb.ChannelInboundMessage{
		ExternalId:  m.ExternalID,
		From:        m.From,
		FromName:    m.FromName,
		To:          m.To,
		Thread:      m.Thread,
		ReceivedAt:  timeToPB(m.ReceivedAt),
		Type:        string(m.Type),
		Text:        m.Text,
		Subject:     m.Subject,
		ButtonId:    m.ButtonID,
		ReplyTo:     m.ReplyTo,
		Cursor:      m.Cursor,
		Metadata:    m.Metadata,
		RawType:     m.RawType,
		ErrorCodes:  m.ErrorCodes,
		FromUserId:  m.FromUserID,
		Constraints: m.Constraints,
	}
	if h := m.Mail; h != nil {
		out.Mail = &pb.ChannelMailHeaders{MessageId: h.MessageID, InReplyTo: h.InReplyTo, References: h.References}
	}
	if f := m.Form; f != nil {
		out.Form = &pb.ChannelForm{CheckIn: f.CheckIn, CheckOut: f.CheckOut, Guests: int32(min(max(f.Guests, 0), math.MaxInt32))} //nolint:gosec // clamped
	}
	if n := m.Notice; n != nil {
		out.Notice = &pb.ChannelNotice{Kind: string(n.Kind), Reason: n.Reason, Category: n.Category,
			FailedMessageId: n.FailedMessageID, FailedRecipient: n.FailedRecipient}
	}
	if m.Media != nil {
		out.Media = &pb.ChannelMedia{Id: m.Media.ID, Mime: m.Media.MIME, Size: m.Media.Size, Filename: m.Media.Filename,
			Voice: m.Media.Voice, Sha256: m.Media.SHA256, Caption: m.Media.Caption}
	}
	if m.Reaction != nil {
		out.Reaction = &pb.ChannelReaction{MessageId: m.Reaction.MessageID, Emoji: m.Reaction.Emoji}
	}
	if m.Location != nil {
		out.Location = &pb.ChannelLocation{Latitude: m.Location.Latitude, Longitude: m.Location.Longitude, Name: m.Location.Name, Address: m.Location.Address}
	}
	return out
}

func inboundFromPB(m *pb.ChannelInboundMessage) channel.InboundMessage {
	out := channel.InboundMessage{
		ExternalID:  m.GetExternalId(),
		From:        m.GetFrom(),
		FromName:    m.GetFromName(),
		To:          m.GetTo(),
		Thread:      m.GetThread(),
		ReceivedAt:  timeFromPB(m.GetReceivedAt()),
		Type:        channel.MessageType(m.GetType()),
		Text:        m.GetText(),
		Subject:     m.GetSubject(),
		ButtonID:    m.GetButtonId(),
		ReplyTo:     m.GetReplyTo(),
		Cursor:      m.GetCursor(),
		Metadata:    m.GetMetadata(),
		RawType:     m.GetRawType(),
		ErrorCodes:  m.GetErrorCodes(),
		FromUserID:  m.GetFromUserId(),
		Constraints: m.GetConstraints(),
	}
	if h := m.GetMail(); h != nil {
		out.Mail = &channel.MailHeaders{MessageID: h.GetMessageId(), InReplyTo: h.GetInReplyTo(), References: h.GetReferences()}
	}
	if f := m.GetForm(); f != nil {
		out.Form = &channel.Form{CheckIn: f.GetCheckIn(), CheckOut: f.GetCheckOut(), Guests: int(f.GetGuests())}
	}
	if n := m.GetNotice(); n != nil {
		out.Notice = &channel.Notice{Kind: channel.NoticeKind(n.GetKind()), Reason: n.GetReason(), Category: n.GetCategory(),
			FailedMessageID: n.GetFailedMessageId(), FailedRecipient: n.GetFailedRecipient()}
	}
	if md := m.GetMedia(); md != nil {
		out.Media = &channel.Media{ID: md.GetId(), MIME: md.GetMime(), Size: md.GetSize(), Filename: md.GetFilename(),
			Voice: md.GetVoice(), SHA256: md.GetSha256(), Caption: md.GetCaption()}
	}
	if r := m.GetReaction(); r != nil {
		out.Reaction = &channel.Reaction{MessageID: r.GetMessageId(), Emoji: r.GetEmoji()}
	}
	if l := m.GetLocation(); l != nil {
		out.Location = &channel.Location{Latitude: l.GetLatitude(), Longitude: l.GetLongitude(), Name: l.GetName(), Address: l.GetAddress()}
	}
	return out
}

func sendToPB(req channel.SendRequest) (*pb.ChannelSendRequest, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	out := &pb.ChannelSendRequest{
		To:             req.To,
		From:           req.From,
		IdempotencyKey: req.IdempotencyKey,
		ReplyTo:        req.ReplyTo,
		Thread:         req.Thread,
		Subject:        req.Subject,
		References:     req.References,
		Author:         req.Author,
	}
	switch {
	case req.Text != nil:
		out.Content = &pb.ChannelSendRequest_Text{Text: &pb.ChannelText{Body: req.Text.Body}}
	case req.Buttons != nil:
		b := &pb.ChannelButtons{Body: req.Buttons.Body, Header: req.Buttons.Header, Footer: req.Buttons.Footer}
		for _, btn := range req.Buttons.Buttons {
			b.Buttons = append(b.Buttons, &pb.ChannelButton{Id: btn.ID, Title: btn.Title})
		}
		out.Content = &pb.ChannelSendRequest_Buttons{Buttons: b}
	case req.Audio != nil:
		out.Content = &pb.ChannelSendRequest_Audio{Audio: &pb.ChannelAudio{Data: req.Audio.Data, Mime: req.Audio.MIME, Voice: req.Audio.Voice, MediaId: req.Audio.MediaID}}
	case req.Template != nil:
		out.Content = &pb.ChannelSendRequest_Template{Template: &pb.ChannelTemplate{Name: req.Template.Name, Language: req.Template.Language,
			Params: req.Template.Params, HeaderParams: req.Template.HeaderParams, ButtonPayloads: req.Template.ButtonPayloads}}
	case req.List != nil:
		l := &pb.ChannelList{Body: req.List.Body, Header: req.List.Header, Footer: req.List.Footer, Button: req.List.Button}
		for _, sec := range req.List.Sections {
			ps := &pb.ChannelListSection{Title: sec.Title}
			for _, r := range sec.Rows {
				ps.Rows = append(ps.Rows, &pb.ChannelListRow{Id: r.ID, Title: r.Title, Description: r.Description})
			}
			l.Sections = append(l.Sections, ps)
		}
		out.Content = &pb.ChannelSendRequest_List{List: l}
	}
	return out, nil
}

func sendFromPB(req *pb.ChannelSendRequest) channel.SendRequest {
	out := channel.SendRequest{
		To:             req.GetTo(),
		From:           req.GetFrom(),
		IdempotencyKey: req.GetIdempotencyKey(),
		ReplyTo:        req.GetReplyTo(),
		Thread:         req.GetThread(),
		Subject:        req.GetSubject(),
		References:     req.GetReferences(),
		Author:         req.GetAuthor(),
	}
	switch c := req.GetContent().(type) {
	case *pb.ChannelSendRequest_Text:
		out.Text = &channel.Text{Body: c.Text.GetBody()}
	case *pb.ChannelSendRequest_Buttons:
		b := &channel.Buttons{Body: c.Buttons.GetBody(), Header: c.Buttons.GetHeader(), Footer: c.Buttons.GetFooter()}
		for _, btn := range c.Buttons.GetButtons() {
			b.Buttons = append(b.Buttons, channel.Button{ID: btn.GetId(), Title: btn.GetTitle()})
		}
		out.Buttons = b
	case *pb.ChannelSendRequest_Audio:
		out.Audio = &channel.Audio{Data: c.Audio.GetData(), MIME: c.Audio.GetMime(), Voice: c.Audio.GetVoice(), MediaID: c.Audio.GetMediaId()}
	case *pb.ChannelSendRequest_Template:
		out.Template = &channel.Template{Name: c.Template.GetName(), Language: c.Template.GetLanguage(), Params: c.Template.GetParams(),
			HeaderParams: c.Template.GetHeaderParams(), ButtonPayloads: c.Template.GetButtonPayloads()}
	case *pb.ChannelSendRequest_List:
		l := &channel.List{Body: c.List.GetBody(), Header: c.List.GetHeader(), Footer: c.List.GetFooter(), Button: c.List.GetButton()}
		for _, sec := range c.List.GetSections() {
			ls := channel.ListSection{Title: sec.GetTitle()}
			for _, r := range sec.GetRows() {
				ls.Rows = append(ls.Rows, channel.ListRow{ID: r.GetId(), Title: r.GetTitle(), Description: r.GetDescription()})
			}
			l.Sections = append(l.Sections, ls)
		}
		out.List = l
	}
	return out
}
