package mailchan

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/conserje/conserje/plugins/email/outgoing"
	"github.com/conserje/conserje/sdk/plugin"
)

// Settings are the plugin's settings (config.yaml plugins: email: settings:).
type Settings struct {
	IMAPAddr     string `json:"imap_addr"`
	IMAPSecurity string `json:"imap_security"`
	IMAPUsername string `json:"imap_username"`
	IMAPPassword string `json:"imap_password"`
	Mailbox      string `json:"mailbox"`
	SMTPAddr     string `json:"smtp_addr"`
	SMTPSecurity string `json:"smtp_security"`
	SMTPUsername string `json:"smtp_username"`
	SMTPPassword string `json:"smtp_password"`
	// From is the answers' From, e.g. "Complejo Los Robles <reservas@example.com>".
	From string `json:"from"`
	// OwnAddresses are the host's other addresses, comma-separated (From is always own).
	OwnAddresses string `json:"own_addresses"`
	AuthservID   string `json:"authserv_id"`
	PollSeconds  int    `json:"poll_seconds"`
	Keyword      string `json:"processed_keyword"`
	// MaxPerCorrespondent caps automatic answers to one address per 24 h.
	MaxPerCorrespondent int `json:"max_per_correspondent"`
	// CoalesceMillis gathers the texts of one turn into one e-mail.
	CoalesceMillis int `json:"coalesce_ms"`
	// BackfillHours: with no cursor yet, only mail this recent is read.
	BackfillHours int `json:"backfill_hours"`
	// TLSCAFile is a PEM file of the authorities the IMAP and SMTP servers' certificates
	// are checked against instead of the system's (a server with its own CA); the
	// certificate is always checked.
	TLSCAFile string `json:"tls_ca_file"`
}

// Defaults.
const (
	DefaultPoll                = 60 * time.Second
	DefaultKeyword             = "$ConserjeDone"
	DefaultMaxPerCorrespondent = 5
	// DefaultCoalesce is no wait: the core writes one letter per answered mail.
	DefaultCoalesce = 0
	DefaultBackfill = 48 * time.Hour
)

// SettingsSchema is the JSON Schema of Settings.
var SettingsSchema json.RawMessage = plugin.SettingsSchema(
	plugin.Setting{Name: "imap_addr", Description: "IMAP server host:port (993 TLS, 143 STARTTLS)", Required: true, MinLength: 3},
	plugin.Setting{Name: "imap_security", Description: "tls, starttls, or none (loopback only)", Enum: []string{"tls", "starttls", "none"}, Default: "tls"},
	plugin.Setting{Name: "imap_username", Required: true, MinLength: 1},
	plugin.Setting{Name: "imap_password", Required: true, Secret: true},
	plugin.Setting{Name: "mailbox", Description: "the folder to watch", Default: "INBOX"},
	plugin.Setting{Name: "smtp_addr", Description: "SMTP submission host:port (587 STARTTLS, 465 TLS)", Required: true, MinLength: 3},
	plugin.Setting{Name: "smtp_security", Enum: []string{"tls", "starttls", "none"}, Default: "starttls"},
	plugin.Setting{Name: "smtp_username"},
	plugin.Setting{Name: "smtp_password", Secret: true},
	plugin.Setting{Name: "from", Description: "From of the answers, e.g. Complejo Los Robles <reservas@example.com>", Required: true, MinLength: 3},
	plugin.Setting{Name: "own_addresses", Description: "the host's other addresses, comma-separated: never answered"},
	plugin.Setting{Name: "authserv_id", Description: "authserv-id of our own MX in Authentication-Results"},
	plugin.Setting{Name: "poll_seconds", Type: "integer", Description: "poll even while IDLE this often", Default: 60},
	plugin.Setting{Name: "processed_keyword", Description: "IMAP keyword marking processed mail", Default: DefaultKeyword},
	plugin.Setting{Name: "max_per_correspondent", Type: "integer", Description: "automatic answers to one address per 24 h", Default: DefaultMaxPerCorrespondent},
	plugin.Setting{Name: "coalesce_ms", Type: "integer", Description: "texts to one address sent within this window go as one e-mail (0: none; the core already writes one letter per answered mail)", Default: 0},
	plugin.Setting{Name: "backfill_hours", Type: "integer", Description: "without a cursor, read only mail this recent", Default: 48},
	plugin.Setting{Name: "tls_ca_file", Description: "PEM file of the certificate authorities the IMAP and SMTP servers are checked against (default: the system's)"},
)

