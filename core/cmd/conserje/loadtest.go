package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/conserje/conserje/core/loadtest"
)

func init() {
	register("loadtest", func(*globalFlags) *cobra.Command {
		cfg := loadtest.Config{}
		var asJSON bool
		var maxErrorRate float64
		cmd := &cobra.Command{
			Use:   "loadtest",
			Short: "Load a running conserje: web-chat conversations, signed WhatsApp webhooks or holds, at an open-model rate",
			Long: "loadtest starts arrivals at --rate per second for --duration, whether or not earlier ones\n" +
				"finished, against --target (a loopback address unless --allow-remote), and reports latency\n" +
				"percentiles and errors. Scenarios:\n" +
				"  webchat   one guest conversation per arrival on POST /api/v1/chat (the turns in order)\n" +
				"  whatsapp  one inbound message per arrival on POST /webhooks/whatsapp, signed with\n" +
				"            X-Hub-Signature-256 like Meta (--app-secret: the target's whatsapp app_secret)\n" +
				"  holds     one pre-reservation per arrival through /api/v1 (--api-token), then cancelled\n" +
				"The target must allow the load: raise chat.rate_per_minute for webchat. Bounds: rate ≤ 200/s,\n" +
				"duration ≤ 10m, in flight ≤ 1000. Exit 1 when the error rate exceeds --max-error-rate.",
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if cfg.AppSecret == "" {
					cfg.AppSecret = os.Getenv("CONSERJE_LOADTEST_APP_SECRET")
				}
				if cfg.APIToken == "" {
					cfg.APIToken = os.Getenv("CONSERJE_API_TOKEN")
				}
				if err := cfg.Validate(); err != nil {
					return exitError{code: 2, msg: err.Error()}
				}
				ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
				defer stop()
				res, err := loadtest.Run(ctx, cfg)
				if err != nil && res.Scenario == "" {
					return err
				}
				out := cmd.OutOrStdout()
				if asJSON {
					enc := json.NewEncoder(out)
					enc.SetIndent("", "  ")
					if err := enc.Encode(res); err != nil {
						return err
					}
				} else if err := res.Write(out); err != nil {
					return err
				}
				if res.Requests > 0 && float64(res.ErrorCount())/float64(res.Requests) > maxErrorRate {
					return exitError{code: 1, msg: fmt.Sprintf("loadtest: %d of %d requests failed", res.ErrorCount(), res.Requests)}
				}
				return nil
			},
		}
		f := cmd.Flags()
		f.StringVar(&cfg.Target, "target", "http://127.0.0.1:8080", "base URL of the conserje to load")
		f.StringVar(&cfg.Scenario, "scenario", "webchat", "webchat, whatsapp or holds")
		f.Float64Var(&cfg.Rate, "rate", 1, "arrivals per second (open model)")
		f.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long arrivals are started")
		f.IntVar(&cfg.MaxInFlight, "max-in-flight", 256, "arrivals in flight at most; more are dropped and counted")
		f.BoolVar(&cfg.AllowRemote, "allow-remote", false, "allow a target that is not a loopback address (your own server only)")
		f.StringVar(&cfg.AppSecret, "app-secret", "", "whatsapp: the app secret to sign with (default $CONSERJE_LOADTEST_APP_SECRET)")
		f.StringVar(&cfg.PhoneNumberID, "phone-number-id", "", "whatsapp: the business number id the webhooks name")
		f.StringVar(&cfg.APIToken, "api-token", "", "holds: the API token (default $CONSERJE_API_TOKEN)")
		f.Uint64Var(&cfg.Seed, "seed", 1, "seed of the random units, dates and senders")
		turns := f.StringArray("turn", nil, "webchat: a guest message of each conversation (repeat; default: a 3-turn booking question)")
		f.BoolVar(&asJSON, "json", false, "print the result as JSON")
		f.Float64Var(&maxErrorRate, "max-error-rate", 0.01, "exit 1 above this fraction of failed requests")
		cmd.PreRun = func(*cobra.Command, []string) {
			for _, t := range *turns {
				if s := strings.TrimSpace(t); s != "" {
					cfg.Turns = append(cfg.Turns, s)
				}
			}
		}
		return cmd
	})
}
