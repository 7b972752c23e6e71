// Package booking owns the money and the calendar of a property: units and the facts
// guests ask about, availability (holds, confirmed bookings, manual blocks and every
// portal's imported blocks), pricing from the pricing_rules table with the Argentine
// holiday calendar, holds (pre-reservations) that can never double-book, confirmation and
// cancellation, and the domain events that record every change of state.
//
// The Service is what the JSON API, the dialog engine and the admin call. It never trusts a
// single guard against double booking: a per-unit Locker serializes writers across
// replicas, PostgreSQL takes a transaction-scoped advisory lock per unit, and the schema's
// exclusion constraint (a trigger on SQLite) refuses any overlap that slips through.
package booking
