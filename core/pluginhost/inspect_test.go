package pluginhost

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/host"
	"github.com/conserje/conserje/sdk/plugin"
)

func TestInspect(t *testing.T) {
	sum, err := host.FileSHA256(echoBin)
	require.NoError(t, err)
	logger := slog.New(slog.DiscardHandler)
	tests := []struct {
		name string
		spec Spec
		want error // nil: the check passes
	}{
		{"good", Spec{Name: "echo", Path: echoBin, SHA256: sum, Settings: map[string]any{"prefix": "> "}}, nil},
		{"no checksum configured", Spec{Name: "echo", Path: echoBin}, nil},
		{"checksum mismatch", Spec{Name: "echo", Path: echoBin, SHA256: "ab" + sum[2:]}, host.ErrChecksumMismatch},
		{"wrong kind", Spec{Name: "echo", Kind: plugin.KindPayment, Path: echoBin}, ErrWrongKind},
		{"bad settings", Spec{Name: "echo", Path: echoBin, Settings: map[string]any{"colour": "red"}}, plugin.ErrInvalidSettings},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := Inspect(context.Background(), tc.spec, logger, 10*time.Second)
			assert.Equal(t, sum, in.SHA256)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, plugin.KindChannel, in.Description.Kind)
			assert.Equal(t, "echo", in.Description.Name)
			assert.Equal(t, plugin.ProtocolVersion, in.Description.ProtocolVersion)
		})
	}
	t.Run("missing binary", func(t *testing.T) {
		_, err := Inspect(context.Background(), Spec{Name: "x", Path: "/nonexistent/plugin"}, logger, time.Second)
		require.Error(t, err)
	})
}
