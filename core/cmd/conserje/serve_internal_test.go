package main

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conserje/conserje/core/config"
)

func TestLogFormat(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, format string
		terminal     bool
		want         string
	}{
		{"auto on a terminal", "auto", true, "text"},
		{"auto in the journal or a container", "auto", false, "json"},
		{"json forced on a terminal", "json", true, "json"},
		{"text forced off a terminal", "text", false, "text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, logFormat(tc.format, tc.terminal))
		})
	}
}

func TestBrowserBase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, addr, public, want string }{
		{"defaults", ":8080", "", "http://localhost:8080"},
		{"another port, every address", ":9000", "", "http://localhost:9000"},
		{"all IPv4 addresses", "0.0.0.0:9000", "", "http://localhost:9000"},
		{"one address", "127.0.0.1:9001", "", "http://127.0.0.1:9001"},
		{"public URL set", ":9000", "https://reservas.example.com", "https://reservas.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := config.Default()
			cfg.HTTP.Addr = tc.addr
			if tc.public != "" {
				cfg.HTTP.PublicURL = tc.public
			}
			assert.Equal(t, tc.want, browserBase(cfg))
		})
	}
}
