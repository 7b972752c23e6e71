package pluginhost

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/conserje/conserje/sdk/host"
	"github.com/conserje/conserje/sdk/plugin"
)

// Inspection is what checking one plugin found out.
type Inspection struct {
	Name string
	Path string
	// SHA256 is the binary's digest as computed (whether or not one was configured).
	SHA256      string
	Description plugin.Description
}

// Inspect starts the plugin once outside supervision, the way `conserje plugins check`
// does: it verifies the checksum, completes the handshake, Describes the plugin, checks
// the kind and the settings against the schema, Configures it, then stops it. The
// returned inspection is filled as far as the check got.
func Inspect(ctx context.Context, spec Spec, logger *slog.Logger, timeout time.Duration) (Inspection, error) {
	in := Inspection{Name: spec.Name, Path: spec.Path}
	sum, err := host.FileSHA256(spec.Path)
	if err != nil {
		return in, err
	}
	in.SHA256 = sum
	proc, err := host.Start(ctx, host.Config{Name: spec.Name, Path: spec.Path, SHA256: spec.SHA256, Logger: logger, StartTimeout: timeout})
	if err != nil {
		return in, err
	}
	in.Description = proc.Description()
	stopCtx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if spec.Kind != "" && in.Description.Kind != spec.Kind {
		proc.Kill()
		return in, fmt.Errorf("configured as %s but the binary is a %s plugin: %w", spec.Kind, in.Description.Kind, ErrWrongKind)
	}
	if err := proc.Configure(ctx, plugin.ConfigureRequest{Instance: spec.Name, Settings: spec.Settings}); err != nil {
		proc.Kill()
		return in, err
	}
	if err := proc.Stop(stopCtx); err != nil {
		return in, err
	}
	return in, nil
}

// Describe starts the plugin once outside supervision only to read what it says about
// itself (its settings schema among it), then stops it: nothing is configured, so no
// provider is called. `conserje config check` validates settings with it.
func Describe(ctx context.Context, spec Spec, logger *slog.Logger, timeout time.Duration) (plugin.Description, error) {
	proc, err := host.Start(ctx, host.Config{Name: spec.Name, Path: spec.Path, SHA256: spec.SHA256, Logger: logger, StartTimeout: timeout})
	if err != nil {
		return plugin.Description{}, err
	}
	desc := proc.Description()
	stopCtx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := proc.Stop(stopCtx); err != nil {
		proc.Kill()
	}
	return desc, nil
}
