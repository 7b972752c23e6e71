package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/booking/bookingtest"
	"github.com/conserje/conserje/core/lock"
	"github.com/conserje/conserje/core/lock/locktest"
	"github.com/conserje/conserje/core/obs"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/conserje/conserje/core/web"
)

const apiToken = "test-token-0123456789abcdef"

// apiStart is 09:00 in Buenos Aires on 1 January 2027.
var apiStart = time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC)

type bookingServer struct {
	url   string
	db    *store.DB
	demo  bookingtest.Demo
	clock *bookingtest.Clock
}

// newBookingServer serves the booking API over db on a real loopback listener.
func newBookingServer(t *testing.T, db *store.DB, locker lock.Locker) bookingServer {
	t.Helper()
	demo := bookingtest.SeedDemo(t, db)
	clock := bookingtest.NewClock(apiStart)
	svc := booking.NewService(db, booking.Options{Now: clock.Now, Locker: locker})
	return bookingServer{url: serveBooking(t, svc), db: db, demo: demo, clock: clock}
}

func serveBooking(t *testing.T, svc *booking.Service) string {
	t.Helper()
	api, err := web.NewBookingAPI(svc, apiToken, nil)
	require.NoError(t, err)
	s, err := web.New(web.Options{Registry: obs.NewRegistry(), Mounts: []web.Mounter{api}})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String()
}

type apiResponse struct {
	Status int
	Body   map[string]any
	Raw    string
}

func call(t *testing.T, client *http.Client, method, url, token, body string) apiResponse {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	out := apiResponse{Status: resp.StatusCode, Raw: string(raw)}
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &out.Body), "body: %s", raw)
	}
	return out
}

func holdBody(unit int64, in, out string, guests int) string {
	return fmt.Sprintf(`{"accommodation_id": %d, "check_in": %q, "check_out": %q, "guests": %d,
		"guest": {"name": "Ana Pérez", "phone": "+5493511234567", "email": "ana@example.com"}}`, unit, in, out, guests)
}

