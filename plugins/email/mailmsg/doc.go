// Package mailmsg turns the raw bytes of one RFC 5322 message (what IMAP BODY[] returns)
// into what the e-mail channel reads: the decoded headers, the text of the first
// text/plain and text/html alternatives (HTML turned into lines of text, links kept),
// and, for delivery reports, what the report says about the returned message.
//
// Decoding follows docs/email-inquiries.md section 5: transfer encodings are decoded to
// bytes before the charset (quoted-printable soft breaks may split a UTF-8 sequence),
// every charset golang.org/x/text knows is read (windows-1252, ISO-8859-1 sent 8bit...),
// RFC 2047 headers are decoded, format=flowed text is joined. A broken part never fails
// the message: it is dropped and named in Message.Defects, and the parts already read
// are kept. Parse is bounded (parts, depth and bytes per part) so a hostile message
// cannot make it hang or grow without limit.
package mailmsg
