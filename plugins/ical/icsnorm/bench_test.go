package icsnorm

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkNormalizeLargeFeed is the 5,000-event sample through the normalizer alone.
func BenchmarkNormalizeLargeFeed(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("testdata", "samples", "large_feed_5000.ics"))
	require.NoError(b, err)
	opts := testOptions(b)
	opts.Platform = PlatformAirbnb
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		res, err := Normalize(body, opts)
		require.NoError(b, err)
		require.Len(b, res.Blocks, 5000)
	}
}