func errCode(r apiResponse) string {
	e, _ := r.Body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func errFields(r apiResponse) map[string]any {
	e, _ := r.Body["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

func TestBookingAPIAuth(t *testing.T) {
	s := newBookingServer(t, storetest.SQLite(t), nil)
	c := http.DefaultClient
	for name, token := range map[string]string{"missing": "", "wrong": "nope-nope-nope-nope-nope", "prefix of the right one": apiToken[:10]} {
		t.Run(name, func(t *testing.T) {
			r := call(t, c, "GET", s.url+"/api/v1/accommodations", token, "")
			assert.Equal(t, http.StatusUnauthorized, r.Status)
			assert.Equal(t, "unauthorized", errCode(r))
		})
	}
	r := call(t, c, "GET", s.url+"/api/v1/accommodations", apiToken, "")
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	units := r.Body["accommodations"].([]any)
	require.Len(t, units, 3)
	first := units[0].(map[string]any)
	assert.Equal(t, "Cabaña Robles", first["name"])
	assert.Equal(t, "cabaña", first["type"])
	assert.EqualValues(t, 4, first["capacity"])
	assert.EqualValues(t, 4_500_000, first["base_price_cents"])
	assert.Contains(t, first["amenities"], "pileta")

	_, err := web.NewBookingAPI(nil, "short", nil)
	require.Error(t, err, "a guessable token is refused")
}

func TestBookingAPIAvailability(t *testing.T) {
	s := newBookingServer(t, storetest.SQLite(t), nil)
	c := http.DefaultClient
	r := call(t, c, "GET", s.url+"/api/v1/availability?check_in=2027-01-05&check_out=2027-01-08&guests=4", apiToken, "")
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	offers := r.Body["offers"].([]any)
	require.Len(t, offers, 2)
	robles := offers[0].(map[string]any)
	assert.Equal(t, "Cabaña Robles", robles["name"])
	assert.EqualValues(t, 3, robles["nights"])
	assert.EqualValues(t, 13_500_000, robles["total_cents"])
	assert.EqualValues(t, 4_050_000, robles["deposit_cents"])
	nightly := robles["nightly"].([]any)
	require.Len(t, nightly, 3)
	assert.Equal(t, map[string]any{"date": "2027-01-05", "price_cents": float64(4_500_000), "reason": "tarifa base"}, nightly[0])
	coihue := offers[1].(map[string]any)
	assert.EqualValues(t, 18_000_000, coihue["total_cents"])
	assert.EqualValues(t, 5_400_000, coihue["deposit_cents"])
	assert.Empty(t, r.Body["alternatives"])

	r = call(t, c, "GET", s.url+"/api/v1/availability?check_in=2027-01-05&check_out=2027-01-08&guests=2&unit_type=departamento&amenities=wifi,cochera", apiToken, "")
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	require.Len(t, r.Body["offers"], 1)

	r = call(t, c, "GET", s.url+"/api/v1/availability?check_in=2027-01-08&check_out=2027-01-05&guests=x", apiToken, "")
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.Raw)
	assert.Contains(t, errFields(r), "guests")
	r = call(t, c, "GET", s.url+"/api/v1/availability?check_in=2027-01-08&check_out=2027-01-05&guests=2", apiToken, "")
	require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.Raw)
	assert.Contains(t, errFields(r), "check_out")
}

func TestBookingAPIPreReservations(t *testing.T) {
	s := newBookingServer(t, storetest.SQLite(t), nil)
	c := http.DefaultClient
	post := func(path, body string) apiResponse { return call(t, c, "POST", s.url+path, apiToken, body) }

	r := post("/api/v1/pre-reservations", holdBody(s.demo.Robles, "2027-01-05", "2027-01-08", 4))
	require.Equal(t, http.StatusCreated, r.Status, r.Raw)
	assert.Equal(t, "RES270105001", r.Body["code"])
	assert.Equal(t, "pre_reserved", r.Body["status"])
	assert.Equal(t, "2027-01-01T12:30:00Z", r.Body["expires_at"])
	assert.EqualValues(t, 13_500_000, r.Body["total_cents"])
	assert.EqualValues(t, 4_050_000, r.Body["deposit_cents"])

	t.Run("taken: 409 with alternatives", func(t *testing.T) {
		r := post("/api/v1/pre-reservations", holdBody(s.demo.Robles, "2027-01-06", "2027-01-09", 4))
		require.Equal(t, http.StatusConflict, r.Status, r.Raw)
		assert.Equal(t, "unavailable", errCode(r))
		alts := r.Body["alternatives"].([]any)
		require.NotEmpty(t, alts)
		first := alts[0].(map[string]any)
		assert.Equal(t, "other_unit", first["kind"])
		assert.Equal(t, "Cabaña Coihue", first["name"])
		assert.Equal(t, "2027-01-06", first["check_in"])
	})

	t.Run("invalid input: 422 with fields", func(t *testing.T) {
		tests := []struct {
			name, body, field string
		}{
			{"unknown unit", holdBody(999, "2027-01-05", "2027-01-08", 2), "accommodation_id"},
			{"check-out not after check-in", holdBody(s.demo.Coihue, "2027-01-08", "2027-01-08", 2), "check_out"},
			{"past dates", holdBody(s.demo.Coihue, "2026-12-20", "2026-12-23", 2), "check_in"},
			{"guests over capacity", holdBody(s.demo.Centro, "2027-01-05", "2027-01-08", 3), "guests"},
			{"over 90 nights", holdBody(s.demo.Coihue, "2027-01-05", "2027-04-06", 2), "check_out"},
			{"not a date", holdBody(s.demo.Coihue, "5/1/2027", "2027-01-08", 2), "check_in"},
			{"missing guests", fmt.Sprintf(`{"accommodation_id": %d, "check_in": "2027-01-05", "check_out": "2027-01-08"}`, s.demo.Coihue), "guests"},
			{"unknown JSON field", fmt.Sprintf(`{"accommodation_id": %d, "check_in": "2027-01-05", "check_out": "2027-01-08", "guests": 2, "pets": true}`, s.demo.Coihue), "pets"},
			{"wrong JSON type", fmt.Sprintf(`{"accommodation_id": %d, "check_in": "2027-01-05", "check_out": "2027-01-08", "guests": "two"}`, s.demo.Coihue), "guests"},
			{"minimum stay", holdBody(s.demo.Coihue, "2027-01-12", "2027-01-13", 2), "check_out"},
			{"year 9999", holdBody(s.demo.Coihue, "9999-01-05", "9999-01-08", 2), "check_in"},
			{"beyond booking.max_advance_days", holdBody(s.demo.Coihue, "2029-01-05", "2029-01-08", 2), "check_in"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := post("/api/v1/pre-reservations", tc.body)
				require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.Raw)
				assert.Contains(t, errFields(r), tc.field)
			})
		}
	})
	t.Run("too far ahead: the 422 says until when", func(t *testing.T) {
		for _, path := range []string{"/api/v1/pre-reservations", "/api/v1/availability?check_in=9999-01-05&check_out=9999-01-08&guests=2"} {
			var r apiResponse
			if strings.HasPrefix(path, "/api/v1/availability") {
				r = call(t, c, "GET", s.url+path, apiToken, "")
			} else {
				r = post(path, holdBody(s.demo.Coihue, "9999-01-05", "9999-01-08", 2))
			}
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.Raw)
			assert.Contains(t, r.Raw, "is too far ahead (bookings open until 2028-12-31)", path)
		}
	})
	t.Run("malformed JSON is 400", func(t *testing.T) {
		r := post("/api/v1/pre-reservations", `{"accommodation_id": `)
		require.Equal(t, http.StatusBadRequest, r.Status, r.Raw)
		assert.Equal(t, "invalid_json", errCode(r))
	})
	t.Run("bodies over 1 MiB are refused", func(t *testing.T) {
		big := `{"accommodation_id": 1, "guest": {"name": "` + strings.Repeat("a", 1<<20) + `"}}`
		req, err := http.NewRequest("POST", s.url+"/api/v1/pre-reservations", bytes.NewReader([]byte(big)))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+apiToken)
		resp, err := c.Do(req)
		if err == nil {
			defer resp.Body.Close()
			assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
		}
		// The server may also close the connection mid-upload; either way nothing was held.
		var n int
		require.NoError(t, s.db.NewSelect().Table("reservations").ColumnExpr("count(*)").Scan(context.Background(), &n))
		assert.Equal(t, 1, n)
	})
}

