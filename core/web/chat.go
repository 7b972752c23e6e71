package web

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"mime"
	"path"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/channel"
	"github.com/conserje/conserje/core/web/clientip"
)

//go:embed chatpage
var chatFS embed.FS

// ChatService answers one web chat message (*channel.WebchatChannel).
type ChatService interface {
	Chat(ctx context.Context, conversationID, messageID, text string) (channel.ChatResult, error)
}

var _ ChatService = (*channel.WebchatChannel)(nil)

// ChatUpdates hands a page the messages queued for its conversation since its last
// request (*channel.WebchatChannel): staff replies, confirmations.
type ChatUpdates interface {
	Updates(ctx context.Context, conversationID string) (channel.ChatResult, error)
}

var _ ChatUpdates = (*channel.WebchatChannel)(nil)

// Polls of a page for new messages: every few seconds while it is open.
const (
	chatPollsPerMinute = 40
	chatPollBurst      = 10
)

// ChatOptions configure the web chat.
type ChatOptions struct {
	Service ChatService
	// Title heads the page ("Reservas · Complejo Los Robles").
	Title string
	// Texts of the page around the conversation; Spanish by default.
	Intro, Placeholder string
	// Rate limits: requests per minute and burst, per client IP and per conversation.
	PerIPPerMinute, PerIPBurst                     int
	PerConversationPerMinute, PerConversationBurst int
	Now                                            func() time.Time
	Logger                                         *slog.Logger
}

// Chat serves GET /chat (a small page hosts can embed in an iframe) and
// POST /api/v1/chat (api.md), rate-limited per IP and per conversation.
type Chat struct {
	opts   ChatOptions
	log    *slog.Logger
	page   []byte
	byIP   *chatLimiter
	byConv *chatLimiter
	polls  *chatLimiter
}

var _ Mounter = (*Chat)(nil)

// NewChat returns the web chat over opts.Service.
func NewChat(opts ChatOptions) (*Chat, error) {
	if opts.Service == nil {
		return nil, errors.New("web chat: a chat service is required")
	}
	if opts.Title == "" {
		opts.Title = "Reservas"
	}
	if opts.Intro == "" {
		opts.Intro = "¡Hola! 👋 Contame para qué fechas y cuántas personas buscás alojamiento y te digo qué tenemos libre."
	}
	if opts.Placeholder == "" {
		opts.Placeholder = "Escribí tu consulta…"
	}
	if opts.PerIPPerMinute <= 0 {
		opts.PerIPPerMinute, opts.PerIPBurst = 60, 20
	}
	if opts.PerConversationPerMinute <= 0 {
		opts.PerConversationPerMinute, opts.PerConversationBurst = 20, 6
	}
	if opts.PerIPBurst <= 0 {
		opts.PerIPBurst = 1
	}
	if opts.PerConversationBurst <= 0 {
		opts.PerConversationBurst = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	src, err := chatFS.ReadFile("chatpage/chat.html")
	if err != nil {
		return nil, err
	}
	tmpl, err := template.New("chat").Parse(string(src))
	if err != nil {
		return nil, err
	}
	var page bytes.Buffer
	err = tmpl.Execute(&page, map[string]string{
		"Language": "es-AR", "Title": opts.Title, "Intro": opts.Intro, "Placeholder": opts.Placeholder,
		"ErrorText": "No pude enviar tu mensaje. Probá de nuevo en un momento.", "BusyText": "Escribiendo…",
		"LogLabel": "Conversación", "QuickLabel": "Respuestas rápidas", "InputLabel": "Tu mensaje", "SendLabel": "Enviar",
	})
	if err != nil {
		return nil, err
	}
	return &Chat{
		opts: opts, log: opts.Logger, page: page.Bytes(),
		byIP:   newChatLimiter(opts.PerIPPerMinute, opts.PerIPBurst, opts.Now),
		byConv: newChatLimiter(opts.PerConversationPerMinute, opts.PerConversationBurst, opts.Now),
		polls:  newChatLimiter(chatPollsPerMinute, chatPollBurst, opts.Now),
	}, nil
}

// Mount implements Mounter.
func (h *Chat) Mount(r fiber.Router) {
	r.Get("/chat", h.servePage)
	r.Get("/chat/assets/:name", h.serveAsset)
	r.Post("/api/v1/chat", h.post)
	r.Get("/api/v1/chat/updates", h.updates)
}

// The page may be embedded anywhere (frame-ancestors *) but only runs its own script.
const chatCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors *"

func (h *Chat) servePage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentSecurityPolicy, chatCSP)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(h.page)
}

