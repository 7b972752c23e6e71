package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/pluginhost"
	"github.com/conserje/conserje/sdk/host"
)

func init() {
	register("plugins", func(g *globalFlags) *cobra.Command {
		cmd := &cobra.Command{
			Use:   "plugins",
			Short: "Show and check the configured plugins",
		}
		cmd.AddCommand(newPluginsListCmd(g), newPluginsCheckCmd(g))
		return cmd
	})
}

func newPluginsListCmd(g *globalFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the configured plugins (without starting them)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := loadConfig(g, config.SkipPluginFiles, config.SkipServeRequirements)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(cfg.Plugins) == 0 {
				fmt.Fprintln(out, "no plugins configured")
				return nil
			}
			w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tPATH\tBINARY\tSHA256\tCALL TIMEOUT\tSETTINGS")
			for _, p := range cfg.Plugins {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, p.Path, binaryState(p.Path), checksumState(p), p.CallTimeout, settingKeys(p.Settings))
			}
			return w.Flush()
		},
	}
}

// binaryState says whether the plugin binary is there to start.
func binaryState(path string) string {
	info, err := os.Stat(path)
	switch {
	case err != nil:
		return "missing"
	case info.IsDir() || info.Mode().Perm()&0o111 == 0:
		return "not executable"
	}
	return "ok"
}

// checksumState compares the binary with the configured sha256, when there is one.
func checksumState(p config.Plugin) string {
	if p.SHA256 == "" {
		return "not pinned"
	}
	if err := host.VerifySHA256(p.Path, p.SHA256); err != nil {
		return "MISMATCH"
	}
	return "ok"
}

// settingKeys lists the keys only: values hold secrets.
func settingKeys(settings map[string]any) string {
	if len(settings) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func newPluginsCheckCmd(g *globalFlags) *cobra.Command {
	var timeout time.Duration
	var verbose bool
	cmd := &cobra.Command{
		Use:   "check [NAME...]",
		Short: "Start each plugin, verify its checksum and settings, and show what it is",
		Long: "check starts every configured plugin (or the named ones) once, outside supervision: it\n" +
			"verifies the binary's sha256 when configured, completes the handshake, prints the plugin's\n" +
			"kind, name, version, protocol and capabilities, validates the settings against the plugin's\n" +
			"schema, configures it and stops it. It exits 1 when any plugin fails.",
		RunE: func(cmd *cobra.Command, names []string) error {
			cfg, _, err := loadConfig(g, config.SkipPluginFiles, config.SkipServeRequirements)
			if err != nil {
				return err
			}
			selected, err := selectPlugins(cfg.Plugins, names)
			if err != nil {
				return exitError{code: 2, msg: err.Error()}
			}
			logger := slog.New(slog.DiscardHandler)
			if verbose {
				logger, err = newLogger(cfg)
				if err != nil {
					return err
				}
			}
			failed := checkPlugins(cmd.Context(), cmd.OutOrStdout(), selected, logger, timeout)
			if failed > 0 {
				return exitError{code: 1, msg: fmt.Sprintf("%d of %d plugins failed the check", failed, len(selected))}
			}
			return nil
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 20*time.Second, "bound on starting, configuring and stopping each plugin")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show the plugins' own logs on stderr")
	return cmd
}

func selectPlugins(all []config.Plugin, names []string) ([]config.Plugin, error) {
	if len(names) == 0 {
		if len(all) == 0 {
			return nil, fmt.Errorf("no plugins configured")
		}
		return all, nil
	}
	byName := map[string]config.Plugin{}
	for _, p := range all {
		byName[p.Name] = p
	}
	var out []config.Plugin
	for _, n := range names {
		p, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("no plugin named %q in the configuration", n)
		}
		out = append(out, p)
	}
	return out, nil
}

// checkPlugins inspects each plugin in turn, prints a report and returns how many failed.
func checkPlugins(ctx context.Context, out io.Writer, plugins []config.Plugin, logger *slog.Logger, timeout time.Duration) int {
	if ctx == nil {
		ctx = context.Background()
	}
	failed := 0
	for _, p := range plugins {
		pctx, cancel := context.WithTimeout(ctx, timeout)
		in, err := pluginhost.Inspect(pctx, pluginhost.Spec{
			Name: p.Name, Path: p.Path, SHA256: p.SHA256, Settings: p.Settings, CallTimeout: p.CallTimeout,
		}, logger, timeout)
		cancel()
		d := in.Description
		status := "ok"
		if err != nil {
			status = "FAIL"
			failed++
		}
		fmt.Fprintf(out, "%s  %s\n", status, p.Name)
		fmt.Fprintf(out, "  path:         %s\n", p.Path)
		if in.SHA256 != "" {
			pin := "not pinned in config"
			if p.SHA256 != "" {
				pin = "pinned"
			}
			fmt.Fprintf(out, "  sha256:       %s (%s)\n", in.SHA256, pin)
		}
		if d.Name != "" {
			fmt.Fprintf(out, "  kind:         %s\n", d.Kind)
			fmt.Fprintf(out, "  plugin:       %s %s\n", d.Name, d.Version)
			fmt.Fprintf(out, "  protocol:     %d\n", d.ProtocolVersion)
			caps := strings.Join(d.Capabilities, ", ")
			if caps == "" {
				caps = "-"
			}
			fmt.Fprintf(out, "  capabilities: %s\n", caps)
		}
		if err != nil {
			fmt.Fprintf(out, "  error:        %s\n", strings.ReplaceAll(err.Error(), "\n", "\n                "))
		}
	}
	return failed
}
