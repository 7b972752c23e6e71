package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/calendar"
	"github.com/conserje/conserje/core/config"
)

func init() {
	calendarSubcommands = append(calendarSubcommands, newCalendarExportURLsCmd)
}

func newCalendarExportURLsCmd(g *globalFlags) *cobra.Command {
	var (
		unit   int64
		portal string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "export-urls [--unit ID] [--portal P] [--json]",
		Short: "Print the iCal export URL of each unit for each portal, to paste into the portals",
		Long: "Each portal gets its own URL per unit (its own blocks are left out of its feed), built\n" +
			"from http.public_url and the ics_salt secret. Portals must reach http.public_url.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := loadConfig(g, config.SkipPluginFiles, config.SkipServeRequirements)
			if err != nil {
				return err
			}
			if portal != "" && !slices.Contains(calendar.ExportPortals(), portal) {
				return exitError{code: 2, msg: fmt.Sprintf("calendar export-urls: --portal %q: want one of %s", portal, strings.Join(calendar.ExportPortals(), ", "))}
			}
			public, err := url.Parse(cfg.HTTP.PublicURL)
			if err != nil || public.Host == "" || (public.Scheme != "http" && public.Scheme != "https") {
				return exitError{code: 2, msg: fmt.Sprintf("calendar export-urls: http.public_url %q is not an absolute http(s) URL", cfg.HTTP.PublicURL)}
			}
			if h := public.Hostname(); h == "localhost" || strings.HasPrefix(h, "127.") || h == "::1" {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: http.public_url is %s; portals cannot fetch from it (set CONSERJE_HTTP_PUBLIC_URL)\n", cfg.HTTP.PublicURL)
			}
			salt, err := app.ICSSalt(cfg)
			if err != nil {
				return exitError{code: 2, msg: "calendar export-urls: " + err.Error()}
			}
			log, err := newLogger(cfg)
			if err != nil {
				return err
			}
			db, err := app.OpenDB(cmd.Context(), cfg, cfg.Database.AutoMigrate, log)
			if err != nil {
				return err
			}
			defer db.Close()
			exp, err := calendar.NewExporter(db, salt, calendar.ExportOptions{})
			if err != nil {
				return exitError{code: 2, msg: "calendar export-urls: " + err.Error()}
			}
			all, err := exp.URLs(cmd.Context(), cfg.HTTP.PublicURL)
			if err != nil {
				return err
			}
			var urls []calendar.ExportURL
			for _, u := range all {
				if (unit == 0 || u.UnitID == unit) && (portal == "" || u.Portal == portal) {
					urls = append(urls, u)
				}
			}
			if len(urls) == 0 {
				return exitError{code: 1, msg: "calendar export-urls: no active unit matches (run `conserje seed demo` or add units)"}
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				for _, u := range urls {
					if err := enc.Encode(map[string]any{"accommodation_id": u.UnitID, "name": u.UnitName, "portal": u.Portal, "url": u.URL}); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "UNIT\tNAME\tPORTAL\tURL")
			for _, u := range urls {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", u.UnitID, u.UnitName, u.Portal, u.URL)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().Int64Var(&unit, "unit", 0, "only this accommodation")
	cmd.Flags().StringVar(&portal, "portal", "", "only this portal: "+strings.Join(calendar.ExportPortals(), ", "))
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per line")
	return cmd
}
