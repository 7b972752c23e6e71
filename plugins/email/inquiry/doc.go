// Package inquiry decides what the e-mail channel does with one inbound message and
// extracts the guest's request from it, as docs/email-inquiries.md says: own address,
// bounce, look-alike or spoofed portal, known portal inquiry, portal marketing,
// automatic mail, reply in one of our threads, reply path, in that order. Every outcome
// carries a reason; nothing vanishes.
//
// Decide needs no network and no clock: the reference instant is the message's Date
// (Config.Now when it has none), read in America/Argentina/Buenos_Aires, and what counts
// as "ours" (addresses, Message-IDs, the authserv-id of our own MX) comes from Config.
//
// The extraction here serves the channel's decision and the staff's view of a lead:
// portal form fields (which win over free text), the guest's e-mail and phone (E.164
// when the written form fixes mobile or landline), stay dates and head count by the
// rules of docs/nlu-spec.md, the listing reference and the guest's own words (portal
// boilerplate, quoted history, signatures and device footers removed). The dialog still
// runs the core's NLU on the guest's words; plugins may import only the sdk, so the
// subset of nlu-spec.md needed for e-mail lives in this package.
package inquiry