func TestBookingAPIHoldLifecycle(t *testing.T) {
	s := newBookingServer(t, storetest.SQLite(t), nil)
	c := http.DefaultClient
	post := func(path, body string) apiResponse { return call(t, c, "POST", s.url+path, apiToken, body) }
	r := post("/api/v1/pre-reservations", holdBody(s.demo.Coihue, "2027-01-05", "2027-01-08", 4))
	require.Equal(t, http.StatusCreated, r.Status, r.Raw)
	code := r.Body["code"].(string)

	r = post("/api/v1/pre-reservations/"+code+"/extend", "")
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	assert.Equal(t, "2027-01-01T12:45:00Z", r.Body["expires_at"])
	r = post("/api/v1/pre-reservations/"+code+"/extend", "")
	require.Equal(t, http.StatusConflict, r.Status, r.Raw)
	assert.Equal(t, "already_extended", errCode(r))

	r = post("/api/v1/pre-reservations/RES000101999/extend", "")
	require.Equal(t, http.StatusNotFound, r.Status, r.Raw)

	r = post("/api/v1/reservations/"+code+"/confirm", "")
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	assert.Equal(t, "confirmed", r.Body["status"])
	r = post("/api/v1/reservations/"+code+"/confirm", `{"paid_cents": 5400000}`)
	require.Equal(t, http.StatusOK, r.Status, "confirm is idempotent: %s", r.Raw)
	assert.Equal(t, "confirmed", r.Body["status"])

	r = call(t, c, "GET", s.url+"/api/v1/reservations/"+code, apiToken, "")
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	assert.Equal(t, "confirmed", r.Body["status"])
	assert.Equal(t, "Ana Pérez", r.Body["guest"].(map[string]any)["name"])
	hist := r.Body["history"].([]any)
	var statuses []string
	for _, h := range hist {
		statuses = append(statuses, h.(map[string]any)["status"].(string))
	}
	assert.Equal(t, []string{"pre_reserved", "pre_reserved", "confirmed"}, statuses)

	r = post("/api/v1/reservations/"+code+"/cancel", `{"reason": "plans changed"}`)
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	assert.Equal(t, "cancelled", r.Body["status"])
	r = post("/api/v1/reservations/"+code+"/cancel", "")
	require.Equal(t, http.StatusOK, r.Status, r.Raw)
	r = post("/api/v1/reservations/"+code+"/confirm", "")
	require.Equal(t, http.StatusConflict, r.Status, r.Raw)

	t.Run("an expired hold is 410 on extend", func(t *testing.T) {
		r := post("/api/v1/pre-reservations", holdBody(s.demo.Robles, "2027-02-01", "2027-02-04", 2))
		require.Equal(t, http.StatusCreated, r.Status, r.Raw)
		s.clock.Advance(31 * time.Minute)
		r = post("/api/v1/pre-reservations/"+r.Body["code"].(string)+"/extend", "")
		require.Equal(t, http.StatusGone, r.Status, r.Raw)
		assert.Equal(t, "expired", errCode(r))
	})
	r = call(t, c, "GET", s.url+"/api/v1/reservations/RES000101999", apiToken, "")
	require.Equal(t, http.StatusNotFound, r.Status, r.Raw)
}

