package main

import (
	"encoding/json"
	"time"

	"github.com/spf13/cobra"

	"github.com/conserje/conserje/core/stats"
)

func init() {
	register("stats", func(g *globalFlags) *cobra.Command {
		var since string
		var asJSON bool
		cmd := &cobra.Command{
			Use:   "stats [--since 7d] [--json]",
			Short: "Print the booking funnel and the bot's fallback and handoff rates from the database",
			Long: "Reads the database (no Prometheus needed) and prints, for the period since --since\n" +
				"(7d, 24h, 90m or a date such as 2026-11-01): conversations started, shown an offer,\n" +
				"holds, holds expired unpaid, paid, confirmed; the fallback rate (messages not\n" +
				"understood), the handoff rate and the conversion. The same figures feed /metrics.",
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				now := time.Now().UTC()
				from, err := stats.ParseSince(since, now)
				if err != nil {
					return exitError{code: 2, msg: "stats: " + err.Error()}
				}
				_, _, db, err := openStore(cmd.Context(), g, false)
				if err != nil {
					return err
				}
				defer db.Close()
				r, err := stats.Read(cmd.Context(), db, from, now)
				if err != nil {
					return err
				}
				if asJSON {
					enc := json.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent("", "  ")
					return enc.Encode(struct {
						stats.Report
						FallbackRate float64 `json:"fallback_rate"`
						HandoffRate  float64 `json:"handoff_rate"`
						Conversion   float64 `json:"conversion"`
					}{r, r.FallbackRate(), r.HandoffRate(), r.Conversion()})
				}
				return r.WriteText(cmd.OutOrStdout())
			},
		}
		cmd.Flags().StringVar(&since, "since", "7d", "period to report: 7d, 24h, 90m or a date (2026-11-01)")
		cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
		return cmd
	})
}
