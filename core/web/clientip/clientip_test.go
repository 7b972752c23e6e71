package clientip_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/web/clientip"
)

func TestResolve(t *testing.T) {
	r, err := clientip.New([]string{"172.16.0.0/12", "10.0.0.2", "::1"})
	require.NoError(t, err)
	cases := []struct {
		name      string
		remote    string
		forwarded []string
		want      string
	}{
		{"direct client, header ignored", "203.0.113.9", []string{"198.51.100.1"}, "203.0.113.9"},
		{"through the proxy", "172.18.0.5", []string{"203.0.113.9"}, "203.0.113.9"},
		{"a client cannot choose its address", "172.18.0.5", []string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"a forged header line before the proxy's", "172.18.0.5", []string{"1.2.3.4", "203.0.113.9"}, "203.0.113.9"},
		{"two trusted proxies in a row", "10.0.0.2", []string{"6.6.6.6, 203.0.113.9, 172.20.0.1"}, "203.0.113.9"},
		{"garbage ends the walk", "172.18.0.5", []string{"1.2.3.4, not-an-ip, 172.20.0.1"}, "172.20.0.1"},
		{"no header from the proxy", "172.18.0.5", nil, "172.18.0.5"},
		{"addresses with ports", "172.18.0.5", []string{"[2001:db8::1]:4711"}, "2001:db8::1"},
		{"IPv4-mapped remote", "::ffff:172.18.0.5", []string{"203.0.113.9"}, "203.0.113.9"},
		{"IPv6 loopback proxy", "::1", []string{"203.0.113.9"}, "203.0.113.9"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := r.Resolve(netip.MustParseAddr(tc.remote), tc.forwarded)
			assert.Equal(t, tc.want, got.String())
		})
	}

	t.Run("no trusted proxies never reads the header", func(t *testing.T) {
		none, err := clientip.New(nil)
		require.NoError(t, err)
		assert.Equal(t, "172.18.0.5", none.Resolve(netip.MustParseAddr("172.18.0.5"), []string{"203.0.113.9"}).String())
	})
	t.Run("bad entries are refused", func(t *testing.T) {
		_, err := clientip.New([]string{"caddy"})
		require.ErrorIs(t, err, clientip.ErrBadProxy)
	})
}