func (h *Chat) serveAsset(c *fiber.Ctx) error {
	name := c.Params("name")
	if name != "chat.js" && name != "chat.css" {
		return fiber.ErrNotFound
	}
	body, err := chatFS.ReadFile(path.Join("chatpage", name))
	if err != nil {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, mime.TypeByExtension(path.Ext(name))+"; charset=utf-8")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(body)
}

type chatRequest struct {
	ConversationID string `json:"conversation_id"`
	// MessageID is the page's own id of this message: a retry with the same id gets the
	// stored turn's replies, never a second turn.
	MessageID string `json:"message_id"`
	Text      string `json:"text"`
}

func (h *Chat) limited(c *fiber.Ctx, wait time.Duration, what string) error {
	secs := int(wait.Seconds()) + 1
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	return WriteError(c, &APIError{Status: fiber.StatusTooManyRequests, Code: "rate_limited",
		Message: "too many messages " + what + "; wait " + strconv.Itoa(secs) + " s and try again"})
}

func (h *Chat) post(c *fiber.Ctx) error {
	if ok, wait := h.byIP.allow(clientip.From(c)); !ok {
		return h.limited(c, wait, "from this address")
	}
	var req chatRequest
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return WriteError(c, &APIError{Status: fiber.StatusBadRequest, Code: "bad_request", Message: "the body must be a JSON object {conversation_id, message_id, text}"})
		}
		return WriteError(c, &APIError{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Message: "invalid request: " + err.Error()})
	}
	if dec.More() {
		return WriteError(c, &APIError{Status: fiber.StatusBadRequest, Code: "bad_request", Message: "one JSON object per request"})
	}
	if req.ConversationID != "" {
		if ok, wait := h.byConv.allow(req.ConversationID); !ok {
			return h.limited(c, wait, "in this conversation")
		}
	}
	// Holds the bot makes for this message count against the client's address.
	ctx := booking.WithClientAddr(c.UserContext(), clientip.From(c))
	res, err := h.opts.Service.Chat(ctx, req.ConversationID, req.MessageID, req.Text)
	if ie, ok := channel.IsInputError(err); ok {
		return WriteError(c, &APIError{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Message: "invalid request",
			Fields: map[string]string{ie.Field: ie.Message}})
	}
	if Outage(err) {
		// The message may be stored already: the page retries with the same message_id.
		h.log.WarnContext(c.UserContext(), "chat message refused: database or lock service unavailable", "err", err)
		return WriteUnavailable(c)
	}
	if err != nil {
		return err
	}
	return c.JSON(res)
}

// updates answers the page's poll: the messages queued for its conversation since its
// last request (a staff reply, a payment confirmation), each delivered once. The
// conversation id is the guest's secret (random, kept by the page); an unknown one has
// none.
func (h *Chat) updates(c *fiber.Ctx) error {
	id := c.Query("conversation_id")
	if !channel.ValidConversationID(id) {
		return WriteError(c, &APIError{Status: fiber.StatusUnprocessableEntity, Code: "invalid", Message: "invalid request",
			Fields: map[string]string{"conversation_id": "unknown format"}})
	}
	if ok, wait := h.polls.allow(id); !ok {
		return h.limited(c, wait, "in this conversation")
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	svc, ok := h.opts.Service.(ChatUpdates)
	if !ok {
		return c.JSON(channel.ChatResult{ConversationID: id, Replies: []channel.ChatReply{}})
	}
	res, err := svc.Updates(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(res)
}
