package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// unit inserts a property and one accommodation with plain SQL and returns the unit id.
func unit(t *testing.T, db *store.DB, slug string) int64 {
	t.Helper()
	ctx := context.Background()
	var propID int64
	err := db.NewRaw(`INSERT INTO properties (slug, name) VALUES (?, ?) RETURNING id`, "p-"+slug, "Test "+slug).Scan(ctx, &propID)
	require.NoError(t, err)
	var id int64
	err = db.NewRaw(`INSERT INTO accommodations (property_id, slug, name, unit_type, capacity, base_occupancy, base_price_cents)
		VALUES (?, ?, ?, 'cabaña', 4, 2, 4500000) RETURNING id`, propID, slug, "Cabaña "+slug).Scan(ctx, &id)
	require.NoError(t, err)
	return id
}

// rawInsert writes a reservation with plain SQL, bypassing every Go check, so only the
// database can refuse it.
func rawInsert(ctx context.Context, db *store.DB, code string, unitID int64, in, out, status string) error {
	_, err := db.ExecContext(ctx, `INSERT INTO reservations
		(code, accommodation_id, check_in, check_out, guests, status, total_cents, deposit_cents, expires_at)
		VALUES (?, ?, ?, ?, 2, ?, 100, 30, CURRENT_TIMESTAMP)`, code, unitID, in, out, status)
	return store.Classify(err)
}

func TestNoOverlapIsEnforcedByTheDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := unit(t, db, "robles")
		other := unit(t, db, "coihue")
		require.NoError(t, rawInsert(ctx, db, "RES270105001", u, "2027-01-05", "2027-01-08", store.StatusConfirmed))

		cases := []struct {
			name    string
			unit    int64
			in, out string
			status  string
			wantErr error
		}{
			{"same nights", u, "2027-01-05", "2027-01-08", store.StatusPreReserved, store.ErrOverlap},
			{"overlaps the start", u, "2027-01-03", "2027-01-06", store.StatusConfirmed, store.ErrOverlap},
			{"inside", u, "2027-01-06", "2027-01-07", store.StatusPreReserved, store.ErrOverlap},
			{"back to back after", u, "2027-01-08", "2027-01-10", store.StatusConfirmed, nil},
			{"back to back before", u, "2027-01-02", "2027-01-05", store.StatusPreReserved, nil},
			{"cancelled never blocks", u, "2027-01-05", "2027-01-08", store.StatusCancelled, nil},
			{"expired never blocks", u, "2027-01-06", "2027-01-07", store.StatusExpired, nil},
			{"another unit", other, "2027-01-05", "2027-01-08", store.StatusConfirmed, nil},
		}
		for i, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				err := rawInsert(ctx, db, fmt.Sprintf("RES2701%02d%03d", i, i), tc.unit, tc.in, tc.out, tc.status)
				if tc.wantErr == nil {
					require.NoError(t, err)
					return
				}
				require.ErrorIs(t, err, tc.wantErr)
			})
		}

		t.Run("reactivating a cancelled overlap is refused", func(t *testing.T) {
			_, err := db.ExecContext(ctx, `UPDATE reservations SET status = 'confirmed' WHERE status = 'cancelled' AND accommodation_id = ?`, u)
			require.ErrorIs(t, store.Classify(err), store.ErrOverlap)
		})
		t.Run("moving onto taken nights is refused", func(t *testing.T) {
			_, err := db.ExecContext(ctx, `UPDATE reservations SET check_in = '2027-01-07' WHERE code = 'RES270103003'`)
			require.ErrorIs(t, store.Classify(err), store.ErrOverlap)
		})
	})
}

func TestSchemaConstraints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := unit(t, db, "robles")
		cases := []struct {
			name string
			sql  string
			args []any
		}{
			{"check-out not after check-in", `INSERT INTO reservations (code, accommodation_id, check_in, check_out, guests, status, total_cents, deposit_cents) VALUES ('A1', ?, '2027-01-05', '2027-01-05', 2, 'confirmed', 0, 0)`, []any{u}},
			{"no guests", `INSERT INTO reservations (code, accommodation_id, check_in, check_out, guests, status, total_cents, deposit_cents) VALUES ('A2', ?, '2027-01-05', '2027-01-07', 0, 'confirmed', 0, 0)`, []any{u}},
			{"negative amount", `INSERT INTO reservations (code, accommodation_id, check_in, check_out, guests, status, total_cents, deposit_cents) VALUES ('A3', ?, '2027-01-05', '2027-01-07', 2, 'confirmed', -1, 0)`, []any{u}},
			{"unknown unit", `INSERT INTO reservations (code, accommodation_id, check_in, check_out, guests, status, total_cents, deposit_cents) VALUES ('A4', 999999, '2027-01-05', '2027-01-07', 2, 'confirmed', 0, 0)`, nil},
			{"hold without expiry", `INSERT INTO reservations (code, accommodation_id, check_in, check_out, guests, status, total_cents, deposit_cents) VALUES ('A5', ?, '2027-01-05', '2027-01-07', 2, 'pre_reserved', 0, 0)`, []any{u}},
			{"impossible date", `INSERT INTO availability_calendar (accommodation_id, start_date, end_date, kind) VALUES (?, '2027-02-30', '2027-03-02', 'block')`, []any{u}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				_, err := db.ExecContext(ctx, tc.sql, tc.args...)
				require.Error(t, err)
			})
		}

		t.Run("duplicate reservation code", func(t *testing.T) {
			require.NoError(t, rawInsert(ctx, db, "RES270301001", u, "2027-03-01", "2027-03-03", store.StatusConfirmed))
			err := rawInsert(ctx, db, "RES270301001", u, "2027-04-01", "2027-04-03", store.StatusConfirmed)
			require.ErrorIs(t, err, store.ErrConflict)
		})
		t.Run("duplicate message external id on a channel", func(t *testing.T) {
			var conv int64
			require.NoError(t, db.NewRaw(`INSERT INTO conversations (channel, contact) VALUES ('whatsapp', '5493510000000') RETURNING id`).Scan(ctx, &conv))
			ins := `INSERT INTO messages (conversation_id, direction, channel, external_id, text) VALUES (?, 'in', 'whatsapp', 'wamid.1', 'hola')`
			_, err := db.ExecContext(ctx, ins, conv)
			require.NoError(t, err)
			_, err = db.ExecContext(ctx, ins, conv)
			require.ErrorIs(t, store.Classify(err), store.ErrConflict)
		})
		t.Run("duplicate provider payment id", func(t *testing.T) {
			var res int64
			require.NoError(t, db.NewRaw(`SELECT id FROM reservations WHERE code = 'RES270301001'`).Scan(ctx, &res))
			ins := `INSERT INTO payment_records (reservation_id, provider, provider_payment_id, status, amount_cents) VALUES (?, 'mercadopago', '123', 'approved', 100)`
			_, err := db.ExecContext(ctx, ins, res)
			require.NoError(t, err)
			_, err = db.ExecContext(ctx, ins, res)
			require.ErrorIs(t, store.Classify(err), store.ErrConflict)
		})
	})
}

