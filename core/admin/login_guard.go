package admin

import (
	"crypto/sha256"
	"encoding/hex"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Defaults of the login guard.
const (
	// DefaultLoginsPerIP is how many login attempts one address may make per minute.
	DefaultLoginsPerIP = 5
	// DefaultLoginsPerAccount is how many login attempts one username may receive per
	// minute, from any number of addresses.
	DefaultLoginsPerAccount = 10
	// hashWait is how long a queued login waits for a free hashing slot before 429; waiting
	// costs no CPU, and staff logging in together must not be refused.
	hashWait = 5 * time.Second
)

// loginGuard keeps password guessing from getting through or starving the server: every
// attempt takes a token from its address's and its account's bucket before anything is
// hashed (so a burst of simultaneous attempts cannot all pass the check before the first
// failure is counted), and at most a few bcrypt comparisons run at once, the rest waiting
// briefly and then refused.
type loginGuard struct {
	now     func() time.Time
	ip      *keyedLimiter
	account *keyedLimiter
	slots   chan struct{}
	// waiting bounds the attempts queued for a slot; beyond it they are refused at once.
	waiting chan struct{}
}

func newLoginGuard(now func() time.Time, perIP, perAccount, concurrent int) *loginGuard {
	if perIP <= 0 {
		perIP = DefaultLoginsPerIP
	}
	if perAccount <= 0 {
		perAccount = DefaultLoginsPerAccount
	}
	if concurrent <= 0 {
		// bcrypt is pure CPU: leave at least half the cores to guests.
		concurrent = max(1, runtime.GOMAXPROCS(0)/2)
	}
	return &loginGuard{
		now:     now,
		ip:      newKeyedLimiter(perIP, time.Minute),
		account: newKeyedLimiter(perAccount, time.Minute),
		slots:   make(chan struct{}, concurrent),
		waiting: make(chan struct{}, 4*concurrent),
	}
}

// admit counts one attempt from ip at username; false means the attempt is refused and
// wait is when to try again.
func (g *loginGuard) admit(ip, username string) (bool, time.Duration) {
	now := g.now()
	if ok, wait := g.ip.take(ip, now); !ok {
		return false, wait
	}
	return g.account.take(strings.ToLower(strings.TrimSpace(username)), now)
}

// hashSlot reserves one of the few concurrent password checks; ok is false when the
// server is already busy checking passwords (the caller answers 429).
func (g *loginGuard) hashSlot() (release func(), ok bool) {
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, true
	default:
	}
	select {
	case g.waiting <- struct{}{}:
	default:
		return nil, false
	}
	defer func() { <-g.waiting }()
	t := time.NewTimer(hashWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots }, true
	case <-t.C:
		return nil, false
	}
}

// keyedLimiter is a token bucket per key (golang.org/x/time/rate): n tokens per period,
// bursting to n. Buckets full again are forgotten, so memory follows recent attempts.
type keyedLimiter struct {
	n      int
	period time.Duration

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	sweepAt time.Time
}

func newKeyedLimiter(n int, period time.Duration) *keyedLimiter {
	return &keyedLimiter{n: n, period: period, buckets: map[string]*rate.Limiter{}}
}

func (k *keyedLimiter) take(key string, now time.Time) (bool, time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.After(k.sweepAt) {
		for key, l := range k.buckets {
			if l.TokensAt(now) >= float64(k.n) {
				delete(k.buckets, key)
			}
		}
		k.sweepAt = now.Add(k.period)
	}
	l, ok := k.buckets[key]
	if !ok {
		l = rate.NewLimiter(rate.Every(k.period/time.Duration(k.n)), k.n)
		k.buckets[key] = l
	}
	if l.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - l.TokensAt(now)
	return false, time.Duration(missing * float64(k.period) / float64(k.n))
}

// usernameDigest names a typed username in logs without writing it: a typo'd password in
// the username field must not end up in the journal.
func usernameDigest(username string) string {
	sum := sha256.Sum256([]byte(username))
	return hex.EncodeToString(sum[:6])
}
