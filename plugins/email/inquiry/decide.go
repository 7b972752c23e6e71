package inquiry

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"

	"github.com/conserje/conserje/plugins/email/mailmsg"
)

// What the channel does with a message.
const (
	Answer  = "answer"
	Skip    = "skip"
	Handoff = "handoff"
)

// Categories (expected.json "categories").
const (
	CategoryPortalInquiry = "portal_inquiry"
	CategoryRelayMessage  = "relay_message"
	CategoryNoReplyPath   = "portal_inquiry_no_reply_path"
	CategoryDirect        = "direct_inquiry"
	CategoryFollowUp      = "follow_up"
	CategoryAutoReply     = "auto_reply"
	CategoryMailingList   = "mailing_list"
	CategoryBounce        = "bounce"
	CategoryMarketing     = "marketing"
	CategoryOwnAddress    = "own_address"
	CategoryPhishing      = "phishing"
	CategoryUnreadable    = "unreadable"
)

// Reasons: the first word of Decision.Reason.
const (
	ReasonOwnAddress      = "own_address"
	ReasonBounce          = "bounce"
	ReasonLookAlike       = "look_alike_sender"
	ReasonSpoofed         = "failed_authentication"
	ReasonMarketing       = "portal_marketing"
	ReasonAutomatic       = "automatic_mail"
	ReasonMailingList     = "mailing_list"
	ReasonSuppressed      = "auto_response_suppressed"
	ReasonNoReplyPath     = "no_reply_path"
	ReasonPortalInquiry   = "portal_inquiry"
	ReasonRelayMessage    = "relay_message"
	ReasonFollowUp        = "follow_up"
	ReasonDirect          = "direct_inquiry"
	ReasonUnreadable      = "unreadable"
	defaultOurIDPrefix    = "conserje."
	sourcePortalFields    = "portal_fields"
	sourceText            = "text"
	answerSourceReplyTo   = "reply_to"
	answerSourceRelay     = "reply_to_relay"
	answerSourceFromRelay = "from_relay"
	answerSourceBody      = "body"
	answerSourceFrom      = "from"
)

// Config is what the channel is configured with.
type Config struct {
	// Own are our addresses: the mailbox and the host's others. Mail from them is never
	// answered.
	Own []string
	// AuthservID is the authserv-id our own MX writes in Authentication-Results; others'
	// results are not trusted. Empty trusts none.
	AuthservID string
	// Location reads dates (default America/Argentina/Buenos_Aires).
	Location *time.Location
	// Now is the reference instant when the message has no readable Date.
	Now time.Time
	// OurMessageID says whether a Message-ID (with <>) is one we sent. Nil: ids
	// "<conserje.…@domain of an own address>", the form our replies use.
	OurMessageID func(id string) bool
}

// ReplyHeaders are the threading headers of our answer (email-inquiries.md section 6).
type ReplyHeaders struct {
	InReplyTo  string   `json:"in_reply_to"`
	References []string `json:"references"`
	Subject    string   `json:"subject"`
}

