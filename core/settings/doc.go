// Package settings edits what a host sets up: the property, its units, pricing rules,
// holidays, portal feeds and the settings that override config.yaml. Every change is
// validated, written with an audit row (who, when, what changed) and a new settings
// version (KeyVersion) in one transaction, and made effective at once: the booking catalog
// of this process is invalidated and Options.Notifier (the settings broadcast) tells every
// replica. The admin pages and the bearer API both call it, so they accept and refuse the
// same things.
package settings
