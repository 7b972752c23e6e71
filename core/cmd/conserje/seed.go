package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/demo"
)

func init() {
	register("seed", func(g *globalFlags) *cobra.Command {
		cmd := &cobra.Command{Use: "seed", Short: "Load data into the database"}
		cmd.AddCommand(&cobra.Command{
			Use:   "demo",
			Short: "Load the demo property (Complejo Los Robles); safe to run again",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				cfg, log, db, err := openStore(cmd.Context(), g, false)
				if err != nil {
					return err
				}
				defer db.Close()
				if _, err := booking.NewService(db, booking.Options{}).SyncHolidays(cmd.Context()); err != nil {
					return err
				}
				res, err := demo.Seed(cmd.Context(), db, cfg.Admin.Password)
				if err != nil {
					return err
				}
				if res.Created {
					// A running serve drops its (empty) catalog and offers the demo at once.
					if err := app.AnnounceSettingsChange(cmd.Context(), cfg, db, log); err != nil {
						return err
					}
				}
				out := cmd.OutOrStdout()
				if res.Created {
					fmt.Fprintln(out, "demo loaded: Complejo Los Robles with Cabaña Robles, Cabaña Coihue and Depto Centro")
				} else {
					fmt.Fprintln(out, "demo already loaded: nothing changed")
				}
				switch {
				case res.AdminPassword != "":
					fmt.Fprintf(out, "admin user: %s  password: %s  (shown once; set CONSERJE_ADMIN_PASSWORD to choose it)\n", demo.AdminUser, res.AdminPassword)
				case res.AdminPasswordSet:
					fmt.Fprintf(out, "admin user: %s  password: from CONSERJE_ADMIN_PASSWORD / admin.password\n", demo.AdminUser)
				default:
					fmt.Fprintf(out, "admin user: %s  password: the one printed on the first run (or set CONSERJE_ADMIN_PASSWORD)\n", demo.AdminUser)
				}
				return nil
			},
		})
		return cmd
	})
}
