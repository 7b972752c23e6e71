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

// newLogger builds the process logger on stderr from the configuration.
func newLogger(cfg *config.Config) (*slog.Logger, error) {
	return obs.NewLogger(os.Stderr, cfg.Log.Level, cfg.Log.Format)
}

// openStore is what commands that only need the database do first: the configuration
// (plugin binaries not required), the logger, and the database with pending migrations
// applied. The caller closes the database.
func openStore(ctx context.Context, g *globalFlags) (*config.Config, *store.DB, error) {
	cfg, _, err := loadConfig(g, config.SkipPluginFiles)
	if err != nil {
		return nil, nil, err
	}
	log, err := newLogger(cfg)
	if err != nil {
		return nil, nil, err
	}
	db, err := app.OpenDB(ctx, cfg, true, log)
	if err != nil {
		return nil, nil, err
	}
	return cfg, db, nil
}