// Decision is what to do with one message, why, and what it asks.
type Decision struct {
	Decision string `json:"decision"`
	// Reason is a code (Reason*) followed by the detail, e.g. "automatic_mail:
	// Auto-Submitted: auto-replied".
	Reason   string `json:"reason"`
	Category string `json:"category"`
	AnswerTo string `json:"answer_to"`
	// AnswerSource says where AnswerTo comes from: reply_to, reply_to_relay,
	// from_relay, body, from.
	AnswerSource string   `json:"answer_source"`
	Portal       string   `json:"portal"`
	NewInquiry   bool     `json:"new_inquiry"`
	Constraints  []string `json:"constraints"`

	GuestName         string `json:"guest_name"`
	GuestEmail        string `json:"guest_email"`
	GuestEmailIsRelay bool   `json:"guest_email_is_relay"`
	GuestPhone        string `json:"guest_phone"`
	GuestPhoneE164    string `json:"guest_phone_e164"`
	CheckIn           string `json:"check_in"`
	CheckOut          string `json:"check_out"`
	Guests            int    `json:"guests"`
	Adults            int    `json:"adults"`
	Children          int    `json:"children"`
	DatesSource       string `json:"dates_source"`
	ListingRef        string `json:"listing_ref"`
	BookingRef        string `json:"booking_ref"`
	Text              string `json:"text"`

	MessageID     string        `json:"message_id"`
	Subject       string        `json:"subject"`
	ReceivedLocal string        `json:"received_local"`
	Reply         *ReplyHeaders `json:"reply_headers"`
	// Thread is our Message-ID the message answers (follow-ups, and automatic mail
	// naming one).
	Thread string `json:"thread"`
	// InReplyTo and References are the message's own threading headers.
	InReplyTo  []string `json:"-"`
	References []string `json:"-"`
	// FailedRecipient and FailedMessageID describe a bounce of our mail.
	FailedRecipient string   `json:"failed_recipient"`
	FailedMessageID string   `json:"failed_message_id"`
	Defects         []string `json:"defects"`
}

