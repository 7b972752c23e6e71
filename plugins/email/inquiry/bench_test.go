package inquiry_test

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/plugins/email/inquiry"
)

// BenchmarkDecide decides every message of the corpus once per iteration; mails/s is
// the throughput the issue asks to be >= 500.
func BenchmarkDecide(b *testing.B) {
	dir, c := loadCorpus(b)
	cfg := configFor(c)
	names := make([]string, 0, len(c.Files))
	for name := range c.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	raws := make([][]byte, 0, len(names))
	size := 0
	for _, name := range names {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(b, err)
		raws = append(raws, raw)
		size += len(raw)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, raw := range raws {
			_ = inquiry.Decide(raw, cfg)
		}
	}
	b.ReportMetric(float64(b.N*len(raws))/b.Elapsed().Seconds(), "mails/s")
}
