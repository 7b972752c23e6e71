package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Bounds every run keeps, whatever it is asked.
const (
	MaxDuration = 10 * time.Minute
	MaxRate     = 200.0 // arrivals per second
	MaxInFlight = 1000
)

// ErrRemoteTarget refuses a target that is not on this machine unless AllowRemote is set.
var ErrRemoteTarget = errors.New("the target is not a loopback address (pass --allow-remote to load a server you run elsewhere, never someone else's)")

// Config describes one run.
type Config struct {
	// Target is the base URL of a running `conserje serve` (default http://127.0.0.1:8080).
	Target string
	// Scenario is "webchat", "whatsapp" or "holds".
	Scenario string
	// Rate is the arrival rate: new conversations (or webhooks, or holds) per second,
	// started on schedule whether or not earlier ones finished (an open model).
	Rate float64
	// Duration is how long arrivals are started; the run then waits for those in flight.
	Duration time.Duration
	// MaxInFlight bounds concurrent arrivals; an arrival due while that many are in
	// flight is dropped and counted (the server is not keeping up).
	MaxInFlight int
	// AllowRemote permits a target that is not a loopback address.
	AllowRemote bool
	// Turns are the guest's messages of one web-chat conversation.
	Turns []string
	// AppSecret signs WhatsApp webhooks (X-Hub-Signature-256), as Meta does with the app's
	// secret; PhoneNumberID is the business number they are addressed to.
	AppSecret, PhoneNumberID string
	// APIToken is the bearer token of /api/v1 (holds).
	APIToken string
	// Seed makes dates, units and senders repeatable.
	Seed uint64
	// Client makes the requests (default: 30 s timeout, keep-alive pool sized to MaxInFlight).
	Client *http.Client
	// Now is the clock for hold dates.
	Now func() time.Time
}

// DefaultTurns is a guest asking for a stay and following up, in Argentine Spanish.
var DefaultTurns = []string{
	"Hola! Tienen lugar para 4 personas del 10 al 13 de marzo?",
	"Cuánto sale la cabaña más grande?",
	"Aceptan mascotas?",
}

func (c *Config) defaults() {
	if c.Target == "" {
		c.Target = "http://127.0.0.1:8080"
	}
	c.Target = strings.TrimRight(c.Target, "/")
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 256
	}
	if len(c.Turns) == 0 {
		c.Turns = DefaultTurns
	}
	if c.PhoneNumberID == "" {
		c.PhoneNumberID = "100000000000001"
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			MaxIdleConns: c.MaxInFlight, MaxIdleConnsPerHost: c.MaxInFlight, IdleConnTimeout: 30 * time.Second,
		}}
	}
}

