package clientip

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// localsKey is where Middleware leaves the resolved address.
const localsKey = "clientip"

// ErrBadProxy is a trusted_proxies entry that is neither an address nor a CIDR range.
var ErrBadProxy = errors.New("clientip: not an IP address or CIDR range")

// Resolver finds the client address of requests given the trusted proxies.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a Resolver trusting proxies, each an address ("10.0.0.2") or a range
// ("172.16.0.0/12"). No proxies: X-Forwarded-For is never read.
func New(proxies []string) (*Resolver, error) {
	r := &Resolver{}
	for _, p := range proxies {
		p = strings.TrimSpace(p)
		if pre, err := netip.ParsePrefix(p); err == nil {
			r.trusted = append(r.trusted, pre.Masked())
			continue
		}
		a, err := netip.ParseAddr(p)
		if err != nil {
			return nil, fmt.Errorf("%w: %q", ErrBadProxy, p)
		}
		a = a.Unmap()
		r.trusted = append(r.trusted, netip.PrefixFrom(a, a.BitLen()))
	}
	return r, nil
}

// Trusted reports whether a is one of the trusted proxies.
func (r *Resolver) Trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Resolve returns the client address of a connection from remote carrying the
// X-Forwarded-For values forwarded (in header order): remote itself unless it is a
// trusted proxy; otherwise, reading the list from the right, the first entry that is not a
// trusted proxy (or the last readable one when every hop is trusted). An unreadable entry
// ends the walk: everything left of it was written by the client.
func (r *Resolver) Resolve(remote netip.Addr, forwarded []string) netip.Addr {
	addr := remote.Unmap()
	if len(r.trusted) == 0 || !r.Trusted(addr) {
		return addr
	}
	var hops []string
	for _, v := range forwarded {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		addr = a
		if !r.Trusted(a) {
			break
		}
	}
	return addr
}

// parseHop reads one X-Forwarded-For entry: an address, possibly with a port.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

// Middleware resolves each request's client address once; handlers read it with Of.
func (r *Resolver) Middleware() fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Locals(localsKey, r.Of(c).String())
		return c.Next()
	}
}

// Of resolves the client address of c.
func (r *Resolver) Of(c *fiber.Ctx) netip.Addr {
	remote, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	var forwarded []string
	if len(r.trusted) > 0 {
		c.Context().Request.Header.VisitAll(func(k, v []byte) {
			if strings.EqualFold(string(k), fiber.HeaderXForwardedFor) {
				forwarded = append(forwarded, string(v))
			}
		})
	}
	return r.Resolve(remote, forwarded)
}

// From returns the client address Middleware resolved for c (a string that outlives the
// request safely), or the connection's address when the middleware did not run.
func From(c *fiber.Ctx) string {
	if s, ok := c.Locals(localsKey).(string); ok {
		return s
	}
	return c.Context().RemoteIP().String()
}
