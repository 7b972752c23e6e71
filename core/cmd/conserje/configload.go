package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/store"
)

// loadConfig reads and validates the configuration; an invalid one exits with code 2 and
// every problem listed.
func loadConfig(g *globalFlags, opts ...config.ValidateOption) (*config.Config, config.Source, error) {
	cfg, src, err := config.Load(g.configPath)
	if err != nil {
		return nil, src, exitError{code: 2, msg: err.Error()}
	}
	if err := cfg.Validate(opts...); err != nil {
		return nil, src, exitError{code: 2, msg: err.Error()}
	}
	return cfg, src, nil
}

// newLogger builds the process logger on stderr from the configuration; log.format auto
// is text on a terminal and JSON otherwise.
func newLogger(cfg *config.Config) (*slog.Logger, error) {
	return obs.NewLogger(os.Stderr, cfg.Log.Level, logFormat(cfg.Log.Format, isTerminal(os.Stderr)))
}

// logFormat resolves log.format auto for a stderr that is (or is not) a terminal.
func logFormat(format string, terminal bool) string {
	if format != config.LogFormatAuto {
		return format
	}
	if terminal {
		return config.LogFormatText
	}
	return config.LogFormatJSON
}

// openStore is what commands that work on the database do first: the configuration
// (plugin binaries required only when needPlugins), the logger, and the database, with
// pending migrations applied when database.auto_migrate says so. The caller closes it.
func openStore(ctx context.Context, g *globalFlags, needPlugins bool) (*config.Config, *slog.Logger, *store.DB, error) {
	opts := []config.ValidateOption{config.SkipServeRequirements}
	if !needPlugins {
		opts = append(opts, config.SkipPluginFiles)
	}
	cfg, _, err := loadConfig(g, opts...)
	if err != nil {
		return nil, nil, nil, err
	}
	log, err := newLogger(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	db, err := app.OpenDB(ctx, cfg, cfg.Database.AutoMigrate, log)
	if err != nil {
		return nil, nil, nil, err
	}
	return cfg, log, db, nil
}