// MarshalJSON writes unknown values as null (empty strings, zero counts, -1 splits).
func (d Decision) MarshalJSON() ([]byte, error) {
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	count := func(n int) *int {
		if n < 0 || (n == 0 && d.Guests == 0) {
			return nil
		}
		return &n
	}
	guests := &d.Guests
	if d.Guests <= 0 {
		guests = nil
	}
	constraints := d.Constraints
	if constraints == nil {
		constraints = []string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // Message-IDs keep their <>
	err := enc.Encode(struct {
		Decision          string        `json:"decision"`
		Reason            string        `json:"reason"`
		Category          string        `json:"category"`
		AnswerTo          *string       `json:"answer_to"`
		AnswerSource      *string       `json:"answer_source"`
		Portal            *string       `json:"portal"`
		NewInquiry        bool          `json:"new_inquiry"`
		Constraints       []string      `json:"constraints"`
		GuestName         *string       `json:"guest_name"`
		GuestEmail        *string       `json:"guest_email"`
		GuestEmailIsRelay bool          `json:"guest_email_is_relay"`
		GuestPhone        *string       `json:"guest_phone"`
		GuestPhoneE164    *string       `json:"guest_phone_e164"`
		CheckIn           *string       `json:"check_in"`
		CheckOut          *string       `json:"check_out"`
		Guests            *int          `json:"guests"`
		Adults            *int          `json:"adults,omitempty"`
		Children          *int          `json:"children,omitempty"`
		DatesSource       *string       `json:"dates_source"`
		ListingRef        *string       `json:"listing_ref"`
		BookingRef        *string       `json:"booking_ref"`
		Text              *string       `json:"text"`
		MessageID         *string       `json:"message_id"`
		Subject           string        `json:"subject"`
		ReceivedLocal     *string       `json:"received_local"`
		Reply             *ReplyHeaders `json:"reply_headers"`
		Thread            *string       `json:"thread"`
		FailedRecipient   *string       `json:"failed_recipient,omitempty"`
		FailedMessageID   *string       `json:"failed_message_id,omitempty"`
		Defects           []string      `json:"defects,omitempty"`
	}{
		d.Decision, d.Reason, d.Category, str(d.AnswerTo), str(d.AnswerSource), str(d.Portal), d.NewInquiry, constraints,
		str(d.GuestName), str(d.GuestEmail), d.GuestEmailIsRelay, str(d.GuestPhone), str(d.GuestPhoneE164),
		str(d.CheckIn), str(d.CheckOut), guests, count(d.Adults), count(d.Children), str(d.DatesSource),
		str(d.ListingRef), str(d.BookingRef), str(d.Text), str(d.MessageID), d.Subject, str(d.ReceivedLocal),
		d.Reply, str(d.Thread), str(d.FailedRecipient), str(d.FailedMessageID), d.Defects,
	})
	return bytes.TrimRight(buf.Bytes(), "\n"), err
}

var buenosAires = func() *time.Location {
	loc, err := time.LoadLocation("America/Argentina/Buenos_Aires")
	if err != nil {
		return time.FixedZone("ART", -3*3600)
	}
	return loc
}()

// Decide reads one raw message and decides. It never fails: a message it cannot read
// is handed to staff with the reason.
func Decide(raw []byte, cfg Config) Decision {
	m, err := mailmsg.Parse(raw)
	if err != nil {
		return Decision{Decision: Handoff, Reason: ReasonUnreadable + ": " + err.Error(), Category: CategoryUnreadable, Adults: -1, Children: -1}
	}
	return DecideMessage(m, cfg)
}

// DecideMessage decides on a parsed message (email-inquiries.md section 1, in order).
func DecideMessage(m *mailmsg.Message, cfg Config) Decision {
	e := newEval(m, cfg)
	d := &e.d
	from := e.from()

	// 1. Our own address in From, Sender or Return-Path: loop prevention.
	for _, a := range append(append(addrs(m.From), addrs(m.Sender)...), strings.Trim(m.ReturnPath, "<> ")) {
		if e.own(a) {
			return e.skip(CategoryOwnAddress, ReasonOwnAddress, "mail from our own address "+a)
		}
	}
	// 2. Bounces never are inquiries.
	if why := bounce(m); why != "" {
		e.readBounce()
		d.NewInquiry = false
		return e.handoff(CategoryBounce, ReasonBounce, why)
	}
	// 3. Look-alike and spoofed portal senders get no portal treatment.
	if name, ok := lookAlike(from.Address, from.Name); ok {
		return e.handoff(CategoryPhishing, ReasonLookAlike, fmt.Sprintf("%s imitates %s (registrable domain %s)", from.Address, name, registrable(from.Address)))
	}
	p, isPortal := portalOf(from.Address)
	if isPortal {
		if why := e.authFailure(); why != "" {
			return e.handoff(CategoryPhishing, ReasonSpoofed, why)
		}
		for _, r := range m.ReplyTo {
			if name, ok := lookAlike(r.Address, r.Name); ok {
				return e.handoff(CategoryPhishing, ReasonLookAlike, fmt.Sprintf("Reply-To %s imitates %s", r.Address, name))
			}
		}
		// 4. A known portal inquiry, before the generic filters; 5. its marketing.
		return e.portal(p)
	}
	// 6. Automatic mail otherwise.
	if cat, why := automatic(m); why != "" {
		e.d.Thread = e.ourThread()
		return e.skip(cat, reasonFor(cat), why)
	}
	// 7. Replies in our threads; 8. mail written by a person.
	return e.person()
}

func reasonFor(category string) string {
	if category == CategoryMailingList {
		return ReasonMailingList
	}
	return ReasonAutomatic
}

func addrs(list []mailmsg.Address) []string {
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, a.Address)
	}
	return out
}

// eval holds one decision in progress.
type eval struct {
	m   *mailmsg.Message
	cfg Config
	ref time.Time // the message's instant in Buenos Aires
	d   Decision
}

func newEval(m *mailmsg.Message, cfg Config) *eval {
	loc := cfg.Location
	if loc == nil {
		loc = buenosAires
	}
	ref := m.Date
	if ref.IsZero() {
		ref = cfg.Now
		if ref.IsZero() {
			ref = time.Now()
		}
	}
	ref = ref.In(loc)
	e := &eval{m: m, cfg: cfg, ref: ref}
	e.d = Decision{
		MessageID: m.MessageID, Subject: m.Subject, Adults: -1, Children: -1, InReplyTo: m.InReplyTo, References: m.References,
		ReceivedLocal: ref.Format(time.RFC3339), Defects: m.Defects, Constraints: []string{},
	}
	return e
}

