package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/conserje/conserje/plugins/ical/icsnorm"
)

// calendarSubcommands lets other files attach subcommands to `conserje calendar`
// (calendar_export.go adds export-urls) by appending in their init.
var calendarSubcommands []func(*globalFlags) *cobra.Command

func init() {
	register("calendar", func(g *globalFlags) *cobra.Command {
		cmd := &cobra.Command{
			Use:   "calendar",
			Short: "Import portals' iCal feeds: add feeds, sync them, parse a file",
		}
		cmd.AddCommand(newCalendarParseCmd())
		for _, sub := range calendarSubcommands {
			cmd.AddCommand(sub(g))
		}
		return cmd
	})
}

// parsedBlock is one line of `calendar parse` output.
type parsedBlock struct {
	UID       string       `json:"uid"`
	Start     string       `json:"start"`
	End       string       `json:"end"`
	Kind      icsnorm.Kind `json:"kind"`
	Tentative bool         `json:"tentative"`
}

func newCalendarParseCmd() *cobra.Command {
	var (
		platform     string
		endInclusive bool
		tz           string
		now          string
	)
	cmd := &cobra.Command{
		Use:   "parse [--platform P] [--end-inclusive] [--tz ZONE] FILE",
		Short: "Print the nights an .ics file blocks, one JSON object per line",
		Long: "Normalizes FILE with the import rules (R1-R18) and the platform's profile, without a\n" +
			"database or plugin, and prints {\"uid\",\"start\",\"end\",\"kind\",\"tentative\"} per block.\n" +
			"Warnings go to stderr. A rejected file (not iCalendar, truncated) exits 1.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := icsnorm.ParsePlatform(platform)
			if err != nil {
				return exitError{code: 2, msg: "calendar parse: " + err.Error()}
			}
			loc, err := time.LoadLocation(tz)
			if err != nil {
				return exitError{code: 2, msg: fmt.Sprintf("calendar parse: --tz %q: %v", tz, err)}
			}
			opts := icsnorm.Options{Platform: p, EndInclusive: endInclusive, Location: loc, FeedID: "file:" + args[0]}
			if now != "" {
				t, err := time.Parse(time.RFC3339, now)
				if err != nil {
					return exitError{code: 2, msg: fmt.Sprintf("calendar parse: --now %q: want RFC 3339 (2026-12-01T12:00:00-03:00)", now)}
				}
				opts.Now = t
			}
			body, err := os.ReadFile(args[0])
			if err != nil {
				return exitError{code: 1, msg: "calendar parse: " + err.Error()}
			}
			res, err := icsnorm.Normalize(body, opts)
			if err != nil {
				if icsnorm.IsRejection(err) {
					return exitError{code: 1, msg: fmt.Sprintf("calendar parse: %s rejected (%s): %v; an import would keep the previous blocks", args[0], icsnorm.RejectionCode(err), err)}
				}
				return exitError{code: 1, msg: "calendar parse: " + err.Error()}
			}
			for _, w := range res.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w.String())
			}
			enc := json.NewEncoder(cmd.OutOrStdout())
			for _, b := range res.Blocks {
				if err := enc.Encode(parsedBlock{UID: b.UID, Start: b.Start.String(), End: b.End.String(), Kind: b.Kind, Tentative: b.Tentative}); err != nil {
					return err
				}
			}
			return nil
		},
	}
	names := make([]string, 0, len(icsnorm.Platforms))
	for _, p := range icsnorm.Platforms {
		names = append(names, string(p))
	}
	cmd.Flags().StringVar(&platform, "platform", "generic", "profile of the feed's producer: "+strings.Join(names, ", "))
	cmd.Flags().BoolVar(&endInclusive, "end-inclusive", false, "the feed's end date is the last night, not the checkout day")
	cmd.Flags().StringVar(&tz, "tz", icsnorm.DefaultTimezone, "the property's IANA time zone")
	cmd.Flags().StringVar(&now, "now", "", "reference time for the recurrence horizon (RFC 3339; default: the clock)")
	return cmd
}
