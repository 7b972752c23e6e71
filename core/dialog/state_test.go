package dialog_test

import (
	"math"
	"testing"

	"github.com/conserje/conserje/core/dialog"
	"github.com/stretchr/testify/assert"
)

func TestNormalizeUnsignedNeverWrapsNegative(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want any
	}{
		{"uint8", uint8(7), int64(7)},
		{"uint", uint(42), int64(42)},
		{"largest int64 as uint64", uint64(math.MaxInt64), int64(math.MaxInt64)},
		// What the JSON round trip of stored state would give.
		{"past int64", uint64(math.MaxUint64), float64(math.MaxUint64)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, dialog.Normalize(tc.in))
		})
	}
}
