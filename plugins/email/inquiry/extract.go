package inquiry

import (
	"regexp"
	"strings"
	"time"
)

var (
	emailRe       = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	saidRe        = regexp.MustCompile(`^(.{2,60}?)\s+(said|escribió|escribio|dijo|disse|wrote)\s*:\s*$`)
	introRe       = regexp.MustCompile(`(?i)(pregunta|mensaje|consulta|said|escribi|dijo|disse|wrote)`)
	nameLineRe    = regexp.MustCompile(`^\p{L}[\p{L}'’\-]*(?: \p{L}[\p{L}'’\-]*){0,2}$`)
	viaPortalRe   = regexp.MustCompile(`(?i)\s+(mediante|via|vía|por|a través de)\s+\S+$`)
	portalCountRe = regexp.MustCompile(`\b(\d{1,2})\s+(?:guests?|huespedes|huesped)\b`)
)

// portal handles mail from a portal's registrable domain (sections 1.4, 1.5, 2, 3).
func (e *eval) portal(p portal) Decision {
	d := &e.d
	d.Portal = p.name
	body := e.m.Body()
	f := readFields(body)
	if e.m.HTMLText != "" && body != e.m.HTMLText {
		for k, v := range readFields(e.m.HTMLText) {
			if _, ok := f[k]; !ok {
				f[k] = v
			}
		}
	}
	name := strings.TrimSpace(f[fieldName])
	email := emailRe.FindString(f[fieldEmail])
	if email == "" {
		email = e.writeToAddress(body)
	}
	phone := findPhone(f[fieldPhone])
	text := strings.TrimSpace(f[fieldMessage])
	paras := paragraphs(body)
	switch p.name {
	case ZonaProp:
		if name == "" && zonapropRelay(e.from().Address) {
			name = strings.TrimSpace(viaPortalRe.ReplaceAllString(e.from().Name, ""))
		}
	case Airbnb:
		if n, t := airbnbGuest(paras); n != "" {
			name, text = n, t
		}
	}
	if text == "" {
		if n, t := introducedText(paras); t != "" {
			text = t
			if name == "" {
				name = n
			}
		}
	}
	if p.name == Booking && bookingRelay(e.from().Address) && name == "" {
		name = e.from().Name
	}
	name = titleCase(name)
	personData := name != "" || email != "" || phone != ""
	inquirySubject := p.inquirySubject.MatchString(fold(e.m.Subject))
	if !personData && !inquirySubject {
		return e.skip(CategoryMarketing, ReasonMarketing, "no person data and not an inquiry subject from "+e.from().Address)
	}

	d.GuestName, d.GuestPhone, d.GuestPhoneE164 = name, phone, E164(phone)
	d.Text = text
	d.NewInquiry = p.name != Booking // Booking.com mail is about existing reservations
	d.ListingRef = e.listingRef(p.name, body)
	e.portalStay(p, f, body, text)
	e.portalParty(p, f, body, text)

	relayCategory := CategoryPortalInquiry
	if p.name == Airbnb || p.name == Booking {
		relayCategory = CategoryRelayMessage
	}
	to, source := "", ""
	for _, r := range e.m.ReplyTo {
		switch {
		case e.own(r.Address) || noReply(r.Address):
			continue
		case p.name == Airbnb:
			if airbnbRelay(r.Address) {
				to, source = r.Address, answerSourceRelay
			}
		case p.name == Booking:
			if bookingRelay(r.Address) {
				to, source = r.Address, answerSourceRelay
			}
		default:
			if _, isPortal := portalOf(r.Address); !isPortal {
				to, source = r.Address, answerSourceReplyTo
				if email == "" {
					email = r.Address
				}
			}
		}
		if to != "" {
			break
		}
	}
	if to == "" && p.name == Booking && bookingRelay(e.from().Address) {
		to, source = e.from().Address, answerSourceFromRelay
		email = e.from().Address
		d.GuestEmailIsRelay = true
	}
	if to == "" && email != "" && !e.own(email) && !noReply(email) {
		if _, isPortal := portalOf(email); !isPortal {
			to, source = email, answerSourceBody
		}
	}
	d.GuestEmail = strings.ToLower(email)
	if to == "" {
		return e.handoff(CategoryNoReplyPath, ReasonNoReplyPath, p.name+" notice with no address that reaches the guest: staff answer on the portal")
	}
	if suppressed(e.m) {
		return e.handoff(relayCategory, ReasonSuppressed, "X-Auto-Response-Suppress: "+e.m.Get("X-Auto-Response-Suppress"))
	}
	d.Constraints = relayConstraintsFor(source, p.name)
	reason := ReasonPortalInquiry
	if relayCategory == CategoryRelayMessage {
		reason = ReasonRelayMessage
	}
	return e.answer(relayCategory, reason, p.name+" "+relayCategory+", answer at "+source, to, source)
}

