// Package broadcast makes a settings change effective at once on every replica. The
// replica that made the change drops its caches before answering and publishes a hint on
// Redis (channel Channel); every other replica, on the hint, reads the settings version
// (settings.KeyVersion) and drops its caches when it changed. Hints carry no data and may
// be lost (Redis restarting, a replica reconnecting), so each replica also reads the
// version every Options.Check (1 s) and right after its subscription is re-established:
// a missed hint delays a change by at most that long. Without Redis the version check
// alone covers changes made by the CLI in another process.
package broadcast
