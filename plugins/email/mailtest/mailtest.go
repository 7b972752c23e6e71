// Package mailtest runs the mail servers the e-mail channel's tests talk to: a
// throw-away Dovecot on loopback (its own config, mail dir and passwd-file users; as
// root the mail user is the packaged dovecot user, otherwise everything runs as the
// current user) and an SMTP server on loopback that records what it is given.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
)

// Dovecot is a throw-away Dovecot on loopback: no system service is touched.
type Dovecot struct {
	dir  string
	Addr string
	// TLSAddr (implicit TLS) and CAFile (the PEM that trusts the server's throw-away
	// certificate) are set by LaunchTLS; Addr then offers STARTTLS too.
	TLSAddr string
	CAFile  string
	cmd     *exec.Cmd

	mu      sync.Mutex
	userSeq int
}

// Users is how many mailboxes (u1…uN) one server has; each test takes its own.
const Users = 24

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Binary finds dovecot; without it the test skips, except in CI where .ci/run installs
// it.
func Binary(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("dovecot is not installed (.ci/run installs dovecot-imapd)")
		}
		t.Skip("dovecot is not installed (apt-get install dovecot-imapd)")
	}
	return bin
}

// Start runs a Dovecot for one test, stopped at its cleanup.
func Start(t testing.TB) *Dovecot {
	t.Helper()
	d, err := Launch(t, Binary(t))
	require.NoError(t, err)
	t.Cleanup(d.Stop)
	return d
}

// Launch runs a Dovecot the caller stops (a package's shared server).
func Launch(t testing.TB, bin string) (*Dovecot, error) { return launch(t, bin, false) }

// LaunchTLS runs a Dovecot with a self-signed certificate for 127.0.0.1 made for it:
// STARTTLS on Addr, implicit TLS on TLSAddr, the certificate in CAFile.
func LaunchTLS(t testing.TB, bin string) (*Dovecot, error) { return launch(t, bin, true) }