func (e *eval) from() mailmsg.Address {
	if len(e.m.From) > 0 {
		return e.m.From[0]
	}
	return mailmsg.Address{}
}

func (e *eval) own(addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	if addr == "" {
		return false
	}
	for _, o := range e.cfg.Own {
		if strings.EqualFold(o, addr) {
			return true
		}
	}
	return false
}

func (e *eval) ours(id string) bool {
	if e.cfg.OurMessageID != nil {
		return e.cfg.OurMessageID(id)
	}
	id = strings.Trim(id, "<>")
	local, domain, ok := strings.Cut(id, "@")
	if !ok || !strings.HasPrefix(local, defaultOurIDPrefix) {
		return false
	}
	for _, o := range e.cfg.Own {
		if strings.EqualFold(domainOf(o), domain) {
			return true
		}
	}
	return false
}

// ourThread is our Message-ID among In-Reply-To and References (the latest first).
func (e *eval) ourThread() string {
	ids := append(append([]string{}, e.m.InReplyTo...), reversed(e.m.References)...)
	for _, id := range ids {
		if e.ours(id) {
			return id
		}
	}
	return ""
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func (e *eval) skip(category, reason, detail string) Decision {
	e.d.Decision, e.d.Category, e.d.Reason = Skip, category, reason+": "+detail
	e.clearAnswer()
	return e.d
}

func (e *eval) handoff(category, reason, detail string) Decision {
	e.d.Decision, e.d.Category, e.d.Reason = Handoff, category, reason+": "+detail
	e.clearAnswer()
	return e.d
}

func (e *eval) clearAnswer() {
	e.d.AnswerTo, e.d.AnswerSource, e.d.Reply = "", "", nil
	e.d.Constraints = []string{}
}

func (e *eval) answer(category, reason, detail, to, source string) Decision {
	e.d.Decision, e.d.Category, e.d.Reason = Answer, category, reason+": "+detail
	e.d.AnswerTo, e.d.AnswerSource = strings.ToLower(to), source
	e.d.Reply = replyHeaders(e.m)
	return e.d
}

// replyHeaders threads our answer: In-Reply-To the message, References its References
// (or its In-Reply-To) plus its Message-ID, "Re: " once.
func replyHeaders(m *mailmsg.Message) *ReplyHeaders {
	refs := append([]string{}, m.References...)
	if len(refs) == 0 && len(m.InReplyTo) == 1 {
		refs = append(refs, m.InReplyTo[0])
	}
	if m.MessageID != "" {
		refs = append(refs, m.MessageID)
	}
	return &ReplyHeaders{InReplyTo: m.MessageID, References: refs, Subject: ReplySubject(m.Subject)}
}

var replyPrefixRe = regexp.MustCompile(`(?i)^\s*(re|aw|rv|res|sv)\s*:`)

// ReplySubject is "Re: <subject>" unless the subject already starts with a reply prefix.
func ReplySubject(s string) string {
	if replyPrefixRe.MatchString(s) {
		return s
	}
	return "Re: " + s
}

// bounce says why a message is a delivery failure report, or "".
func bounce(m *mailmsg.Message) string {
	switch {
	case strings.TrimSpace(m.ReturnPath) == "<>":
		return "empty Return-Path <>"
	case m.MediaType == "multipart/report":
		return "multipart/report delivery status notification"
	}
	for _, a := range m.From {
		switch localPart(a.Address) {
		case "mailer-daemon", "postmaster":
			return "sender " + a.Address
		}
	}
	return ""
}

var (
	failedRecipientsRe = regexp.MustCompile(`(?m)^\s*([A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})\s*$`)
	copyMarkerRe       = regexp.MustCompile(`(?mi)^-+\s*(this is a copy of the message|original message|mensaje original)[^\n]*$`)
)

// readBounce finds who did not get which of our messages.
func (e *eval) readBounce() {
	m := e.m
	if v := strings.TrimSpace(m.Get("X-Failed-Recipients")); v != "" {
		e.d.FailedRecipient = strings.ToLower(strings.TrimSpace(strings.Split(v, ",")[0]))
	}
	returned := (*textproto.Header)(nil)
	if m.Report != nil {
		if e.d.FailedRecipient == "" && len(m.Report.Recipients) > 0 {
			e.d.FailedRecipient = m.Report.Recipients[0]
		}
		returned = m.Report.Returned
	}
	if returned == nil {
		// Exim and others return the message inside the text body.
		body := m.Body()
		if loc := copyMarkerRe.FindStringIndex(body); loc != nil {
			rest := strings.TrimLeft(body[loc[1]:], "\r\n")
			if h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(strings.ReplaceAll(rest, "\n", "\r\n")))); err == nil {
				returned = &h
			}
		}
		if e.d.FailedRecipient == "" {
			if g := failedRecipientsRe.FindStringSubmatch(body); g != nil {
				e.d.FailedRecipient = strings.ToLower(g[1])
			}
		}
	}
	if returned != nil {
		if id := strings.TrimSpace(returned.Get("Message-Id")); id != "" && e.ours(id) {
			e.d.FailedMessageID = id
		}
		if e.d.FailedRecipient == "" {
			if list, err := mail.ParseAddressList(returned.Get("To")); err == nil && len(list) > 0 {
				e.d.FailedRecipient = strings.ToLower(list[0].Address)
			}
		}
	}
	if e.d.FailedMessageID == "" {
		e.d.FailedMessageID = e.ourThread()
	}
	e.d.Thread = e.d.FailedMessageID
}

