package calendar_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/calendar"
)

func TestBlockValidate(t *testing.T) {
	valid := calendar.Block{UID: "u", Start: "2027-01-05", End: "2027-01-08", Kind: calendar.KindReservation}
	tests := []struct {
		name   string
		mutate func(*calendar.Block)
		errHas string
	}{
		{"valid", func(*calendar.Block) {}, ""},
		{"no uid", func(b *calendar.Block) { b.UID = "" }, "without uid"},
		{"bad start", func(b *calendar.Block) { b.Start = "05/01/2027" }, "not YYYY-MM-DD"},
		{"bad end", func(b *calendar.Block) { b.End = "2027-1-8" }, "not YYYY-MM-DD"},
		{"empty range", func(b *calendar.Block) { b.End = b.Start }, "not before"},
		{"inverted", func(b *calendar.Block) { b.Start, b.End = b.End, b.Start }, "not before"},
		{"unknown kind", func(b *calendar.Block) { b.Kind = "hold" }, "unknown kind"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := valid
			tc.mutate(&b)
			err := b.Validate()
			if tc.errHas == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.errHas)
		})
	}
}

func TestRejectedError(t *testing.T) {
	err := fmt.Errorf("import feed 3: %w", &calendar.RejectedError{Reason: calendar.RejectHTTPStatus, HTTPStatus: 404, Detail: "gone"})
	require.ErrorIs(t, err, calendar.ErrRejected)
	assert.Equal(t, "import feed 3: calendar feed rejected: http_status (HTTP 404): gone", err.Error())
	assert.False(t, errors.Is(errors.New("other"), calendar.ErrRejected))
}
