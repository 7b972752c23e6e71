// Package loadtest is conserje's load tool (`conserje loadtest`): it drives a running
// `conserje serve` with web-chat conversations, signed WhatsApp webhooks or holds through
// the booking API, at an open-model arrival rate (new arrivals start on schedule whether
// or not earlier ones finished) for a bounded duration, and reports latency percentiles,
// error counts by kind and arrivals dropped when too many were in flight. Runs are bounded
// (rate, duration, concurrency) and refuse a non-loopback target unless told otherwise.
package loadtest