// authFailure reads the Authentication-Results of our own MX (only those: anybody can
// write the header) and reports a failing DMARC, or SPF failing without a DKIM pass.
func (e *eval) authFailure() string {
	if e.cfg.AuthservID == "" {
		return ""
	}
	for _, v := range e.m.Header.Values("Authentication-Results") {
		id, results, _ := strings.Cut(v, ";")
		if !strings.EqualFold(strings.Fields(id + " x")[0], e.cfg.AuthservID) {
			continue
		}
		r := strings.ToLower(results)
		switch {
		case strings.Contains(r, "dmarc=fail"):
			return "our MX " + e.cfg.AuthservID + " recorded dmarc=fail for " + e.from().Address
		case strings.Contains(r, "spf=fail") && !strings.Contains(r, "dkim=pass"):
			return "our MX " + e.cfg.AuthservID + " recorded spf=fail without a DKIM pass for " + e.from().Address
		}
		return ""
	}
	return ""
}

// automatic says why a message is automatic mail (RFC 3834 and common practice).
func automatic(m *mailmsg.Message) (category, why string) {
	for _, h := range []string{"List-Id", "Mailing-List"} {
		if m.Has(h) {
			return CategoryMailingList, h + ": " + strings.TrimSpace(m.Get(h))
		}
	}
	if v := strings.ToLower(strings.TrimSpace(m.Get("Precedence"))); v == "list" {
		return CategoryMailingList, "Precedence: list"
	}
	if v := strings.ToLower(strings.TrimSpace(m.Get("Auto-Submitted"))); v != "" {
		if kw, _, _ := strings.Cut(v, ";"); strings.TrimSpace(kw) != "no" {
			return CategoryAutoReply, "Auto-Submitted: " + v
		}
	}
	for _, h := range []string{"X-Autoreply", "X-Autorespond", "X-Loop"} {
		if m.Has(h) {
			return CategoryAutoReply, h + ": " + strings.TrimSpace(m.Get(h))
		}
	}
	switch v := strings.ToLower(strings.TrimSpace(m.Get("Precedence"))); v {
	case "bulk", "junk":
		return CategoryAutoReply, "Precedence: " + v
	}
	return "", ""
}

