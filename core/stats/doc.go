// Package stats owns the business figures read from the database: the booking funnel
// (conversations started → offers → holds → holds expired → paid → confirmed), the
// fallback and handoff rates, and the calendar feeds' freshness and conflicts. The same
// queries feed `conserje stats` (for hosts without Prometheus) and a Prometheus collector,
// so every replica — and the CLI — reports the same numbers, whoever did the work.
package stats
