package conversation

import (
	"testing"
	"time"
)

// HoldIngest makes Receive calls queue as if a write were in flight, until release:
// then the queued messages are written as one batch, in the order they queued.
func (s *Service) HoldIngest(t testing.TB) (release func()) {
	t.Helper()
	q := &s.ingest
	q.mu.Lock()
	if q.writing {
		q.mu.Unlock()
		t.Fatal("HoldIngest: a write is in flight")
	}
	q.writing = true
	q.mu.Unlock()
	return func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		if len(q.waiting) > 0 {
			close(q.waiting[0].lead)
		} else {
			q.writing = false
		}
	}
}

// WaitQueued waits until n Receive calls are queued behind a held write.
func (s *Service) WaitQueued(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.ingest.mu.Lock()
		got := len(s.ingest.waiting)
		s.ingest.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("WaitQueued: %d of %d Receive calls queued", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}