// suppressed: X-Auto-Response-Suppress All or AutoReply asks for no automatic answer.
func suppressed(m *mailmsg.Message) bool {
	for _, v := range strings.Split(m.Get("X-Auto-Response-Suppress"), ",") {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "all", "autoreply":
			return true
		}
	}
	return false
}

// --- listing references ---

var (
	parairnosRefRe = regexp.MustCompile(`parairnos\.(?:com|cl)/[^\s"<>]*-(\d{3,})\b`)
	aaRefRe        = regexp.MustCompile(`(?i)(?:c[oó]digo\s+|\()([a-z]{1,3}\d{1,5})\b`)
	argenpropRe    = regexp.MustCompile(`argenprop\.com/[^\s"<>]*aviso--?(\d{5,})|[?&]aviso=(\d{5,})`)
	zonapropRefRe  = regexp.MustCompile(`(?i)C[ÓO]D:\s*([A-Z0-9]{3,})`)
	mlRefRe        = regexp.MustCompile(`\bMLA-?(\d{6,})`)
	airbnbThreadRe = regexp.MustCompile(`thread-(\d{6,})-|/hosting/inbox/(\d{6,})`)
	bookingResRe   = regexp.MustCompile(`(?i)(?:reservation number|confirmation number|reserva n\.?\s*[ºo°]?\.?|n[úu]mero de reserva|reserva)\s*:?\s*(\d{8,12})\b|res_id=(\d{8,12})`)
	trackerParamRe = regexp.MustCompile(`[?&]p=([A-Za-z0-9_\-+/=%]+)`)
)

// listingRef finds the portal's reference of the listing (email-inquiries.md section 3).
func (e *eval) listingRef(portalName, body string) string {
	all := e.m.Subject + "\n" + body + "\n" + strings.Join(e.m.HTMLLinks, "\n")
	first := func(re *regexp.Regexp, s string) string {
		for _, g := range re.FindAllStringSubmatch(s, -1) {
			for _, v := range g[1:] {
				if v != "" {
					return v
				}
			}
		}
		return ""
	}
	switch portalName {
	case Irnos:
		if id := first(parairnosRefRe, all); id != "" {
			return "parairnos:" + id
		}
	case AlquilerArgentina:
		if id := first(aaRefRe, all); id != "" {
			return "alquilerargentina:" + strings.ToLower(id)
		}
	case Argenprop:
		if id := first(argenpropRe, all+"\n"+decodeTrackers(all)); id != "" {
			return "argenprop:" + id
		}
	case ZonaProp:
		if id := first(zonapropRefRe, all); id != "" {
			return "zonaprop:" + id
		}
	case MercadoLibre:
		if id := first(mlRefRe, all); id != "" {
			return "mercadolibre:MLA" + id
		}
	case Airbnb:
		ids := strings.Join(append(append([]string{e.m.MessageID}, e.m.InReplyTo...), e.m.References...), " ")
		if id := first(airbnbThreadRe, ids+"\n"+all); id != "" {
			return airbnbThreadPrefix + id
		}
	case Booking:
		if id := first(bookingResRe, all); id != "" {
			e.d.BookingRef = id
			return bookingReservationLabel + id
		}
	}
	return ""
}

// decodeTrackers decodes the base64 "p" parameter of click-tracking links (Mandrill),
// which holds the real URL.
func decodeTrackers(s string) string {
	var b strings.Builder
	for _, g := range trackerParamRe.FindAllStringSubmatch(s, 8) {
		v, err := url.QueryUnescape(g[1])
		if err != nil {
			v = g[1]
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			if raw, err := enc.DecodeString(v); err == nil {
				b.Write(bytes.ReplaceAll(raw, []byte(`\/`), []byte("/")))
				b.WriteByte('\n')
				break
			}
		}
	}
	return b.String()
}
