package main

import (
	"log/slog"
	"os"

	"github.com/conserje/conserje/core/config"
	"github.com/conserje/conserje/core/obs"
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
