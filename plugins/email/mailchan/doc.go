// Package mailchan is the e-mail channel the plugin serves: it watches one IMAP mailbox
// (TLS or STARTTLS, IDLE with a poll every PollInterval as fallback, reconnecting with
// backoff), decides on every new message with package inquiry, streams the outcome to
// the core (Receive), marks a message processed on the server (a keyword) only when the
// core acknowledges it (Ack), and answers through package outgoing (Send), threaded on the
// headers the core stored with the mail and passes back (the plugin keeps no thread state,
// so a restart loses none).
//
// Cursors are "UIDVALIDITY:UID" of the last message the core stored; a restart resumes
// after it, and a changed UIDVALIDITY (the mailbox was rebuilt) falls back to the
// messages without the processed keyword. The core dedupes on the Message-ID, so a
// message moved between folders is never answered twice.
package mailchan
