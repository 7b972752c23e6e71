package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/conserje/conserje/core/config"

	"github.com/conserje/conserje/core/store"
)

func init() {
	register("migrate", func(g *globalFlags) *cobra.Command {
		cmd := &cobra.Command{Use: "migrate", Short: "Apply, revert or list database migrations"}
		open := func(ctx context.Context) (*store.DB, *store.Migrator, error) {
			cfg, _, err := loadConfig(g, config.SkipPluginFiles, config.SkipServeRequirements)
			if err != nil {
				return nil, nil, err
			}
			db, err := store.Open(ctx, cfg.Database.URL, store.Options{})
			if err != nil {
				return nil, nil, err
			}
			m, err := store.NewMigrator(db)
			if err != nil {
				_ = db.Close()
				return nil, nil, err
			}
			return db, m, nil
		}
		cmd.AddCommand(&cobra.Command{
			Use: "up", Short: "Apply every pending migration", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				db, m, err := open(cmd.Context())
				if err != nil {
					return err
				}
				defer db.Close()
				applied, err := m.Up(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "migrate up: %d applied on %s %s\n", len(applied), db.Dialect(), db.Location())
				return nil
			},
		})
		var steps int
		down := &cobra.Command{
			Use: "down", Short: "Revert the last migration (or --steps N)", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				db, m, err := open(cmd.Context())
				if err != nil {
					return err
				}
				defer db.Close()
				reverted, err := m.Down(cmd.Context(), steps)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "migrate down: reverted %v\n", reverted)
				return nil
			},
		}
		down.Flags().IntVar(&steps, "steps", 1, "how many migrations to revert")
		cmd.AddCommand(down)
		cmd.AddCommand(&cobra.Command{
			Use: "status", Short: "List migrations and whether each is applied", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				db, m, err := open(cmd.Context())
				if err != nil {
					return err
				}
				defer db.Close()
				states, err := m.Status(cmd.Context())
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "VERSION\tNAME\tAPPLIED")
				for _, s := range states {
					at := "pending"
					if s.Applied {
						at = s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
					}
					fmt.Fprintf(w, "%04d\t%s\t%s\n", s.Version, s.Name, at)
				}
				return w.Flush()
			},
		})
		return cmd
	})
}
