// Package receptionist wires the bot's dialog once for every entry point: `serve`,
// `conserje chat` and `conserje dialog test` build their receptionist here, so the
// terminal and the story replays run what guests get — the built-in actions on the booking
// engine (with payment links when a payment plugin is configured, the longest stay of
// booking.max_nights), the NLU trained from the dialog's intents with the holiday calendar
// of the database (host edits of the holidays table included, retrained by
// RefreshHolidays when they change), and the dialog reloader.
package receptionist
