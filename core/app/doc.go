// Package app wires conserje together: it builds every component from the configuration,
// starts them in order (database, locks, plugins, jobs, HTTP) and stops them in reverse.
// It holds no business logic of its own.
package app
