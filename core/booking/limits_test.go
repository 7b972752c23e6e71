package booking_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/booking/bookingtest"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// TestBotHoldLimits: one web chat address, phone or e-mail cannot take every unit off sale
// (six messages held all three units for 89 nights, renewed every 30 minutes).
func TestBotHoldLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d := bookingtest.SeedDemo(t, db)
		units := append([]int64{d.Robles, d.Coihue, d.Centro}, bookingtest.AddUnits(t, db, d.PropertyID, 12)...)
		clock := bookingtest.NewClock(time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC))
		svc := booking.NewService(db, booking.Options{Now: clock.Now})
		next := 0
		stay := func() booking.Stay { // a fresh stay each time
			next++
			in := store.NewDate(2027, 3, 1).AddDays(4 * next)
			return booking.NewStay(in, in.AddDays(3))
		}
		unit := func() int64 { return units[next%len(units)] }
		conv := func(t *testing.T) *int64 {
			t.Helper()
			c := store.Conversation{Channel: "webchat", Contact: "wc_" + strconv.Itoa(next) + t.Name(), State: "bot",
				Session: []byte("{}"), CreatedAt: clock.Now(), UpdatedAt: clock.Now()}
			_, err := db.NewInsert().Model(&c).Returning("id").Exec(ctx)
			require.NoError(t, err)
			return &c.ID
		}
		hold := func(ctx context.Context, t *testing.T, g booking.Guest, convID *int64) error {
			t.Helper()
			s := stay()
			_, err := svc.Hold(ctx, booking.HoldRequest{UnitID: unit(), Stay: s, Guests: 2, Guest: g, ConversationID: convID})
			return err
		}

		t.Run("three holds per hour from one address, each in a new conversation", func(t *testing.T) {
			actx := booking.WithClientAddr(ctx, "203.0.113.7")
			for range booking.DefaultHoldsPerHour {
				require.NoError(t, hold(actx, t, booking.Guest{Name: "X"}, conv(t)))
			}
			err := hold(actx, t, booking.Guest{Name: "X"}, conv(t))
			var lim *booking.HoldLimitError
			require.ErrorAs(t, err, &lim)
			assert.Equal(t, booking.LimitAddress, lim.Scope)
			require.ErrorIs(t, err, booking.ErrHoldLimit)
			require.NoError(t, hold(booking.WithClientAddr(ctx, "203.0.113.8"), t, booking.Guest{Name: "Y"}, conv(t)), "another address")
			clock.Advance(61 * time.Minute)
			require.NoError(t, hold(actx, t, booking.Guest{Name: "X"}, conv(t)), "an hour later")
		})
		t.Run("one phone from many addresses", func(t *testing.T) {
			g := booking.Guest{Name: "Ana", Phone: "+54 9 351 555-0101"}
			for i := range booking.DefaultHoldsPerHour {
				require.NoError(t, hold(booking.WithClientAddr(ctx, "198.51.100."+strconv.Itoa(i+1)), t, g, conv(t)))
			}
			g.Phone = "5493515550101" // the same number written differently
			var lim *booking.HoldLimitError
			require.ErrorAs(t, hold(booking.WithClientAddr(ctx, "198.51.100.99"), t, g, conv(t)), &lim)
			assert.Equal(t, booking.LimitPhone, lim.Scope)
		})
		t.Run("one e-mail", func(t *testing.T) {
			g := booking.Guest{Name: "Beto", Email: "beto@example.com"}
			for range booking.DefaultHoldsPerHour {
				require.NoError(t, hold(ctx, t, g, nil))
			}
			g.Email = "Beto@Example.com"
			var lim *booking.HoldLimitError
			require.ErrorAs(t, hold(ctx, t, g, nil), &lim)
			assert.Equal(t, booking.LimitEmail, lim.Scope)
		})
		t.Run("a conversation holds what its party needs", func(t *testing.T) {
			c := conv(t)
			require.NoError(t, hold(ctx, t, booking.Guest{Name: "Carla"}, c))
			var lim *booking.HoldLimitError
			require.ErrorAs(t, hold(ctx, t, booking.Guest{Name: "Carla"}, c), &lim, "two guests fit the first unit")
			assert.Equal(t, booking.LimitConversation, lim.Scope)

			big := conv(t)
			for range 2 { // 7 guests: one 4-bed cabin is not enough, two are
				_, err := svc.Hold(ctx, booking.HoldRequest{UnitID: units[3+next%12], Stay: stay(), Guests: 4, PartySize: 7,
					Guest: booking.Guest{Name: "Grupo"}, ConversationID: big})
				require.NoError(t, err)
			}
			_, err := svc.Hold(ctx, booking.HoldRequest{UnitID: units[3+next%12], Stay: stay(), Guests: 3, PartySize: 7,
				Guest: booking.Guest{Name: "Grupo"}, ConversationID: big})
			require.ErrorIs(t, err, booking.ErrHoldLimit, "8 beds already held for a party of 7")
		})
		t.Run("simultaneous requests from one address cannot all pass the count", func(t *testing.T) {
			clock.Advance(2 * time.Hour)
			actx := booking.WithClientAddr(ctx, "192.0.2.50")
			var wg sync.WaitGroup
			var mu sync.Mutex
			ok, limited := 0, 0
			for i := range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s := booking.NewStay(store.NewDate(2027, 9, 1).AddDays(4*i), store.NewDate(2027, 9, 4).AddDays(4*i))
					_, err := svc.Hold(actx, booking.HoldRequest{UnitID: d.Robles, Stay: s, Guests: 2, Guest: booking.Guest{Name: "Z"}})
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						ok++
					case assert.ErrorIs(t, err, booking.ErrHoldLimit):
						limited++
					}
				}()
			}
			wg.Wait()
			assert.Equal(t, booking.DefaultHoldsPerHour, ok)
			assert.Equal(t, 10-booking.DefaultHoldsPerHour, limited)
		})
		t.Run("long stays go to staff", func(t *testing.T) {
			long := booking.NewStay(store.NewDate(2028, 1, 1), store.NewDate(2028, 1, 1).AddDays(booking.DefaultBotMaxNights+1))
			_, err := svc.Hold(ctx, booking.HoldRequest{UnitID: d.Centro, Stay: long, Guests: 2, Guest: booking.Guest{Name: "L"}})
			require.ErrorIs(t, err, booking.ErrLongStay)
			_, err = svc.Hold(ctx, booking.HoldRequest{UnitID: d.Centro, Stay: long, Guests: 2, Guest: booking.Guest{Name: "L"}, Source: "admin"})
			require.NoError(t, err, "staff may hold it")
		})
		t.Run("stays beyond two years ahead are refused", func(t *testing.T) {
			for _, src := range []string{"bot", "api"} {
				far := booking.NewStay(store.NewDate(9999, 1, 1), store.NewDate(9999, 1, 4))
				_, err := svc.Hold(ctx, booking.HoldRequest{UnitID: d.Coihue, Stay: far, Guests: 2, Guest: booking.Guest{Name: "F"}, Source: src})
				var verr *booking.ValidationError
				require.ErrorAs(t, err, &verr, src)
				assert.Contains(t, verr.Fields["check_in"], "too far ahead")
				_, err = svc.Search(ctx, booking.SearchRequest{Stay: far, Guests: 2})
				require.ErrorIs(t, err, booking.ErrInvalid)
			}
		})
	})
}
