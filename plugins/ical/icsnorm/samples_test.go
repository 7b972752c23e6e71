package icsnorm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// expectedFile mirrors testdata/samples/expected.json (shared by the product team).
type expectedFile struct {
	Context struct {
		Now              string `json:"now"`
		PropertyTimezone string `json:"property_timezone"`
	} `json:"context"`
	Files map[string]struct {
		Result  string `json:"result"`
		Error   string `json:"error"`
		Blocked []struct {
			Start, End, Kind, UID string
			ReservationCode       string `json:"reservation_code"`
			PhoneLast4            string `json:"phone_last4"`
		} `json:"blocked"`
		Union       [][2]string `json:"union"`
		NotBlocking []struct {
			UID string `json:"uid"`
		} `json:"not_blocking"`
		Warnings       []string `json:"warnings"`
		BlockedSummary *struct {
			EventCount      int       `json:"event_count"`
			Reservations    int       `json:"reservations"`
			Blocks          int       `json:"blocks"`
			First           [2]string `json:"first"`
			Last            [2]string `json:"last"`
			TotalNights     int       `json:"total_nights"`
			UnionRangeCount int       `json:"union_range_count"`
			EventsAfterNow  int       `json:"events_ending_after_now"`
			Listing         string    `json:"canonical_listing_file"`
			ListingSHA256   string    `json:"sha256_of_listing_without_final_newline"`
		} `json:"blocked_summary"`
	} `json:"files"`
}

// samplePlatform is the profile each sample was exported by.
func samplePlatform(name string) Platform {
	switch {
	case strings.HasPrefix(name, "airbnb"), strings.HasPrefix(name, "empty"), strings.HasPrefix(name, "large"):
		return PlatformAirbnb
	case strings.HasPrefix(name, "booking"):
		return PlatformBooking
	case strings.HasPrefix(name, "google"):
		return PlatformGoogle
	}
	return PlatformGeneric
}

func loadExpected(t testing.TB) (expectedFile, Options) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "samples", "expected.json"))
	require.NoError(t, err)
	var exp expectedFile
	require.NoError(t, json.Unmarshal(raw, &exp))
	loc, err := time.LoadLocation(exp.Context.PropertyTimezone)
	require.NoError(t, err)
	now, err := time.Parse(time.RFC3339, exp.Context.Now)
	require.NoError(t, err)
	return exp, Options{Location: loc, Now: now, FeedID: "sample-feed"}
}

func TestSamples(t *testing.T) {
	exp, base := loadExpected(t)
	require.NotEmpty(t, exp.Files)
	for name, want := range exp.Files {
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "samples", name))
			require.NoError(t, err)
			opts := base
			opts.Platform = samplePlatform(name)
			res, err := Normalize(body, opts)
			if want.Result == "error" {
				require.Error(t, err)
				assert.True(t, IsRejection(err))
				assert.Equal(t, want.Error, RejectionCode(err))
				return
			}
			require.NoError(t, err)
			var msgs []string
			for _, w := range res.Warnings {
				msgs = append(msgs, w.Message)
			}
			assert.ElementsMatch(t, want.Warnings, msgs)

			if s := want.BlockedSummary; s != nil {
				checkLargeSummary(t, res, s.EventCount, s.Reservations, s.Blocks, s.TotalNights, s.UnionRangeCount, s.EventsAfterNow, s.First, s.Last, s.Listing, s.ListingSHA256, base.Now)
				return
			}
			require.Len(t, res.Blocks, len(want.Blocked))
			byUID := map[string]Block{}
			for _, b := range res.Blocks {
				byUID[b.UID] = b
			}
			for _, w := range want.Blocked {
				got, ok := byUID[w.UID]
				require.True(t, ok, "missing block %s", w.UID)
				assert.Equal(t, w.Start, got.Start.String(), w.UID)
				assert.Equal(t, w.End, got.End.String(), w.UID)
				switch w.Kind {
				case "tentative":
					assert.True(t, got.Tentative, w.UID)
				case "timed":
					assert.True(t, got.Timed, w.UID)
				default:
					assert.Equal(t, Kind(w.Kind), got.Kind, w.UID)
					assert.False(t, got.Tentative, w.UID)
				}
				assert.Equal(t, w.ReservationCode, got.ReservationCode, w.UID)
				assert.Equal(t, w.PhoneLast4, got.PhoneLast4, w.UID)
			}
			for _, nb := range want.NotBlocking {
				assert.NotContains(t, byUID, nb.UID)
			}
			assert.Equal(t, want.Union, union(res.Blocks))
		})
	}
}

func checkLargeSummary(t *testing.T, res *Result, events, reservations, blocks, nights, unionCount, afterNow int, first, last [2]string, listingFile, listingSHA string, now time.Time) {
	t.Helper()
	assert.Equal(t, events, res.Events)
	require.Len(t, res.Blocks, events)
	var nRes, nBlock, nNights, nAfter int
	lines := make([]string, 0, len(res.Blocks))
	nowDate := DateOf(now)
	for _, b := range res.Blocks {
		switch b.Kind {
		case KindReservation:
			nRes++
		case KindBlock:
			nBlock++
		}
		nNights += b.Nights()
		if b.End.After(nowDate) {
			nAfter++
		}
		lines = append(lines, b.Start.String()+"/"+b.End.String())
	}
	assert.Equal(t, reservations, nRes)
	assert.Equal(t, blocks, nBlock)
	assert.Equal(t, nights, nNights)
	assert.Equal(t, afterNow, nAfter)
	assert.Len(t, union(res.Blocks), unionCount)
	assert.Equal(t, first, [2]string{lines[0][:10], lines[0][11:]})
	assert.Equal(t, last, [2]string{lines[len(lines)-1][:10], lines[len(lines)-1][11:]})

	listing, err := os.ReadFile(filepath.Join("testdata", "samples", listingFile))
	require.NoError(t, err)
	want := strings.TrimSuffix(string(listing), "\n")
	got := strings.Join(lines, "\n")
	assert.Equal(t, want, got)
	sum := sha256.Sum256([]byte(got))
	assert.Equal(t, listingSHA, hex.EncodeToString(sum[:]))
}

// union merges blocks into maximal ranges; back-to-back ranges join.
func union(blocks []Block) [][2]string {
	out := [][2]string{}
	var curS, curE Date
	for i, b := range blocks {
		if i > 0 && !b.Start.After(curE) {
			if b.End.After(curE) {
				curE = b.End
			}
			continue
		}
		if i > 0 {
			out = append(out, [2]string{curS.String(), curE.String()})
		}
		curS, curE = b.Start, b.End
	}
	if len(blocks) > 0 {
		out = append(out, [2]string{curS.String(), curE.String()})
	}
	return out
}
