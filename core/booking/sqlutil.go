package booking

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
	"weak"

	"github.com/conserje/conserje/core/store"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// sqliteWriters queues this process's booking write transactions, one queue per SQLite
// database. SQLite admits one writer at a time, and a writer that finds the lock taken
// sleeps in its busy handler (1, 2, 5, 10, ... ms) however soon the lock is freed: under
// concurrent holds the lock sat idle between writers most of the time. Waiting in a Go
// queue instead hands it over at once. Writers of other packages and other processes
// still meet SQLite's busy timeout; the queue only keeps ours from racing each other.
var sqliteWriters = writerQueues{m: map[weak.Pointer[store.DB]]chan struct{}{}}

type writerQueues struct {
	mu sync.Mutex
	m  map[weak.Pointer[store.DB]]chan struct{}
}

// queue returns db's writer queue, a one-slot semaphore. The entry goes away when db is
// garbage collected (tests open hundreds of databases).
func (w *writerQueues) queue(db *store.DB) chan struct{} {
	key := weak.Make(db)
	w.mu.Lock()
	defer w.mu.Unlock()
	q, ok := w.m[key]
	if !ok {
		q = make(chan struct{}, 1)
		w.m[key] = q
		runtime.AddCleanup(db, w.drop, key)
	}
	return q
}

func (w *writerQueues) drop(key weak.Pointer[store.DB]) {
	w.mu.Lock()
	delete(w.m, key)
	w.mu.Unlock()
}

// awaitWriterTurn waits, at most maxWait and while ctx lasts, until no other booking
// write transaction of this process runs on db, and returns the function that ends the
// turn.
func awaitWriterTurn(ctx context.Context, db *store.DB, maxWait time.Duration) (func(), error) {
	q := sqliteWriters.queue(db)
	release := func() { <-q }
	select {
	case q <- struct{}{}:
		return release, nil
	default:
	}
	t := time.NewTimer(maxWait)
	defer t.Stop()
	select {
	case q <- struct{}{}:
		return release, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the database write lock: %w", ctx.Err())
	case <-t.C:
		return nil, fmt.Errorf("wait for the database write lock: other writers held it for %s", maxWait)
	}
}
