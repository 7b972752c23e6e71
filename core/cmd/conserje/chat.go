package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/channel/local"
	"github.com/conserje/conserje/core/demo"
	"github.com/conserje/conserje/core/dialog/story"
	"github.com/conserje/conserje/core/store"
)

func init() {
	register("chat", func(g *globalFlags) *cobra.Command {
		var dbPath, now, dialogs, locales string
		cmd := &cobra.Command{
			Use:   "chat",
			Short: "Talk to the bot in the terminal, to try dialog and template edits",
			Long: `Talk to the bot in the terminal with the same engine the server runs. Edits to the
dialogs and locales apply as soon as you save them (a broken edit keeps the previous
version and prints why).

Without --db the conversation runs on a throwaway copy of the demo property, so holds
made while trying things never touch real data. Quick replies are shown numbered, as
WhatsApp lists them; a number you type is sent as typed and the dialog reads it, as it
does on every channel.
Commands: /wait 2h (move the clock), /state (slots), /new (a new conversation), /quit.`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				ctx := cmd.Context()
				var at time.Time
				if now != "" {
					t, err := time.Parse(time.RFC3339, now)
					if err != nil {
						return exitError{code: 2, msg: fmt.Sprintf("--now: want RFC 3339 such as 2026-11-28T10:00:00-03:00: %v", err)}
					}
					at = t
				}
				db, cleanup, err := chatDatabase(ctx, dbPath)
				if err != nil {
					return err
				}
				defer cleanup()
				src, cfg, err := dialogSources(g, []string{dialogs}, locales)
				if err != nil {
					return err
				}
				clock := local.NewClock(at)
				// Warnings and reload problems go to stderr, apart from the conversation.
				log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
				base := localOptions(cfg, src)
				session := 1
				newBot := func() (*local.Bot, error) {
					opts := base
					opts.DB, opts.Clock, opts.Logger = db, clock, log
					opts.Channel, opts.Contact = "terminal", fmt.Sprintf("terminal-%d-%d", os.Getpid(), session)
					return local.New(ctx, opts)
				}
				bot, err := newBot()
				if err != nil {
					return err
				}
				watchCtx, stopWatch := context.WithCancel(ctx)
				defer stopWatch()
				go func() { _ = bot.Reloader().Run(watchCtx) }()
				return chatLoop(ctx, cmd.InOrStdin(), cmd.OutOrStdout(), bot, clock, func() (*local.Bot, error) {
					session++
					return newBot()
				})
			},
		}
		cmd.Flags().StringVar(&dbPath, "db", "", "SQLite database to use (default: a throwaway copy of the demo)")
		cmd.Flags().StringVar(&now, "now", "", "fixed clock, RFC 3339 (default: the real time)")
		cmd.Flags().StringVar(&dialogs, "dialogs", "", "dialogs folder (default: dialogs.dir of the configuration)")
		cmd.Flags().StringVar(&locales, "locales", "", "locales folder (default: locales/ beside the dialogs folder)")
		return cmd
	})
}

// chatDatabase opens --db (migrating it and loading the demo if it has no property) or a
// throwaway demo copy.
func chatDatabase(ctx context.Context, path string) (*store.DB, func(), error) {
	if path == "" {
		tmp, err := os.MkdirTemp("", "conserje-chat-")
		if err != nil {
			return nil, nil, err
		}
		tmpl, err := local.NewDemoTemplate(ctx, tmp)
		if err != nil {
			os.RemoveAll(tmp)
			return nil, nil, err
		}
		db, err := tmpl.Fresh(ctx, filepath.Join(tmp, "chat.db"))
		if err != nil {
			os.RemoveAll(tmp)
			return nil, nil, err
		}
		return db, func() { db.Close(); os.RemoveAll(tmp) }, nil
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return nil, nil, err
	}
	m, err := store.NewMigrator(db)
	if err == nil {
		_, err = m.Up(ctx)
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	n, err := db.NewSelect().Model((*store.Property)(nil)).Count(ctx)
	if err == nil && n == 0 {
		if _, err = booking.NewService(db, booking.Options{}).SyncHolidays(ctx); err == nil {
			_, err = demo.Seed(ctx, db, "")
		}
	}
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, func() { db.Close() }, nil
}

func chatLoop(ctx context.Context, in io.Reader, out io.Writer, bot *local.Bot, clock *local.Clock, fresh func() (*local.Bot, error)) error {
	fmt.Fprintln(out, "conserje chat: write as a guest would (/quit to leave, /wait 2h, /state, /new)")
	sc := bufio.NewScanner(in)
	var last story.Turn
	for {
		fmt.Fprint(out, "vos> ")
		if !sc.Scan() {
			fmt.Fprintln(out)
			return sc.Err()
		}
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
			continue
		case line == "/quit" || line == "/exit":
			return nil
		case strings.HasPrefix(line, "/wait "):
			d, err := time.ParseDuration(strings.TrimSpace(strings.TrimPrefix(line, "/wait ")))
			if err != nil {
				fmt.Fprintln(out, "  /wait needs a duration such as 30m or 13h")
				continue
			}
			clock.Set(clock.Now().Add(d))
			fmt.Fprintf(out, "  (now %s)\n", clock.Now().Format(time.RFC3339))
			continue
		case line == "/state":
			keys := make([]string, 0, len(last.Slots))
			for k := range last.Slots {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(out, "  %s = %v\n", k, last.Slots[k])
			}
			fmt.Fprintf(out, "  intent %s, language %s, with a person: %v\n", last.Intent, last.Language, last.Escalated)
			continue
		case line == "/new":
			b, err := fresh()
			if err != nil {
				return err
			}
			bot, last = b, story.Turn{}
			fmt.Fprintln(out, "  (new conversation)")
			continue
		}
		turn, err := bot.Say(ctx, line, time.Time{})
		if err != nil {
			fmt.Fprintf(out, "  error: %v\n", err)
			continue
		}
		last = turn
		var buttons []string
		for _, r := range turn.Replies {
			fmt.Fprintln(out, "bot> "+strings.ReplaceAll(r.Text, "\n", "\n     "))
			buttons = r.Buttons
		}
		if len(buttons) > 0 {
			var parts []string
			for i, b := range buttons {
				parts = append(parts, fmt.Sprintf("[%d] %s", i+1, b))
			}
			fmt.Fprintln(out, "     "+strings.Join(parts, "  "))
		}
		if len(turn.Replies) == 0 && turn.Escalated {
			fmt.Fprintln(out, "  (a person has this conversation: the bot stays quiet)")
		}
	}
}
