package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/config"
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
				ln, err := net.Listen("tcp", cfg.HTTP.Addr)
				if err != nil {
					return fmt.Errorf("listen on %s: %w", cfg.HTTP.Addr, err)
				}
				log.Info("serving", "addr", cfg.HTTP.Addr, "database", a.DB.Location(), "dialect", string(a.DB.Dialect()))
				token, err := deliverAPIToken(cmd.OutOrStdout(), log, a)
				if err != nil {
					_ = ln.Close()
					return err
				}
				// Last, once listening: the person who ran `make run` reads it under the
				// start-up logs.
				printBanner(cmd.OutOrStdout(), a, token)
				if err := a.Serve(ctx, ln); err != nil {
					return err
				}
				log.Info("stopped cleanly")
				return nil
			},
		}
	})
}

// apiTokenFile is where a generated API token goes when stdout is not a terminal.
const apiTokenFile = "api_token"

// deliverAPIToken tells the operator a generated API token: printed (by the banner) only
// when stdout is a terminal; otherwise (systemd sends stdout to the journal) written to a
// file of mode 0600 in the data folder, whose path is logged, never the token. It returns
// the banner's line about the token ("" when the token was configured).
func deliverAPIToken(out io.Writer, log *slog.Logger, a *app.App) (string, error) {
	if !a.APITokenGenerated {
		return "", nil
	}
	if isTerminal(out) {
		return a.APIToken + "  (set CONSERJE_API_TOKEN to keep one)", nil
	}
	path, err := writeSecretFile(filepath.Join(app.DataDir(a.Config), apiTokenFile), a.APIToken)
	if err != nil {
		return "", fmt.Errorf("keep the generated API token: %w", err)
	}
	log.Warn("generated an API token for this run; set CONSERJE_API_TOKEN to keep one", "token_file", path)
	return "in " + path + " (mode 0600; set CONSERJE_API_TOKEN to keep one)", nil
}

// writeSecretFile replaces path with content, readable by this user only, and returns the
// absolute path.
func writeSecretFile(path, content string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(abs), ".api_token-*") // mode 0600
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(content + "\n"); err != nil {
		_ = tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return "", err
	}
	return abs, os.Rename(tmp.Name(), abs)
}

// isTerminal reports whether w is a terminal (not a pipe, a file or the journal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// browserBase is where a person on this machine opens conserje: http.public_url when it
// was set, else the address serve listens on (localhost when it listens on every one).
func browserBase(cfg *config.Config) string {
	if cfg.HTTP.PublicURL != config.Default().HTTP.PublicURL || cfg.HTTP.Addr == config.Default().HTTP.Addr {
		return cfg.HTTP.PublicURL
	}
	host, port, err := net.SplitHostPort(cfg.HTTP.Addr)
	if err != nil {
		return cfg.HTTP.PublicURL
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return (&url.URL{Scheme: "http", Host: net.JoinHostPort(host, port)}).String()
}

// printBanner tells the person who ran `make run` where everything is. It goes to stdout,
// never to the logs.
func printBanner(out io.Writer, a *app.App, token string) {
	base := browserBase(a.Config)
	fmt.Fprintf(out, "\nconserje is running on %s (database: %s)\n", a.Config.HTTP.Addr, a.DB.Location())
	fmt.Fprintf(out, "  web chat   %s/chat\n", base)
	fmt.Fprintf(out, "  admin      %s/admin  (user admin; its password was printed by `conserje seed demo`;\n", base)
	fmt.Fprintf(out, "             lost it? `./bin/conserje admin set-password admin` prints a new one)\n")
	fmt.Fprintf(out, "  API        %s/api/v1/accommodations\n", base)
	fmt.Fprintf(out, "  health     %s/healthz\n", base)
	fmt.Fprintf(out, "  metrics    %s/metrics\n", base)
	if token != "" {
		fmt.Fprintf(out, "  API token for this run: %s\n", token)
	}
	fmt.Fprintln(out)
}