// config is Settings validated.
type config struct {
	Settings
	from     mail.Address
	own      []string
	poll     time.Duration
	coalesce time.Duration
	backfill time.Duration
	// roots are the authorities of tls_ca_file (nil: the system's).
	roots *x509.CertPool
}

func parseSettings(raw map[string]any) (config, error) {
	var s Settings
	if err := plugin.DecodeSettings(raw, &s); err != nil {
		return config{}, err
	}
	bad := func(format string, args ...any) (config, error) {
		return config{}, fmt.Errorf("%w: "+format, append([]any{plugin.ErrInvalidSettings}, args...)...)
	}
	c := config{Settings: s}
	if c.Mailbox == "" {
		c.Mailbox = "INBOX"
	}
	if c.IMAPSecurity == "" {
		c.IMAPSecurity = outgoing.SecurityTLS
	}
	if c.SMTPSecurity == "" {
		c.SMTPSecurity = outgoing.SecurityStartTLS
	}
	for name, addr := range map[string]string{"imap_addr": c.IMAPAddr, "smtp_addr": c.SMTPAddr} {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return bad("%s %q is not host:port", name, addr)
		}
		sec := c.IMAPSecurity
		if name == "smtp_addr" {
			sec = c.SMTPSecurity
		}
		if sec == outgoing.SecurityNone && !outgoing.Loopback(host) {
			return bad("%s: security none is only for a server on loopback", name)
		}
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return bad("from %q: %v", c.From, err)
	}
	c.from = *from
	c.own = []string{strings.ToLower(from.Address)}
	for _, a := range strings.Split(c.OwnAddresses, ",") {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			if _, err := mail.ParseAddress(a); err != nil {
				return bad("own_addresses: %q: %v", a, err)
			}
			c.own = append(c.own, a)
		}
	}
	c.poll = time.Duration(c.PollSeconds) * time.Second
	if c.PollSeconds <= 0 {
		c.poll = DefaultPoll
	}
	if c.Keyword == "" {
		c.Keyword = DefaultKeyword
	}
	if c.MaxPerCorrespondent <= 0 {
		c.MaxPerCorrespondent = DefaultMaxPerCorrespondent
	}
	c.coalesce = time.Duration(c.CoalesceMillis) * time.Millisecond
	if c.CoalesceMillis <= 0 {
		c.coalesce = DefaultCoalesce
	}
	c.backfill = time.Duration(c.BackfillHours) * time.Hour
	if c.BackfillHours <= 0 {
		c.backfill = DefaultBackfill
	}
	if c.TLSCAFile != "" {
		pemData, err := os.ReadFile(c.TLSCAFile)
		if err != nil {
			return bad("tls_ca_file: %v", err)
		}
		c.roots = x509.NewCertPool()
		if !c.roots.AppendCertsFromPEM(pemData) {
			return bad("tls_ca_file %s: no PEM certificate in it", c.TLSCAFile)
		}
	}
	return c, nil
}

// tlsConfig is how the plugin checks a mail server's certificate: against tls_ca_file's
// authorities or the system's, for the host of addr.
func (c config) tlsConfig(addr string) *tls.Config {
	host, _, _ := net.SplitHostPort(addr)
	return &tls.Config{ServerName: host, RootCAs: c.roots, MinVersion: tls.VersionTLS12}
}