// Validate checks the run against the bounds, and the target against loopback.
func (c *Config) Validate() error {
	c.defaults()
	var problems []string
	if _, ok := scenarios[c.Scenario]; !ok {
		problems = append(problems, fmt.Sprintf("scenario %q: want one of %s", c.Scenario, strings.Join(ScenarioNames(), ", ")))
	}
	if c.Rate <= 0 || c.Rate > MaxRate {
		problems = append(problems, fmt.Sprintf("rate %g/s: want more than 0 and at most %g", c.Rate, MaxRate))
	}
	if c.Duration <= 0 || c.Duration > MaxDuration {
		problems = append(problems, fmt.Sprintf("duration %s: want more than 0 and at most %s", c.Duration, MaxDuration))
	}
	if c.MaxInFlight > MaxInFlight {
		problems = append(problems, fmt.Sprintf("max in flight %d: at most %d", c.MaxInFlight, MaxInFlight))
	}
	if c.Scenario == "whatsapp" && c.AppSecret == "" {
		problems = append(problems, "whatsapp: the app secret the target's whatsapp plugin verifies with is required")
	}
	if c.Scenario == "holds" && c.APIToken == "" {
		problems = append(problems, "holds: the target's API token is required")
	}
	u, err := url.Parse(c.Target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("target %q: want http(s)://host:port", c.Target))
	} else if !c.AllowRemote && !isLoopback(u.Hostname()) {
		problems = append(problems, fmt.Sprintf("target %s: %v", c.Target, ErrRemoteTarget))
	}
	if len(problems) > 0 {
		return errors.New("loadtest: " + strings.Join(problems, "; "))
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// scenario runs one arrival; it reports each request through rec.
type scenario interface {
	setup(ctx context.Context, r *runner) error
	arrival(ctx context.Context, r *runner, i int, rng *rand.Rand)
}

var scenarios = map[string]func() scenario{
	"webchat":  func() scenario { return &webchat{} },
	"whatsapp": func() scenario { return &whatsapp{} },
	"holds":    func() scenario { return &holds{} },
}

// ScenarioNames lists the scenarios.
func ScenarioNames() []string {
	out := make([]string, 0, len(scenarios))
	for n := range scenarios {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Result is what one run measured.
type Result struct {
	Scenario string
	Target   string
	Rate     float64
	Duration time.Duration
	// Elapsed is from the first arrival to the last response.
	Elapsed time.Duration
	// Arrivals started, and the ones dropped because MaxInFlight were in flight.
	Arrivals, Dropped int
	// Requests made, and how they ended.
	Requests, OK int
	// Rejected are expected business refusals (a hold on nights already taken: 409).
	Rejected int
	// Errors by kind ("http 500", "http 429", "timeout", "connection refused", ...).
	Errors map[string]int
	// Latency of every request that got an answer, and of whole arrivals (a web-chat
	// conversation is several requests).
	Latency, ArrivalLatency Percentiles
}

// ErrorCount is the number of failed requests.
func (r Result) ErrorCount() int {
	n := 0
	for _, v := range r.Errors {
		n += v
	}
	return n
}

// Percentiles summarize latencies.
type Percentiles struct {
	Count                   int
	P50, P90, P95, P99, Max time.Duration
}

func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	at := func(p float64) time.Duration {
		// nearest rank
		i := int(p*float64(len(d))+0.999999) - 1
		return d[max(0, min(i, len(d)-1))]
	}
	return Percentiles{Count: len(d), P50: at(0.50), P90: at(0.90), P95: at(0.95), P99: at(0.99), Max: d[len(d)-1]}
}

// runner collects measurements from concurrent arrivals.
type runner struct {
	cfg Config
	mu  sync.Mutex
	res Result
	lat []time.Duration
	arr []time.Duration
}

// outcome classifies one request.
type outcome int

const (
	outcomeOK outcome = iota
	outcomeRejected
	outcomeError
)

func (r *runner) record(d time.Duration, o outcome, errKind string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res.Requests++
	switch o {
	case outcomeOK:
		r.res.OK++
		r.lat = append(r.lat, d)
	case outcomeRejected:
		r.res.Rejected++
		r.lat = append(r.lat, d)
	default:
		r.res.Errors[errKind]++
	}
}

// Run drives the scenario against the target at the configured rate for the configured
// duration, then waits for the arrivals in flight, and returns what it measured.
func Run(ctx context.Context, cfg Config) (Result, error) {
	own := cfg.Client == nil
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	if own {
		// Its keep-alive connections end with the run. One may never have carried a
		// request (net/http dials for a request that a connection freed meanwhile took),
		// and the target's graceful shutdown waits for such a one until its read timeout.
		defer cfg.Client.CloseIdleConnections()
	}
	r := &runner{cfg: cfg, res: Result{Scenario: cfg.Scenario, Target: cfg.Target, Rate: cfg.Rate, Duration: cfg.Duration, Errors: map[string]int{}}}
	sc := scenarios[cfg.Scenario]()
	if err := sc.setup(ctx, r); err != nil {
		return Result{}, fmt.Errorf("loadtest %s: %w", cfg.Scenario, err)
	}
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	slots := make(chan struct{}, cfg.MaxInFlight)
	var wg sync.WaitGroup
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
loop:
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * interval)
		if due.Sub(start) >= cfg.Duration {
			break
		}
		timer.Reset(time.Until(due))
		select {
		case <-ctx.Done():
			break loop
		case <-timer.C:
		}
		select {
		case slots <- struct{}{}:
		default:
			r.mu.Lock()
			r.res.Dropped++
			r.mu.Unlock()
			continue
		}
		r.mu.Lock()
		r.res.Arrivals++
		r.mu.Unlock()
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i))) //nolint:gosec // test data, not secrets
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-slots }()
			t0 := time.Now()
			sc.arrival(ctx, r, i, rng)
			r.mu.Lock()
			r.arr = append(r.arr, time.Since(t0))
			r.mu.Unlock()
		}(i)
	}
	wg.Wait()
	r.res.Elapsed = time.Since(start)
	r.res.Latency = percentiles(r.lat)
	r.res.ArrivalLatency = percentiles(r.arr)
	return r.res, ctx.Err()
}

// errorKind names a transport error briefly, without addresses.
func errorKind(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	msg := err.Error()
	for _, k := range []string{"connection refused", "connection reset", "EOF", "too many open files"} {
		if strings.Contains(msg, k) {
			return k
		}
	}
	return "transport error"
}
