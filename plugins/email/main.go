// Command email is conserje's e-mail channel: it watches the host's mailbox over IMAP,
// answers portal inquiries and guests' replies through SMTP, and never answers machines
// or itself (docs/email-inquiries.md).
//
// Run by a person, "email parse FILE.eml [--own ADDR]... [--now RFC3339]" prints what the
// channel would do with one message as a JSON object.
package main

import (
	"os"

	"github.com/conserje/conserje/plugins/email/mailchan"
	"github.com/conserje/conserje/plugins/email/parsecmd"
	"github.com/conserje/conserje/sdk"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "parse" {
		os.Exit(parsecmd.Run(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	sdk.ServeChannel(mailchan.New(sdk.Logger()))
}