func relayConstraintsFor(source, portalName string) []string {
	if source == answerSourceRelay || source == answerSourceFromRelay {
		return relayConstraints(portalName)
	}
	return []string{}
}

var writeToRe = regexp.MustCompile(`(?i)(escribile|escribí|escribile al|respondele|contactalo|contactala|write to|reply to|email him|email her)\b[^@\n]{0,40}?([A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})`)

// writeToAddress is the guest's address a notifier names without a label ("Escribile a
// x@y para responderle", a mailto: link); never a portal's, a no-reply or our own.
func (e *eval) writeToAddress(body string) string {
	var candidates []string
	for _, g := range writeToRe.FindAllStringSubmatch(body, -1) {
		candidates = append(candidates, g[2])
	}
	for _, l := range e.m.HTMLLinks {
		if strings.HasPrefix(strings.ToLower(l), "mailto:") {
			addr, _, _ := strings.Cut(l[len("mailto:"):], "?")
			candidates = append(candidates, addr)
		}
	}
	for _, c := range candidates {
		if _, isPortal := portalOf(c); isPortal || noReply(c) || e.own(c) || !emailRe.MatchString(c) {
			continue
		}
		return c
	}
	return ""
}

// airbnbGuest reads Airbnb's layout: a paragraph "NAME\n<role or verification line>"
// followed by the guest's message.
func airbnbGuest(paras []string) (name, text string) {
	for i := 0; i+1 < len(paras); i++ {
		lines := strings.Split(paras[i], "\n")
		if len(lines) != 2 || !nameLineRe.MatchString(strings.TrimSpace(lines[0])) {
			continue
		}
		return strings.TrimSpace(lines[0]), strings.TrimSpace(paras[i+1])
	}
	return "", ""
}

// introducedText reads the paragraph after one that introduces it ("Daniela Paz said:",
// "… te ha enviado un mensaje por tu aviso …:", "Te hicieron una pregunta en …:"), without
// surrounding quotes; "<name> said:" also names the guest.
func introducedText(paras []string) (name, text string) {
	for i := 0; i+1 < len(paras); i++ {
		lines := strings.Split(paras[i], "\n")
		last := strings.TrimSpace(lines[len(lines)-1])
		if !strings.HasSuffix(last, ":") || !introRe.MatchString(last) {
			continue
		}
		if g := saidRe.FindStringSubmatch(last); g != nil {
			name = g[1]
		}
		text = strings.TrimSpace(paras[i+1])
		text = strings.TrimSpace(strings.Trim(text, `"“”«»`))
		return name, text
	}
	return "", ""
}

func (e *eval) setStay(st Stay, source string) bool {
	if st.CheckIn.IsZero() {
		return false
	}
	e.d.CheckIn = st.CheckIn.Format(time.DateOnly)
	if !st.CheckOut.IsZero() {
		e.d.CheckOut = st.CheckOut.Format(time.DateOnly)
	}
	e.d.DatesSource = source
	return true
}

