package parsecmd

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/conserje/conserje/plugins/email/inquiry"
)

// MaxMessageBytes bounds what parse reads.
const MaxMessageBytes = 32 << 20

type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	*s = append(*s, strings.ToLower(strings.TrimSpace(v)))
	return nil
}

// Run runs "parse" with its arguments and returns the exit code: 0 done, 2 usage error,
// 1 the file could not be read.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var own stringList
	fs.Var(&own, "own", "one of our addresses (repeatable): mail from it is never answered")
	now := fs.String("now", "", "reference instant (RFC 3339) when the message has no Date")
	authserv := fs.String("authserv-id", "", "authserv-id of our own MX; other Authentication-Results are not trusted")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: email parse FILE.eml [--own ADDR]... [--now RFC3339] [--authserv-id ID]")
		fs.PrintDefaults()
	}
	// Flags may come before or after the file.
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		fs.Usage()
		return 2
	}
	cfg := inquiry.Config{Own: own, AuthservID: *authserv}
	if *now != "" {
		t, err := time.Parse(time.RFC3339, *now)
		if err != nil {
			fmt.Fprintf(stderr, "parse: --now %q: %v\n", *now, err)
			return 2
		}
		cfg.Now = t
	}
	raw, err := readMessage(files[0], stdin)
	if err != nil {
		fmt.Fprintln(stderr, "parse:", err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(inquiry.Decide(raw, cfg)); err != nil {
		fmt.Fprintln(stderr, "parse:", err)
		return 1
	}
	return 0
}

var errTooLarge = errors.New("message larger than 32 MiB")

func readMessage(name string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("read message: %w", err)
		}
		defer f.Close()
		r = f
	}
	raw, err := io.ReadAll(io.LimitReader(r, MaxMessageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read message %s: %w", name, err)
	}
	if len(raw) > MaxMessageBytes {
		return nil, fmt.Errorf("%s: %w", name, errTooLarge)
	}
	return raw, nil
}
