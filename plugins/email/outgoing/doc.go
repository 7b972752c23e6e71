// Package outgoing writes and submits the e-mail channel's answers (docs/email-inquiries.md
// section 6): threaded (In-Reply-To, References, "Re:" once, a Message-ID of our own
// domain), marked Auto-Submitted: auto-replied, multipart text + HTML from the same text,
// redacted to what the relay allows (Airbnb: no links, phones, e-mail addresses), and
// handed to an SMTP submission server (STARTTLS or TLS, AUTH PLAIN) with go-smtp.
package outgoing