// portalStay: portal fields win over the guest's text (section 3, ParaIrnos).
func (e *eval) portalStay(p portal, f fields, body, text string) {
	if v, ok := f[fieldDates]; ok {
		if st, ok := parseRangeField(v, e.ref); ok && e.setStay(st, sourcePortalFields) {
			return
		}
	}
	if in, ok := parseDate(f[fieldCheckIn], e.ref); ok && f[fieldCheckIn] != "" {
		if out, ok := parseDate(f[fieldCheckOut], in); ok && out.After(in) {
			e.setStay(Stay{CheckIn: in, CheckOut: out}, sourcePortalFields)
			return
		}
	}
	if p.name == Airbnb {
		for _, s := range []string{e.m.Subject, body} {
			if st, ok := subjectStay(s, e.ref); ok && e.setStay(st, sourcePortalFields) {
				return
			}
		}
	}
	if st, ok := textStay(fold(text), e.ref); ok {
		e.setStay(st, sourceText)
	}
}

func (e *eval) setParty(p Party) bool {
	if p.Guests <= 0 {
		return false
	}
	e.d.Guests, e.d.Adults, e.d.Children = p.Guests, p.Adults, p.Children
	return true
}

func (e *eval) portalParty(p portal, f fields, body, text string) {
	if a := atoiWord(strings.Fields(fold(f[fieldAdults]) + " x")[0]); a > 0 {
		c := atoiWord(strings.Fields(fold(f[fieldChildren]) + " x")[0])
		if f[fieldChildren] == "" {
			c = -1
		}
		party := Party{Guests: a, Adults: a, Children: c}
		if c > 0 {
			party.Guests += c
		}
		if e.setParty(party) {
			return
		}
	}
	if v, ok := f[fieldGuests]; ok && e.setParty(fieldParty(v)) {
		return
	}
	if p.name == Airbnb {
		rest := strings.Replace(body, text, "", 1)
		if g := portalCountRe.FindStringSubmatch(fold(rest)); g != nil && e.setParty(Party{Guests: atoiWord(g[1]), Adults: -1, Children: -1}) {
			return
		}
	}
	e.setParty(textParty(fold(text)))
}

// person handles mail a person wrote: a reply in one of our threads or a direct inquiry
// (sections 1.7, 1.8 and 2).
func (e *eval) person() Decision {
	d := &e.d
	thread := e.ourThread()
	text, withSignature := splitReply(e.m.Body())
	from := e.from()
	d.GuestName = strings.TrimSpace(from.Name)
	if d.GuestName == "" {
		for _, r := range e.m.ReplyTo {
			if r.Name != "" {
				d.GuestName = r.Name
				break
			}
		}
	}
	to, source := "", ""
	for _, r := range e.m.ReplyTo {
		if !e.own(r.Address) && !noReply(r.Address) {
			to, source = r.Address, answerSourceReplyTo
			break
		}
	}
	if to == "" && from.Address != "" && !noReply(from.Address) {
		to, source = from.Address, answerSourceFrom
	}
	d.GuestEmail = strings.ToLower(to)
	d.GuestPhone = findPhone(withSignature)
	d.GuestPhoneE164 = E164(d.GuestPhone)
	if text != "" {
		d.Text = text
	}
	folded := fold(text)
	if st, ok := textStay(folded, e.ref); ok {
		e.setStay(st, sourceText)
	}
	e.setParty(textParty(folded))

	category, reason, detail := CategoryDirect, ReasonDirect, "mail written by a person"
	d.NewInquiry = true
	if thread != "" {
		category, reason, detail = CategoryFollowUp, ReasonFollowUp, "reply in our thread "+thread
		d.NewInquiry = false
		d.Thread = thread
	}
	if to == "" {
		return e.handoff(category, ReasonNoReplyPath, "no address to answer")
	}
	if suppressed(e.m) {
		return e.handoff(category, ReasonSuppressed, "X-Auto-Response-Suppress: "+e.m.Get("X-Auto-Response-Suppress")+"; staff answer by hand")
	}
	return e.answer(category, reason, detail+", answer at "+source, to, source)
}
