// Package calendar owns conserje's side of the iCal hub between portals.
//
// Import: the calendar_feeds of each unit (a portal's export URL, its platform profile,
// priority, enabled, end_inclusive), the Syncer that fetches every enabled feed through
// the calendar plugin (a FeedFetcher) and turns the normalized blocks into
// imported_blocks rows — inserting new stays, moving changed ones, removing vanished
// ones, keeping the previous import when a fetch is rejected, and holding mass removals
// (rule R12) until N consecutive fetches or staff confirm them — and the conflicts raised
// when an imported block collides with an active hold or a confirmed reservation (a
// calendar_conflicts row for staff, a domain event, a metric). RegisterSyncJob puts the
// Syncer on the periodic runner (every 15 minutes by default).
//
// Export: the per-unit, per-portal feeds conserje publishes (export*.go): tokens, the
// .ics rendering and the record of every fetch.
//
// Normalizing .ics bodies is not here: it is the plugin's job (plugins/ical/icsnorm).
package calendar
