package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/pluginhost"
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
		cmd.AddCommand(newCalendarParseCmd(), newCalendarAddFeedCmd(g), newCalendarSyncCmd(g))
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
			if res.Partial {
				fmt.Fprintln(cmd.ErrOrStderr(), "partial: a budget cut the reading short, some blocked nights may be missing (see the budget warnings); an import would show the feed as partial")
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

func newCalendarAddFeedCmd(g *globalFlags) *cobra.Command {
	var in calendar.NewFeed
	cmd := &cobra.Command{
		Use:   "add-feed --unit ID --platform P --url U [--end-inclusive] [--priority N]",
		Short: "Import a portal's iCal feed into a unit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, db, err := openStore(cmd.Context(), g, false)
			if err != nil {
				return err
			}
			defer db.Close()
			feed, err := calendar.NewFeeds(db.DB).Add(cmd.Context(), in)
			switch {
			case errors.Is(err, calendar.ErrInvalidFeed), errors.Is(err, calendar.ErrUnknownUnit), errors.Is(err, calendar.ErrDuplicateFeed):
				return exitError{code: 2, msg: "calendar add-feed: " + err.Error()}
			case err != nil:
				return err
			}
			if err := app.AnnounceSettingsChange(cmd.Context(), cfg, db, log); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "feed %d added to unit %d: %s (%s, priority %d, end-inclusive %t); run `conserje calendar sync --unit %d` to import it now\n",
				feed.ID, feed.AccommodationID, feed.URL, feed.Platform, feed.Priority, feed.EndInclusive, feed.AccommodationID)
			return nil
		},
	}
	cmd.Flags().Int64Var(&in.AccommodationID, "unit", 0, "accommodation id (required)")
	cmd.Flags().StringVar(&in.Platform, "platform", "", "airbnb, booking, vrbo, google or generic (required)")
	cmd.Flags().StringVar(&in.URL, "url", "", "the portal's export URL (http, https or webcal; required)")
	cmd.Flags().BoolVar(&in.EndInclusive, "end-inclusive", false, "the portal writes the last night as the end date")
	cmd.Flags().IntVar(&in.Priority, "priority", 0, "order among the unit's feeds (higher first)")
	for _, f := range []string{"unit", "platform", "url"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

func newCalendarSyncCmd(g *globalFlags) *cobra.Command {
	var unit int64
	cmd := &cobra.Command{
		Use:   "sync [--unit ID]",
		Short: "Fetch every enabled feed (of one unit) now and import it",
		Long: "Starts the calendar plugin named by calendar.plugin, syncs the enabled feeds and prints one\n" +
			"line per feed. Exits 1 when a feed could not be imported (its previous import is kept).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, log, db, err := openStore(ctx, g, true)
			if err != nil {
				return err
			}
			defer db.Close()
			host, fetcher, err := startCalendarPlugin(ctx, cfg, log)
			if host != nil {
				defer func() {
					stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					_ = host.Stop(stopCtx)
				}()
			}
			if err != nil {
				return err
			}
			syncer, err := calendar.NewSyncer(db, fetcher, calendar.SyncOptions{
				FetchTimeout:       cfg.Calendar.FetchTimeout,
				MaxFeedBytes:       cfg.Calendar.MaxFeedBytes,
				EmptyConfirmations: cfg.Calendar.EmptyConfirmations,
				Logger:             log,
			})
			if err != nil {
				return err
			}
			rep, err := syncer.SyncUnit(ctx, unit)
			if err != nil {
				return err
			}
			printSyncReport(cmd, rep)
			if n := rep.Failed(); n > 0 {
				return exitError{code: 1, msg: fmt.Sprintf("calendar sync: %d of %d feeds not imported (previous imports kept)", n, len(rep.Feeds))}
			}
			return nil
		},
	}
	cmd.Flags().Int64Var(&unit, "unit", 0, "only this accommodation's feeds")
	return cmd
}

// startCalendarPlugin starts the calendar plugin named in calendar.plugin under a
// plugin host of its own; the host is returned (to Stop) even when the start failed.
func startCalendarPlugin(ctx context.Context, cfg *config.Config, log *slog.Logger) (*pluginhost.Host, calendar.FeedFetcher, error) {
	name := cfg.Calendar.Plugin
	var spec *pluginhost.Spec
	for _, sp := range app.PluginSpecs(cfg) {
		if sp.Name == name {
			spec = &sp
		}
	}
	if spec == nil {
		return nil, nil, exitError{code: 2, msg: fmt.Sprintf("calendar sync: calendar.plugin %q is not in plugins:", name)}
	}
	host, err := pluginhost.New([]pluginhost.Spec{*spec}, pluginhost.Options{Logger: log})
	if err != nil {
		return nil, nil, err
	}
	if err := host.Start(ctx); err != nil {
		return host, nil, fmt.Errorf("calendar sync: start plugin %s: %w", name, err)
	}
	src, err := host.Calendar(name)
	if err != nil {
		return host, nil, err
	}
	return host, src, nil
}

func printSyncReport(cmd *cobra.Command, rep calendar.Report) {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "FEED\tUNIT\tPLATFORM\tSTATUS\tEVENTS\tADDED\tMOVED\tREMOVED\tHELD\tCONFLICTS\tMS\tERROR")
	for _, f := range rep.Feeds {
		errText := ""
		if f.Err != nil {
			errText = f.Err.Error()
		}
		fmt.Fprintf(w, "%d\t%d\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", f.FeedID, f.AccommodationID, f.Platform, f.Status,
			f.Events, f.Added, f.Moved, f.Removed, f.Held, f.Conflicts, f.Duration.Milliseconds(), errText)
	}
	_ = w.Flush()
	if len(rep.Feeds) == 0 {
		fmt.Fprintln(cmd.OutOrStdout(), "no enabled feeds to sync")
	}
}
