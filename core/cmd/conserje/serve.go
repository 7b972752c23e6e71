package main

import (
	"context"
	"fmt"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/conserje/conserje/core/app"
)

func init() {
	register("serve", func(g *globalFlags) *cobra.Command {
		return &cobra.Command{
			Use:   "serve",
			Short: "Run the server: web chat, webhooks, API, iCal feeds, plugins and background jobs",
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				cfg, _, err := loadConfig(g)
				if err != nil {
					return err
				}
				log, err := newLogger(cfg)
				if err != nil {
					return err
				}
				ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
				defer stop()
				a, err := app.New(ctx, cfg, log)
				if err != nil {
					return err
				}
				defer func() {
					if err := a.Close(context.Background()); err != nil {
						log.Error("shutdown", "err", err)
					}
				}()
				printBanner(cmd, a)
				log.Info("serving", "addr", cfg.HTTP.Addr, "database", a.DB.Location(), "dialect", string(a.DB.Dialect()))
				if err := a.Serve(ctx, nil); err != nil {
					return err
				}
				log.Info("stopped cleanly")
				return nil
			},
		}
	})
}

// printBanner tells the person who ran `make run` where everything is. It goes to stdout,
// never to the logs, because it may show the generated API token.
func printBanner(cmd *cobra.Command, a *app.App) {
	base := a.Config.HTTP.PublicURL
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "\nconserje is running on %s (database: %s)\n", a.Config.HTTP.Addr, a.DB.Location())
	fmt.Fprintf(out, "  web chat   %s/chat\n", base)
	fmt.Fprintf(out, "  admin      %s/admin  (user admin; the password was printed by `conserje seed demo`)\n", base)
	fmt.Fprintf(out, "  API        %s/api/v1/accommodations\n", base)
	fmt.Fprintf(out, "  health     %s/healthz\n", base)
	fmt.Fprintf(out, "  metrics    %s/metrics\n", base)
	if a.APITokenGenerated {
		fmt.Fprintf(out, "  API token for this run: %s  (set CONSERJE_API_TOKEN to keep one)\n", a.APIToken)
	}
	fmt.Fprintln(out)
}