// TestPreReservationRace fires 200 concurrent pre-reservations for overlapping stays of one
// unit: exactly one wins, every other request is a 409, and one row exists.
func TestPreReservationRace(t *testing.T) {
	dbs := map[string]func(t testing.TB) *store.DB{"sqlite": storetest.SQLite, "postgres": storetest.Postgres}
	lockers := map[string]func(t *testing.T) lock.Locker{
		"memory": func(t *testing.T) lock.Locker { return lock.NewMemory(nil) },
		"redis":  func(t *testing.T) lock.Locker { return lock.NewRedis(locktest.Redis(t), locktest.Prefix(t)) },
	}
	for dbName, openDB := range dbs {
		for lockName, newLocker := range lockers {
			t.Run(dbName+"/"+lockName, func(t *testing.T) {
				db := openDB(t)
				s := newBookingServer(t, db, newLocker(t))
				bodies := make([]string, 200)
				for i := range bodies {
					// Every stay holds the nights of 7 and 8 January, whatever its shift.
					in := date(t, "2027-01-05").AddDays(i % 3)
					bodies[i] = holdBody(s.demo.Robles, in.String(), in.AddDays(4).String(), 2)
				}
				statuses := race(t, s.url, bodies)
				assert.Equal(t, 1, statuses[http.StatusCreated], "exactly one winner: %v", statuses)
				assert.Equal(t, len(bodies)-1, statuses[http.StatusConflict], "every loser is a 409: %v", statuses)
				var n int
				require.NoError(t, db.NewSelect().Table("reservations").ColumnExpr("count(*)").
					Where("accommodation_id = ?", s.demo.Robles).Scan(context.Background(), &n))
				assert.Equal(t, 1, n)
			})
		}
	}
}

