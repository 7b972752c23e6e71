package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/admin"
	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// TestBookingMove: staff (either role) move a booking from its page: the preview shows the
// agreed total and the new quote, a refusal names the booking in the way and keeps the
// form, a bad date is marked on its field, and a move redirects to the booking at its new
// nights, which the timeline shows. The page says the guest is not told.
func TestBookingMove(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setupOn(t, db)
		ctx := context.Background()
		require.NoError(t, admin.CreateUser(ctx, e.db, "maria", "María", "staff password", "staff"))
		staff, csrf := loggedIn(t, e, "maria", "staff password")
		units, err := e.svc.Units(ctx)
		require.NoError(t, err)
		r, err := e.svc.BookManual(ctx, booking.ManualBooking{UnitID: units[1].ID, Stay: booking.NewStay(mustDate(t, "2027-02-10"), mustDate(t, "2027-02-13")),
			Guests: 2, Guest: booking.Guest{Name: "Juan"}, PaidCents: 2_000_000, By: "staff:test"})
		require.NoError(t, err)
		path := "/admin/calendar/bookings/" + r.Code
		move := func(kv ...string) (*http.Response, string) {
			return staff.do(http.MethodPost, path+"/move", withCSRF(csrf, kv...))
		}

		_, page := staff.do(http.MethodGet, path, nil)
		assert.Contains(t, page, "Cambiar fechas o unidad")
		assert.Contains(t, page, `action="`+path+`/move"`)
		assert.Contains(t, page, "Mover no le avisa al huésped")

		cases := []struct {
			name       string
			form       []string
			status     int
			contains   []string
			notChanged bool
		}{
			{name: "preview shows both totals", form: []string{"unit", fmt.Sprint(units[1].ID), "check_in", "2027-02-15", "check_out", "2027-02-19", "action", "preview"},
				status: http.StatusOK, contains: []string{"Nueva cotización", "total acordado", "Mantener el total acordado", `value="2027-02-19"`}, notChanged: true},
			{name: "onto a hold names it and keeps the form", form: []string{"unit", fmt.Sprint(e.hold.UnitID), "check_in", "2027-01-06", "check_out", "2027-01-09", "price", "quote"},
				status: http.StatusUnprocessableEntity, contains: []string{"Esas noches ya están ocupadas: pre-reserva " + e.hold.Code + " (2027-01-05 a 2027-01-08)", `value="2027-01-06"`, `value="quote" checked`},
				notChanged: true},
			{name: "the preview refuses the same", form: []string{"unit", fmt.Sprint(e.hold.UnitID), "check_in", "2027-01-06", "check_out", "2027-01-09", "action", "preview"},
				status: http.StatusUnprocessableEntity, contains: []string{"pre-reserva " + e.hold.Code}, notChanged: true},
			{name: "check-out before check-in", form: []string{"unit", fmt.Sprint(units[1].ID), "check_in", "2027-02-20", "check_out", "2027-02-18"},
				status: http.StatusUnprocessableEntity, contains: []string{`aria-invalid="true" aria-describedby="mv-out-err"`}, notChanged: true},
			{name: "a malformed date", form: []string{"unit", fmt.Sprint(units[1].ID), "check_in", "20/02", "check_out", "2027-02-22"},
				status: http.StatusUnprocessableEntity, contains: []string{`id="mv-in-err"`}, notChanged: true},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resp, page := move(tc.form...)
				assert.Equal(t, tc.status, resp.StatusCode, page)
				for _, s := range tc.contains {
					assert.Contains(t, page, s)
				}
				if tc.notChanged {
					got, err := e.svc.Get(ctx, r.Code)
					require.NoError(t, err)
					assert.Equal(t, r.Stay, got.Stay)
					assert.Equal(t, r.UnitID, got.UnitID)
				}
			})
		}

		t.Run("a move takes the new quote and shows on the timeline", func(t *testing.T) {
			to := booking.NewStay(mustDate(t, "2027-02-15"), mustDate(t, "2027-02-19"))
			q, err := e.svc.Quote(ctx, units[2].ID, to, 2)
			require.NoError(t, err)
			resp, _ := move("unit", fmt.Sprint(units[2].ID), "check_in", "2027-02-15", "check_out", "2027-02-19", "price", "quote", "action", "move")
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			assert.Contains(t, resp.Header.Get("Location"), path+"?ok=")
			got, err := e.svc.Get(ctx, r.Code)
			require.NoError(t, err)
			assert.Equal(t, to, got.Stay)
			assert.Equal(t, units[2].ID, got.UnitID)
			assert.Equal(t, q.TotalCents, got.TotalCents)
			assert.Equal(t, r.PaidCents, got.PaidCents)
			evs, err := e.svc.History(ctx, r.Code)
			require.NoError(t, err)
			assert.Equal(t, booking.EventReservationMoved, evs[len(evs)-1].Type)
			assert.Equal(t, "staff:maria", evs[len(evs)-1].Payload["by"])

			_, page := staff.do(http.MethodGet, resp.Header.Get("Location"), nil)
			assert.Contains(t, page, "Reserva movida")
			assert.Contains(t, page, "2027-02-15 → 2027-02-19")
			_, page = staff.do(http.MethodGet, "/admin/calendar/timeline?from=2027-02-13", nil)
			assert.Contains(t, page, "2027-02-15 · ")
			assert.Contains(t, page, r.Code)
		})
		t.Run("keeping the agreed total", func(t *testing.T) {
			before, err := e.svc.Get(ctx, r.Code)
			require.NoError(t, err)
			resp, _ := move("unit", fmt.Sprint(units[2].ID), "check_in", "2027-02-22", "check_out", "2027-02-26", "price", "keep")
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			got, err := e.svc.Get(ctx, r.Code)
			require.NoError(t, err)
			assert.Equal(t, "2027-02-22", got.Stay.CheckIn.String())
			assert.Equal(t, before.TotalCents, got.TotalCents)
		})
		t.Run("a booking from a conversation says the guest was not told", func(t *testing.T) {
			conv := store.Conversation{Channel: "webchat", Contact: "wc_move", State: "bot", Session: []byte("{}"), CreatedAt: time.Now(), UpdatedAt: time.Now()}
			_, err := db.NewInsert().Model(&conv).Returning("id").Exec(ctx)
			require.NoError(t, err)
			_, err = db.NewUpdate().Table("reservations").Set("conversation_id = ?", conv.ID).Where("code = ?", r.Code).Exec(ctx)
			require.NoError(t, err)
			_, page := staff.do(http.MethodGet, path, nil)
			assert.Contains(t, page, fmt.Sprintf(`<a href="/admin/conversations/%d">escribile desde la conversación</a>`, conv.ID))
			resp, _ := move("unit", fmt.Sprint(units[2].ID), "check_in", "2027-03-01", "check_out", "2027-03-04")
			require.Equal(t, http.StatusSeeOther, resp.StatusCode)
			_, page = staff.do(http.MethodGet, resp.Header.Get("Location"), nil)
			assert.Contains(t, page, "El huésped no fue avisado")
			var msgs int
			require.NoError(t, db.NewSelect().Table("messages").ColumnExpr("count(*)").Where("conversation_id = ?", conv.ID).Scan(ctx, &msgs))
			assert.Zero(t, msgs, "nothing was sent to the guest")
		})
		t.Run("a cancelled booking offers no move and refuses one", func(t *testing.T) {
			_, err := e.svc.Cancel(ctx, r.Code, "test")
			require.NoError(t, err)
			_, page := staff.do(http.MethodGet, path, nil)
			assert.NotContains(t, page, "Cambiar fechas o unidad")
			resp, page := move("unit", fmt.Sprint(units[2].ID), "check_in", "2027-03-08", "check_out", "2027-03-11")
			assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
			assert.Contains(t, page, "La reserva está cancelada")
		})
	})
}
