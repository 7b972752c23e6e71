// Package icalsource is the calendar plugin's implementation of calendar.Plugin: it
// fetches a feed over HTTP (timeout, size cap, conditional requests with ETag and
// Last-Modified, bounded redirects, clear errors for HTTP statuses) and normalizes the
// body with icsnorm, mapping icsnorm's rejections and blocks onto the SDK's types.
package icalsource