// race posts every body at once (released together) and counts the statuses.
func race(t *testing.T, baseURL string, bodies []string) map[int]int {
	t.Helper()
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: len(bodies)}}
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for _, body := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			req, err := http.NewRequest("POST", baseURL+"/api/v1/pre-reservations", strings.NewReader(body))
			if !assert.NoError(t, err) {
				return
			}
			req.Header.Set("Authorization", "Bearer "+apiToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if !assert.NoError(t, err) {
				return
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusConflict {
				t.Errorf("unexpected %d: %s", resp.StatusCode, raw)
			}
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	close(gate)
	wg.Wait()
	// Idle keep-alive connections would hold the server's graceful shutdown open.
	client.CloseIdleConnections()
	return statuses
}

func date(t *testing.T, s string) store.Date {
	t.Helper()
	d, err := store.ParseDate(s)
	require.NoError(t, err)
	return d
}

// TestBookingAPIMove: PATCH /api/v1/reservations/{code} moves a booking with the engine's
// guards: a taken night is 409 naming what takes it, too many guests for the unit and a
// stay under the minimum are 422, and a move that fits returns the reservation at its new
// nights, keeping the agreed total unless the new quote is asked for.
func TestBookingAPIMove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newBookingServer(t, db, nil)
		c := http.DefaultClient
		post := func(path, body string) apiResponse { return call(t, c, "POST", s.url+path, apiToken, body) }
		patch := func(code, body string) apiResponse {
			return call(t, c, "PATCH", s.url+"/api/v1/reservations/"+code, apiToken, body)
		}
		hold := func(unit int64, in, out string, guests int) string {
			r := post("/api/v1/pre-reservations", holdBody(unit, in, out, guests))
			require.Equal(t, http.StatusCreated, r.Status, r.Raw)
			return r.Body["code"].(string)
		}
		other := hold(s.demo.Robles, "2027-03-01", "2027-03-04", 2)
		code := hold(s.demo.Robles, "2027-03-08", "2027-03-11", 3)
		r := post("/api/v1/reservations/"+code+"/confirm", `{"paid_cents": 100000}`)
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		total := r.Body["total_cents"].(float64)

		cases := []struct {
			name   string
			body   string
			status int
			code   string
			check  func(t *testing.T, r apiResponse)
		}{
			{name: "onto a hold", body: `{"check_in": "2027-03-02", "check_out": "2027-03-05"}`, status: http.StatusConflict, code: "unavailable",
				check: func(t *testing.T, r apiResponse) {
					cs := r.Body["conflicts"].([]any)
					require.Len(t, cs, 1)
					assert.Equal(t, map[string]any{"kind": "hold", "code": other, "check_in": "2027-03-01", "check_out": "2027-03-04"}, cs[0])
				}},
			{name: "more guests than the unit sleeps", body: fmt.Sprintf(`{"accommodation_id": %d}`, s.demo.Centro), status: http.StatusUnprocessableEntity, code: "over_capacity"},
			{name: "under the minimum stay", body: `{"check_in": "2027-03-15", "check_out": "2027-03-16"}`, status: http.StatusUnprocessableEntity, code: "min_stay"},
			{name: "an unknown price choice", body: `{"check_in": "2027-03-15", "price": "cheap"}`, status: http.StatusUnprocessableEntity, code: "invalid"},
			{name: "an empty move", body: `{}`, status: http.StatusUnprocessableEntity, code: "invalid"},
			{name: "an unknown field", body: `{"nights": 3}`, status: http.StatusUnprocessableEntity, code: "invalid"},
			{name: "later nights in another unit keep the total", body: fmt.Sprintf(`{"accommodation_id": %d, "check_in": "2027-03-15", "check_out": "2027-03-18"}`, s.demo.Coihue),
				status: http.StatusOK, check: func(t *testing.T, r apiResponse) {
					assert.Equal(t, float64(s.demo.Coihue), r.Body["accommodation_id"])
					assert.Equal(t, "2027-03-15", r.Body["check_in"])
					assert.Equal(t, "2027-03-18", r.Body["check_out"])
					assert.Equal(t, total, r.Body["total_cents"])
					assert.NotEqual(t, total, r.Body["quote_total_cents"], "Coihue costs more")
				}},
			{name: "one more night at the new quote", body: `{"check_out": "2027-03-19", "price": "quote"}`, status: http.StatusOK,
				check: func(t *testing.T, r apiResponse) {
					assert.Equal(t, "2027-03-19", r.Body["check_out"])
					assert.Equal(t, r.Body["quote_total_cents"], r.Body["total_cents"])
					assert.Len(t, r.Body["nightly"], 4)
				}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := patch(code, tc.body)
				require.Equal(t, tc.status, r.Status, r.Raw)
				if tc.code != "" {
					assert.Equal(t, tc.code, errCode(r))
				}
				if tc.check != nil {
					tc.check(t, r)
				}
			})
		}
		r = call(t, c, "GET", s.url+"/api/v1/reservations/"+code, apiToken, "")
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		hist := r.Body["history"].([]any)
		last := hist[len(hist)-1].(map[string]any)
		assert.Equal(t, booking.EventReservationMoved, last["event"])
		assert.Equal(t, "confirmed", last["status"])
		r = patch("RES000101999", `{"check_in": "2027-03-15"}`)
		assert.Equal(t, http.StatusNotFound, r.Status, r.Raw)
	})
}
