// Package admin owns the staff admin at /admin: a small, mobile-first, server-rendered site
// where staff log in, see what needs them (escalated conversations, calendar conflicts,
// holds about to lapse, failing feeds) and act in two clicks (confirm a payment, extend a
// hold, cancel, take over or release a conversation). Sessions are cookie-based with a
// CSRF token per session; every guest-provided text is escaped by html/template.
//
// Handlers live in <entity>_<action>.go files.
package admin
