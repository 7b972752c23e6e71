// Package clientip decides which address a request comes from, for rate limits, logs and
// feed fetch records.
//
// Behind a reverse proxy every connection comes from the proxy, and the client's address
// is in X-Forwarded-For. That header is a list each proxy appends to, and a client can
// send it already filled in: only the entries added by proxies we trust are facts. So the
// client address is the right-most entry that is not itself a trusted proxy, reading only
// when the connection comes from a trusted proxy; a client cannot choose its address by
// sending the header itself.
package clientip
