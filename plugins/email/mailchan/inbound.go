package mailchan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/conserje/conserje/plugins/email/inquiry"
	"github.com/conserje/conserje/sdk/channel"
)

// toInbound turns a decision into what the core gets: a guest message for the dialog
// (answer), or the same with a Notice (handoff, skip, bounce).
func toInbound(d inquiry.Decision, mailbox string, cur cursor, received time.Time) channel.InboundMessage {
	id := d.MessageID
	if id == "" {
		// Without a Message-ID the UID is the only stable id of the message.
		id = fmt.Sprintf("<uid.%d.%d@%s>", cur.validity, cur.uid, mailbox[strings.LastIndexByte(mailbox, '@')+1:])
	}
	from := d.AnswerTo
	if from == "" {
		from = d.GuestEmail
	}
	text := d.Text
	if text == "" && d.Decision == inquiry.Answer {
		text = d.Subject
	}
	m := channel.InboundMessage{
		ExternalID: id,
		From:       from,
		FromName:   d.GuestName,
		To:         mailbox,
		Thread:     d.Thread,
		ReplyTo:    d.Thread,
		ReceivedAt: received,
		Type:       channel.TypeText,
		Text:       text,
		Subject:    d.Subject,
		Cursor:     cur.String(),
		Metadata:   metadata(d),
		Mail:       &channel.MailHeaders{MessageID: d.MessageID, InReplyTo: d.InReplyTo, References: d.References},
	}
	if len(d.Constraints) > 0 {
		m.Constraints = slices.Clone(d.Constraints)
	}
	if d.NewInquiry && d.Decision == inquiry.Answer && (d.CheckIn != "" || d.Guests > 0) {
		// Portal fields (or the dates read from the words): the conversation starts with
		// them filled, so the first answer is the offer.
		m.Form = &channel.Form{CheckIn: d.CheckIn, CheckOut: d.CheckOut, Guests: max(d.Guests, 0)}
	}
	switch {
	case d.Category == inquiry.CategoryBounce:
		m.Notice = &channel.Notice{Kind: channel.NoticeBounce, Reason: d.Reason, Category: d.Category,
			FailedMessageID: d.FailedMessageID, FailedRecipient: d.FailedRecipient}
		m.From, m.Text = "", ""
	case d.Decision == inquiry.Skip:
		m.Notice = &channel.Notice{Kind: channel.NoticeSkip, Reason: d.Reason, Category: d.Category}
		m.From, m.Text = "", ""
	case d.Decision == inquiry.Handoff:
		m.Notice = &channel.Notice{Kind: channel.NoticeHandoff, Reason: d.Reason, Category: d.Category}
		if d.Category == inquiry.CategoryPhishing {
			// Never a conversation with a spoofed sender.
			m.From = ""
		}
	}
	return m
}

// metadata carries what the core may show staff and pre-fill: portal fields, relay
// constraints, the reason.
func metadata(d inquiry.Decision) map[string]string {
	md := map[string]string{"decision": d.Decision, "category": d.Category, "reason": d.Reason}
	set := func(k, v string) {
		if v != "" {
			md[k] = v
		}
	}
	set("portal", d.Portal)
	set("constraints", strings.Join(d.Constraints, ","))
	set("guest_email", d.GuestEmail)
	set("guest_phone", d.GuestPhone)
	set("guest_phone_e164", d.GuestPhoneE164)
	set("check_in", d.CheckIn)
	set("check_out", d.CheckOut)
	set("dates_source", d.DatesSource)
	set("listing_ref", d.ListingRef)
	set("booking_ref", d.BookingRef)
	set("answer_source", d.AnswerSource)
	if d.Guests > 0 {
		md["guests"] = strconv.Itoa(d.Guests)
	}
	if d.NewInquiry {
		md["new_inquiry"] = "true"
	}
	if len(d.Defects) > 0 {
		md["mime_defects"] = strings.Join(d.Defects, "; ")
	}
	return md
}
