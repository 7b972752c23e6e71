package secret_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/secret"
)

func TestURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, raw, want string }{
		{"userinfo password", "postgres://conserje:s3cret-pw@db:5432/conserje", "postgres://conserje:xxxxx@db:5432/conserje"},
		{"no password", "postgres://conserje@db/conserje", "postgres://conserje@db/conserje"},
		{"password query parameter", "postgres://db/conserje?sslmode=disable&password=s3cret-pw", "postgres://db/conserje?password=xxxxx&sslmode=disable"},
		{"redis", "redis://:s3cret-pw@127.0.0.1:6379/0", "redis://:xxxxx@127.0.0.1:6379/0"},
		{"bad escape in the password", "postgres://u:s3cr%et-pw@db/conserje", "postgres://u:xxxxx@db/conserje"},
		{"bad escape and a password parameter", "postgres://db/c?password=s3cr%et-pw", "postgres://db/c?password=xxxxx"},
		{"sqlite path", "./data/conserje.db", "./data/conserje.db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := secret.URL(tc.raw)
			assert.Equal(t, tc.want, got)
			assert.NotContains(t, got, "s3cr")
		})
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in string }{
		{"url.Parse error", `parse "postgres://u:s3cr%et@127.0.0.1:5432/db": invalid URL escape "%et"`},
		{"password with @", `dial postgres://u:s3cr@t@db/conserje failed`},
		{"DSN words", `connect: host=db user=u password=s3cret dbname=c`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.NotContains(t, secret.Text(tc.in), "s3cr")
		})
	}
}

func TestParseURLNeverQuotesTheURL(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"postgres://u:s3cr%et@db/conserje",
		"postgres://u:s3cr%zz@db:5432/conserje",
		"postgres://u:s3cret@db:54x2/conserje",
		"postgres://u:s3cret@d b/conserje",
	} {
		t.Run(raw, func(t *testing.T) {
			t.Parallel()
			_, err := secret.ParseURL(raw)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "s3c")
		})
	}
	u, err := secret.ParseURL("postgres://u:p%25ss@db/c")
	require.NoError(t, err)
	pw, _ := u.User.Password()
	assert.Equal(t, "p%ss", pw)
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, pw string
		ok       bool
	}{{"one character", "a", false}, {"nine", "123456789", false}, {"ten", "1234567890", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := secret.CheckPassword(tc.pw)
			assert.Equal(t, tc.ok, err == nil, err)
		})
	}
}
