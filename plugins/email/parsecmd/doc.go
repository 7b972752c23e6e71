// Package parsecmd is the e-mail plugin's command for people:
//
//	email parse FILE.eml [--own ADDR]... [--now RFC3339] [--authserv-id ID]
//
// prints what the channel would do with the message as one JSON object (decision,
// reason, answer_to, portal, new_inquiry, constraints, the guest's data, stay, guests,
// text, the threading headers of our answer...). "-" reads the message from stdin.
package parsecmd
