package pluginhost

import "errors"

var (
	// ErrPluginDown means the plugin is not up (starting, restarting after a crash, or down
	// after spending its crash budget); the call was not attempted, or the process died
	// during it. Callers retry later or degrade (e.g. answer without the voice note).
	ErrPluginDown = errors.New("plugin down")
	// ErrUnknownPlugin means no plugin is configured under that name.
	ErrUnknownPlugin = errors.New("unknown plugin")
	// ErrWrongKind means the plugin is not of the kind the accessor serves.
	ErrWrongKind = errors.New("plugin is of another kind")
	// ErrBusy means the plugin already has MaxConcurrency calls in flight; the call was not
	// attempted. It comes wrapped with plugin.ErrRateLimited: retry later.
	ErrBusy = errors.New("plugin busy")
)