func launch(t testing.TB, bin string, withTLS bool) (*Dovecot, error) {
	dir, err := os.MkdirTemp("", "conserje-dovecot-")
	if err != nil {
		return nil, err
	}
	port, tlsPort := freePort(t), 0
	// As root, Dovecot refuses mail processes with UID 0: the mail user is the packaged
	// dovecot user. As anybody else, everything runs as that user.
	login, internal, mailUser, group := "", "", "", ""
	if os.Getuid() == 0 {
		login, internal, mailUser, group = "dovenull", "dovecot", "dovecot", "dovecot"
	} else {
		u, err := user.Current()
		if err != nil {
			return nil, err
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			return nil, err
		}
		login, internal, mailUser, group = u.Username, u.Username, u.Username, g.Name
	}
	for _, d := range []string{"run", "state", "mail"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil { //nolint:gosec // Dovecot's own users (dovecot, dovenull) must reach the throw-away server's files
			return nil, err
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil { //nolint:gosec // as above: a test server's directory, read by Dovecot's users
		return nil, err
	}
	var passwd strings.Builder
	for i := 1; i <= Users; i++ {
		fmt.Fprintf(&passwd, "u%d:{PLAIN}secreto%d\n", i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(passwd.String()), 0o644); err != nil {
		return nil, err
	}
	ssl, imapsSSL := "ssl = no\n", ""
	if withTLS {
		imapsSSL = "    ssl = yes\n"
		tlsPort = freePort(t)
		if err := writeCertificate(dir); err != nil {
			return nil, err
		}
		ssl = fmt.Sprintf("ssl = yes\nssl_cert = <%[1]s/cert.pem\nssl_key = <%[1]s/key.pem\nssl_min_protocol = TLSv1.2\n", dir)
	}
	conf := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
`+ssl+`disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:%[1]s/mail/%%n
first_valid_uid = 1
default_login_user = %[3]s
default_internal_user = %[4]s
default_internal_group = %[6]s
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[7]d
`+imapsSSL+`  }
  chroot =
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%n %[1]s/passwd
}
userdb {
  driver = static
  args = uid=%[5]s gid=%[6]s home=%[1]s/mail/%%n
}
`, dir, port, login, internal, mailUser, group, tlsPort)
	confPath := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	if os.Getuid() == 0 {
		if err := exec.Command("chown", "-R", mailUser+":"+group, filepath.Join(dir, "mail")).Run(); err != nil {
			return nil, fmt.Errorf("chown mail dir: %w", err)
		}
	}
	cmd := exec.Command(bin, "-F", "-c", confPath)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dovecot: %w", err)
	}
	d := &Dovecot{dir: dir, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd}
	if withTLS {
		d.TLSAddr, d.CAFile = net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort)), filepath.Join(dir, "cert.pem")
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", d.Addr, time.Second)
		if err == nil {
			c.Close()
			return d, nil
		}
		if time.Now().After(deadline) {
			d.Stop()
			logs, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			return nil, fmt.Errorf("dovecot did not listen on %s: %w\n%s", d.Addr, err, logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writeCertificate makes a throw-away self-signed certificate for 127.0.0.1 (its own CA)
// in dir/cert.pem and its key in dir/key.pem.
func writeCertificate(dir string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
}

// Stop ends the server and removes its files.
func (d *Dovecot) Stop() {
	if d == nil || d.cmd == nil || d.cmd.Process == nil {
		return
	}
	_ = d.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = d.cmd.Process.Kill()
		<-done
	}
	_ = os.RemoveAll(d.dir)
}

// NewUser hands a test its own mailbox.
func (d *Dovecot) NewUser(t testing.TB) (name, password string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.userSeq++
	require.LessOrEqual(t, d.userSeq, Users, "raise mailtest.Users")
	return "u" + strconv.Itoa(d.userSeq), "secreto" + strconv.Itoa(d.userSeq)
}

// Client is a test's own IMAP connection (to append mail and read flags).
func (d *Dovecot) Client(t testing.TB, user, password string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(d.Addr, nil)
	require.NoError(t, err)
	require.NoError(t, c.Login(user, password).Wait())
	t.Cleanup(func() { c.Close() })
	return c
}

// Append delivers raw to the INBOX.
func Append(t testing.TB, c *imapclient.Client, raw []byte) {
	t.Helper()
	cmd := c.Append("INBOX", int64(len(raw)), nil)
	_, err := cmd.Write(raw)
	require.NoError(t, err)
	require.NoError(t, cmd.Close())
	_, err = cmd.Wait()
	require.NoError(t, err)
}

// FlagsByUID reads every message's flags.
func FlagsByUID(t testing.TB, c *imapclient.Client) map[imap.UID][]imap.Flag {
	t.Helper()
	_, err := c.Select("INBOX", nil).Wait()
	require.NoError(t, err)
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	require.NoError(t, err)
	out := map[imap.UID][]imap.Flag{}
	for _, m := range msgs {
		out[m.UID] = m.Flags
	}
	return out
}

// Recorder is an SMTP server on loopback that keeps what it is given.
type Recorder struct {
	Addr string
	mu   sync.Mutex
	got  []Recorded
	ch   chan Recorded
}

// Recorded is one submitted message.
type Recorded struct {
	From string
	To   []string
	Data []byte
	At   time.Time
}

// StartRecorder runs a recorder until the test ends.
func StartRecorder(t testing.TB) *Recorder {
	t.Helper()
	r := &Recorder{ch: make(chan Recorded, 64)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &recSession{r: r}, nil }))
	srv.Domain = "localhost"
	// Quiet, not nil: go-smtp logs a connection that ends in an error through ErrorLog
	// unchecked (a nil one panicked the whole test binary when a client was still
	// connected at cleanup).
	srv.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r.Addr = l.Addr().String()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return r
}

type recSession struct {
	r    *Recorder
	from string
	to   []string
}

func (s *recSession) Reset()        { s.from, s.to = "", nil }
func (s *recSession) Logout() error { return nil }
func (s *recSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *recSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *recSession) Data(r io.Reader) error {
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return err
	}
	rec := Recorded{From: s.from, To: s.to, Data: b.Bytes(), At: time.Now()}
	s.r.mu.Lock()
	s.r.got = append(s.r.got, rec)
	s.r.mu.Unlock()
	s.r.ch <- rec
	return nil
}

// Next waits for the next message.
func (r *Recorder) Next(t testing.TB, within time.Duration) Recorded {
	t.Helper()
	select {
	case m := <-r.ch:
		return m
	case <-time.After(within):
		t.Fatalf("no mail reached the SMTP recorder within %s", within)
		return Recorded{}
	}
}
