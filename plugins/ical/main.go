// Command ical is conserje's calendar plugin: it fetches iCal feeds (Airbnb, Booking.com,
// Vrbo, Google Calendar, any portal) and returns the nights they block, normalized by
// the import rules of docs/ical-import.md.
//
// Build it with `go build -o bin/plugins/ical ./plugins/ical` (make build does) and list
// it under plugins: in config.yaml.
package main

import (
	"github.com/conserje/conserje/plugins/ical/icalsource"
	"github.com/conserje/conserje/sdk"
)

func main() {
	sdk.ServeCalendar(icalsource.New())
}
