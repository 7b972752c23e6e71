package web

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// unusedConnAge is how long a connection must have sat without sending a byte before a
// graceful shutdown closes it (net/http waits 5 s for a new connection; the shutdown has
// 10 s in all). A client that connected this long ago and sent nothing is not about to
// send a request that would be lost.
const unusedConnAge = time.Second

// unusedConns tracks the accepted connections that have not read their first byte yet.
// fasthttp counts a new connection as active from the start, so a graceful shutdown
// waited, up to the read timeout (15 s, longer than the shutdown's 10), for a connection
// that never carried a request: one a reverse proxy or an HTTP client dialed and then
// kept in its pool unused (net/http dials for a request that a connection freed
// meanwhile took). Those are closed at shutdown; connections with a request in flight are
// not touched.
type unusedConns struct {
	mu    sync.Mutex
	conns map[*trackedConn]time.Time
}

func (u *unusedConns) listen(ln net.Listener) net.Listener { return trackedListener{ln, u} }

func (u *unusedConns) add(c *trackedConn) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conns == nil {
		u.conns = map[*trackedConn]time.Time{}
	}
	u.conns[c] = time.Now()
}

func (u *unusedConns) remove(c *trackedConn) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.conns, c)
}

// closeOld closes the connections that sat unused for unusedConnAge.
func (u *unusedConns) closeOld() {
	u.mu.Lock()
	var old []*trackedConn
	for c, at := range u.conns {
		if time.Since(at) >= unusedConnAge {
			old = append(old, c)
			delete(u.conns, c)
		}
	}
	u.mu.Unlock()
	for _, c := range old {
		_ = c.Conn.Close()
	}
}

// closeWhileShuttingDown closes unused connections every 100 ms until stop is called or
// ctx ends.
func (u *unusedConns) closeWhileShuttingDown(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			u.closeOld()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}

type trackedListener struct {
	net.Listener
	unused *unusedConns
}

func (l trackedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, unused: l.unused}
	l.unused.add(tc)
	return tc, nil
}

type trackedConn struct {
	net.Conn
	unused *unusedConns
	used   atomic.Bool
}

func (c *trackedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 && !c.used.Load() {
		c.used.Store(true)
		c.unused.remove(c)
	}
	return n, err
}

func (c *trackedConn) Close() error {
	c.unused.remove(c)
	return c.Conn.Close()
}
