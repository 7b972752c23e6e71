package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/spf13/cobra"

	"github.com/conserje/conserje/core/channel/local"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/dialog"
	"github.com/conserje/conserje/core/dialog/builtin"
	"github.com/conserje/conserje/core/dialog/story"
	"github.com/conserje/conserje/core/receptionist"
)

// dialogSources resolves the dialogs folder (the argument, else dialogs.dir of the
// configuration) and the locales folder (--locales; else locales/ beside a dialogs folder
// given as argument; else dialogs.locales_dir).
func dialogSources(g *globalFlags, args []string, locales string) (dialog.Sources, *config.Config, error) {
	cfg, _, err := loadConfig(g, config.SkipPluginFiles, config.SkipServeRequirements)
	if err != nil {
		return dialog.Sources{}, nil, err
	}
	src := dialog.Sources{Dialogs: cfg.Dialogs.Dir, Locales: cfg.Dialogs.LocalesDir}
	if len(args) > 0 && args[0] != "" {
		src.Dialogs = args[0]
		src.Locales = filepath.Join(filepath.Dir(filepath.Clean(args[0])), "locales")
	}
	if locales != "" {
		src.Locales = locales
	}
	return src, cfg, nil
}

// localOptions are the configuration's settings for an in-process bot, as the server
// wires them (core/receptionist): booking limits, max_nights, the NLU's threshold.
func localOptions(cfg *config.Config, src dialog.Sources) local.Options {
	return local.Options{Sources: src, Booking: receptionist.BookingOptions(cfg.Booking),
		MaxNights: cfg.Booking.MaxNights, FallbackThreshold: cfg.NLU.FallbackThreshold,
		Models: &receptionist.Models{}}
}

func init() {
	register("dialog", func(g *globalFlags) *cobra.Command {
		cmd := &cobra.Command{Use: "dialog", Short: "Check and test the YAML dialog and its messages"}
		var locales string
		cmd.PersistentFlags().StringVar(&locales, "locales", "", "locales folder (default: locales/ beside the dialogs folder)")

		cmd.AddCommand(&cobra.Command{
			Use:   "validate [dir]",
			Short: "Report every problem of the dialog and its templates with file:line:column (exit 2 on problems)",
			Args:  cobra.MaximumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				src, _, err := dialogSources(g, args, locales)
				if err != nil {
					return err
				}
				reg := dialog.NewRegistry()
				if err := builtin.Declare(reg); err != nil {
					return err
				}
				problems := dialog.Validate(src, reg)
				for _, p := range problems {
					fmt.Fprintln(cmd.OutOrStdout(), p.String())
				}
				if len(problems) > 0 {
					return exitError{code: 2, msg: fmt.Sprintf("%d problems in %s and %s", len(problems), src.Dialogs, src.Locales)}
				}
				fmt.Fprintf(cmd.OutOrStdout(), "ok: %s and %s are valid\n", src.Dialogs, src.Locales)
				return nil
			},
		})

		var run string
		var verbose bool
		testCmd := &cobra.Command{
			Use:   "test [dir]",
			Short: "Replay the story tests of dir/tests on a fresh demo database each (exit 1 on failures)",
			Args:  cobra.MaximumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				src, cfg, err := dialogSources(g, args, locales)
				if err != nil {
					return err
				}
				stories, err := story.LoadDir(filepath.Join(src.Dialogs, "tests"))
				if err != nil {
					return exitError{code: 2, msg: err.Error()}
				}
				var filter *regexp.Regexp
				if run != "" {
					if filter, err = regexp.Compile(run); err != nil {
						return exitError{code: 2, msg: fmt.Sprintf("--run: %v", err)}
					}
				}
				tmp, err := os.MkdirTemp("", "conserje-stories-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(tmp)
				tmpl, err := local.NewDemoTemplate(cmd.Context(), tmp)
				if err != nil {
					return err
				}
				newBot := local.StoryBots(tmpl, tmp, localOptions(cfg, src))
				return runStories(cmd.OutOrStdout(), cmd, stories, filter, newBot, verbose)
			},
		}
		testCmd.Flags().StringVar(&run, "run", "", "only stories whose name matches this regular expression")
		testCmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "print every conversation, not only the failing ones")
		cmd.AddCommand(testCmd)
		return cmd
	})
}

func runStories(out io.Writer, cmd *cobra.Command, stories []*story.Story, filter *regexp.Regexp, newBot story.NewBot, verbose bool) error {
	passed, failed := 0, 0
	start := time.Now()
	for _, s := range stories {
		if filter != nil && !filter.MatchString(s.Name) {
			continue
		}
		res := story.Run(cmd.Context(), s, newBot)
		if res.Passed() {
			passed++
			fmt.Fprintf(out, "ok    %s\n", s.Name)
		} else {
			failed++
			fmt.Fprintf(out, "FAIL  %s (%s:%d)\n", s.Name, s.File, s.Line)
			for _, f := range res.Failures {
				fmt.Fprintf(out, "      %s\n", f)
			}
		}
		if verbose || !res.Passed() {
			for _, line := range res.Transcript {
				fmt.Fprintf(out, "        %s\n", line)
			}
		}
	}
	fmt.Fprintf(out, "%d passed, %d failed in %s\n", passed, failed, time.Since(start).Round(time.Millisecond))
	if failed > 0 {
		return exitError{code: 1, msg: fmt.Sprintf("%d stories failed", failed)}
	}
	if passed == 0 {
		return exitError{code: 2, msg: "no story matched"}
	}
	return nil
}