// TestConcurrentOverlappingInsertsLeaveOneRow races 50 writers for overlapping stays of one
// unit. On PostgreSQL each writer takes the per-unit advisory lock first, as the booking
// engine does (architecture.md: without it losers may deadlock with 40P01).
func TestConcurrentOverlappingInsertsLeaveOneRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := unit(t, db, "robles")
		const writers = 50
		var wg sync.WaitGroup
		errs := make([]error, writers)
		start := make(chan struct{})
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				in := fmt.Sprintf("2027-01-%02d", 5+i%3)
				errs[i] = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					if db.Dialect() == store.Postgres {
						if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, u); err != nil {
							return err
						}
					}
					_, err := tx.ExecContext(ctx, `INSERT INTO reservations
						(code, accommodation_id, check_in, check_out, guests, status, total_cents, deposit_cents, expires_at)
						VALUES (?, ?, ?, '2027-01-09', 2, 'pre_reserved', 100, 30, CURRENT_TIMESTAMP)`,
						fmt.Sprintf("RES2701%02d%03d", i, i), u, in)
					return err
				})
			}()
		}
		close(start)
		wg.Wait()

		won := 0
		for _, err := range errs {
			if err == nil {
				won++
				continue
			}
			assert.True(t, errors.Is(store.Classify(err), store.ErrOverlap), "loser error must be an overlap, got %v", err)
		}
		assert.Equal(t, 1, won, "exactly one writer wins")
		var rows int
		require.NoError(t, db.NewRaw(`SELECT count(*) FROM reservations WHERE accommodation_id = ?`, u).Scan(ctx, &rows))
		assert.Equal(t, 1, rows)
	})
}

func TestMigrationsRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m, err := store.NewMigrator(db)
		require.NoError(t, err)
		all, err := store.LoadMigrations(db.Dialect())
		require.NoError(t, err)

		pending, err := m.Pending(ctx)
		require.NoError(t, err)
		require.Zero(t, pending, "storetest migrates up")

		down, err := m.Down(ctx, len(all))
		require.NoError(t, err)
		require.Len(t, down, len(all))
		var tables int
		require.NoError(t, db.NewRaw(tableCountSQL(db)).Scan(ctx, &tables))
		assert.Zero(t, tables, "down removes every table but the bookkeeping one")

		up, err := m.Up(ctx)
		require.NoError(t, err)
		require.Len(t, up, len(all))
		again, err := m.Up(ctx)
		require.NoError(t, err)
		assert.Empty(t, again, "up is idempotent")

		u := unit(t, db, "after-roundtrip")
		require.NoError(t, rawInsert(ctx, db, "RES270105001", u, "2027-01-05", "2027-01-08", store.StatusConfirmed))
		require.ErrorIs(t, rawInsert(ctx, db, "RES270105002", u, "2027-01-06", "2027-01-08", store.StatusConfirmed), store.ErrOverlap,
			"the no-overlap guard survives a round trip")
	})
}

func tableCountSQL(db *store.DB) string {
	if db.Dialect() == store.Postgres {
		return `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`
	}
	return `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT IN ('schema_migrations', 'sqlite_sequence')`
}

func TestBothDialectsHaveTheSameMigrations(t *testing.T) {
	pg, err := store.LoadMigrations(store.Postgres)
	require.NoError(t, err)
	lite, err := store.LoadMigrations(store.SQLite)
	require.NoError(t, err)
	require.Equal(t, len(pg), len(lite))
	for i := range pg {
		assert.Equal(t, pg[i].Version, lite[i].Version)
		assert.Equal(t, pg[i].Name, lite[i].Name)
	}
}
