package outgoing

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Security of a connection to a mail server.
const (
	SecurityTLS      = "tls"      // implicit TLS (SMTPS 465, IMAPS 993)
	SecurityStartTLS = "starttls" // STARTTLS upgrade (submission 587, IMAP 143)
	// SecurityNone is plain text: for a server on loopback only (tests, a local relay).
	SecurityNone = "none"
)

// ErrInsecure refuses plain text to a server that is not on loopback.
var ErrInsecure = errors.New("plain-text mail connection outside loopback refused")

// SMTP submits messages to one submission server.
type SMTP struct {
	Addr     string // host:port
	Security string
	Username string
	Password string
	// TLSConfig overrides the default (ServerName from Addr).
	TLSConfig *tls.Config
	Timeout   time.Duration
}

// Submit sends raw from "from" to the recipients.
func (s SMTP) Submit(ctx context.Context, from string, to []string, raw []byte) error {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("smtp address %q: %w", s.Addr, err)
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	cfg := s.TLSConfig
	if cfg == nil {
		cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	dialer := &net.Dialer{Timeout: timeout}
	var c *smtp.Client
	switch s.Security {
	case SecurityTLS:
		conn, err := tls.DialWithDialer(dialer, "tcp", s.Addr, cfg)
		if err != nil {
			return fmt.Errorf("smtp dial %s: %w", s.Addr, err)
		}
		c = smtp.NewClient(conn)
	case SecurityStartTLS, "":
		conn, err := dialer.DialContext(ctx, "tcp", s.Addr)
		if err != nil {
			return fmt.Errorf("smtp dial %s: %w", s.Addr, err)
		}
		c, err = smtp.NewClientStartTLS(conn, cfg)
		if err != nil {
			return fmt.Errorf("smtp starttls %s: %w", s.Addr, err)
		}
	case SecurityNone:
		if !Loopback(host) {
			return fmt.Errorf("smtp %s: %w", s.Addr, ErrInsecure)
		}
		conn, err := dialer.DialContext(ctx, "tcp", s.Addr)
		if err != nil {
			return fmt.Errorf("smtp dial %s: %w", s.Addr, err)
		}
		c = smtp.NewClient(conn)
	default:
		return fmt.Errorf("smtp security %q: want tls, starttls or none", s.Security)
	}
	defer c.Close()
	if deadline, ok := ctx.Deadline(); ok {
		c.CommandTimeout = time.Until(deadline)
		c.SubmissionTimeout = time.Until(deadline)
	}
	if s.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.Username, s.Password)); err != nil {
			return fmt.Errorf("smtp auth as %s: %w", s.Username, err)
		}
	}
	if err := c.SendMail(from, to, bytes.NewReader(raw)); err != nil {
		return fmt.Errorf("smtp send to %v: %w", to, err)
	}
	if err := c.Quit(); err != nil {
		return fmt.Errorf("smtp quit: %w", err)
	}
	return nil
}

// Loopback says whether host names this machine.
func Loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
