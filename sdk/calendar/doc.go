// Package calendar is the contract of calendar plugins: fetch an iCal feed (with
// ETag/Last-Modified) or parse a body already in hand, and return the normalized blocked
// date ranges. The core's calendar sync is the caller; plugins/ical is the implementation.
package calendar
