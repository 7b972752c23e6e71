// Package dialog owns the conversation engine: it turns a guest's message and the
// conversation's state into replies by running the flows, slots and settings of the YAML
// dialog (core/dialog/spec) with the message templates of locales/ (go-i18n). The engine
// does no I/O itself: understanding comes through an Understander, side effects through
// the actions of a namespaced Registry, and the state is a value the caller stores. The
// Reloader rebuilds the engine when dialogs or locales change on disk, keeping the last
// good version when an edit is broken.
package dialog
