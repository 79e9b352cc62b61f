package ytxsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// DefaultCallerID is the meetcallerid createMeeting returns when
// Config.CallerID is empty (the number of the vendor's sample).
const DefaultCallerID = "01053189900"

// ErrInvalidConfig is wrapped by every error New returns.
var ErrInvalidConfig = errors.New("ytxsim: invalid config")

// Config is the account the simulator serves and how it behaves.
type Config struct {
	AccountSID, AuthToken, AppID string
	// CallbackURL is where pushes are POSTed; "" sends none, like the sandbox.
	CallbackURL string
	// CallerID is the meetcallerid returned by createMeeting; default DefaultCallerID.
	CallerID string
	// Endpoints overrides the routing, merged over ytx.DefaultEndpoints()
	// exactly as the client merges its own overrides, so both agree on
	// which (version, funcURL) serves which action.
	Endpoints []ytx.Endpoint
	// Timeline paces the calls; the zero value means DefaultTimeline().
	Timeline Timeline
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	var errs []error
	if c.AccountSID == "" {
		errs = append(errs, errors.New("account SID is required"))
	}
	if c.AuthToken == "" {
		errs = append(errs, errors.New("auth token is required"))
	}
	if c.AppID == "" {
		errs = append(errs, errors.New("app ID is required"))
	}
	if c.CallbackURL != "" {
		u, err := url.Parse(c.CallbackURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// The URL may carry a secret path: never echo it.
			errs = append(errs, errors.New("callback URL is not an absolute http(s) URL"))
		}
	}
	if _, err := mergeRoutes(c.Endpoints); err != nil {
		errs = append(errs, err)
	}
	if err := c.Timeline.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return nil
}

// Timeline paces the simulated phones. Each duration is measured on the
// simulator's Clock.
type Timeline struct {
	Ring     time.Duration // request/callout -> alerting
	Answer   time.Duration // alerting -> answer (for numbers that answer)
	NoAnswer time.Duration // alerting -> disconnect "no answer" (numbers ending in 9)
	Busy     time.Duration // callout -> disconnect "busy" (numbers ending in 8)
	Leave    time.Duration // answer -> the party hangs up by itself (numbers ending in 7)
	Talk     time.Duration // dial-back: both answered -> call ends normally (capped by credit)
}

// DefaultTimeline is paced like real phones.
func DefaultTimeline() Timeline {
	return Timeline{
		Ring:     time.Second,
		Answer:   4 * time.Second,
		NoAnswer: 30 * time.Second,
		Busy:     2 * time.Second,
		Leave:    20 * time.Second,
		Talk:     60 * time.Second,
	}
}

// DemoTimeline plays a whole scenario within seconds, for the console demo.
func DemoTimeline() Timeline {
	return Timeline{
		Ring:     500 * time.Millisecond,
		Answer:   1500 * time.Millisecond,
		NoAnswer: 6 * time.Second,
		Busy:     time.Second,
		Leave:    8 * time.Second,
		Talk:     8 * time.Second,
	}
}

func (t Timeline) validate() error {
	for _, d := range []time.Duration{t.Ring, t.Answer, t.NoAnswer, t.Busy, t.Leave, t.Talk} {
		if d < 0 {
			return errors.New("timeline durations must not be negative")
		}
	}
	return nil
}

var (
	versionRE = regexp.MustCompile(`^[0-9]{6}$`)
	funcURLRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*\.wx$`)
)

// mergeRoutes applies overrides to the default routing with the client's
// rules (ytx keeps its own copy unexported): unknown actions and values that
// would change the URL's shape are refused.
func mergeRoutes(overrides []ytx.Endpoint) (map[string]ytx.Endpoint, error) {
	m := make(map[string]ytx.Endpoint)
	for _, e := range ytx.DefaultEndpoints() {
		m[e.Action] = e
	}
	for i, o := range overrides {
		d, ok := m[o.Action]
		if !ok {
			return nil, fmt.Errorf("endpoints[%d]: unknown action %q", i, o.Action)
		}
		if o.Version != "" {
			if !versionRE.MatchString(o.Version) {
				return nil, fmt.Errorf("endpoints[%d]: version %q is not six digits", i, o.Version)
			}
			d.Version = o.Version
		}
		if o.FuncURL != "" {
			if !funcURLRE.MatchString(o.FuncURL) {
				return nil, fmt.Errorf("endpoints[%d]: func URL %q is not like TeleMeeting.wx", i, o.FuncURL)
			}
			d.FuncURL = o.FuncURL
		}
		m[o.Action] = d
	}
	return m, nil
}

type options struct {
	clock      Clock
	httpClient *http.Client
	pushFunc   func(ctx context.Context, body []byte) error
	duplicates bool
	reorder    bool
	logger     *slog.Logger
}

// Option configures a Sim. Options only hold plumbing and test seams.
type Option func(*options) error

// WithClock sets the clock (default: the real one).
func WithClock(c Clock) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("nil clock")
		}
		o.clock = c
		return nil
	}
}

// WithHTTPClient sets the client that POSTs pushes to Config.CallbackURL
// (default: a client with a 5 s timeout).
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("nil HTTP client")
		}
		o.httpClient = c
		return nil
	}
}

// WithPushFunc delivers pushes by calling f instead of POSTing them, so a
// test can receive them in-process. It enables pushes even without a
// CallbackURL. An error from f is recorded like a failed POST.
func WithPushFunc(f func(ctx context.Context, body []byte) error) Option {
	return func(o *options) error {
		if f == nil {
			return errors.New("nil push func")
		}
		o.pushFunc = f
		return nil
	}
}

// WithPushDuplicates delivers every push twice, as YTX may.
func WithPushDuplicates(on bool) Option {
	return func(o *options) error { o.duplicates = on; return nil }
}

// WithPushReorder delivers each batch of pushes (everything one Tick
// delivers) in reverse order: answer before alerting, the CDR before the
// last state push. YTX gives no ordering guarantee.
func WithPushReorder(on bool) Option {
	return func(o *options) error { o.reorder = on; return nil }
}

// WithLogger sets the logger (default: discard). The simulator never logs
// the auth token, the Sign or the callback URL.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("nil logger")
		}
		o.logger = l
		return nil
	}
}

// Sim is a stateful, in-memory YTX service. It is an http.Handler and is
// safe for concurrent use.
type Sim struct {
	cfg        Config
	routes     map[string]ytx.Endpoint
	tl         Timeline
	clock      Clock
	log        *slog.Logger
	httpClient *http.Client
	pushFunc   func(ctx context.Context, body []byte) error
	pushOn     bool
	duplicates bool
	reorder    bool

	latency atomic.Int64 // time.Duration

	// deliverMu serialises Tick so that pushes leave in the order they
	// were queued even when Ticks overlap; it is never held with mu.
	deliverMu sync.Mutex

	mu          sync.Mutex
	events      eventQueue
	eventSeq    uint64
	meetings    map[string]*meeting
	meetingList []*meeting // creation order
	calls       map[string]*call
	callList    []*call // creation order
	nextMeeting int
	nextRequest uint64
	requests    []Request
	counts      map[string]int
	outbox      [][]byte
	deliveries  []Delivery
	fails       map[string]failRule
	drops       map[string]dropRule
	limiter     bucket
	gates       []*gate
	held        map[string]int
}

// New validates cfg and returns a simulator. It does no I/O.
func New(cfg Config, opts ...Option) (*Sim, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o := options{
		clock:      realClock{},
		httpClient: &http.Client{Timeout: 5 * time.Second},
		logger:     slog.New(slog.DiscardHandler),
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
	}
	routes, _ := mergeRoutes(cfg.Endpoints) // checked by Validate
	if cfg.CallerID == "" {
		cfg.CallerID = DefaultCallerID
	}
	tl := cfg.Timeline
	if tl == (Timeline{}) {
		tl = DefaultTimeline()
	}
	return &Sim{
		cfg:         cfg,
		routes:      routes,
		tl:          tl,
		clock:       o.clock,
		log:         o.logger,
		httpClient:  o.httpClient,
		pushFunc:    o.pushFunc,
		pushOn:      cfg.CallbackURL != "" || o.pushFunc != nil,
		duplicates:  o.duplicates,
		reorder:     o.reorder,
		meetings:    make(map[string]*meeting),
		calls:       make(map[string]*call),
		nextMeeting: firstMeetingID,
		counts:      make(map[string]int),
		fails:       make(map[string]failRule),
		drops:       make(map[string]dropRule),
		held:        make(map[string]int),
	}, nil
}

// firstMeetingID is the first meid handed out; six digits look like the real ones.
const firstMeetingID = 100001

// Tick brings the simulation up to Clock.Now(): it fires every due event,
// then delivers the queued pushes synchronously, in order. Concurrent Ticks
// take turns. A push func may call the simulator (ServeHTTP, inspection)
// but not Tick.
func (s *Sim) Tick(ctx context.Context) {
	s.deliverMu.Lock()
	defer s.deliverMu.Unlock()

	s.mu.Lock()
	s.advance(s.clock.Now())
	batch := s.outbox
	s.outbox = nil
	s.mu.Unlock()

	if s.reorder {
		for i, j := 0, len(batch)-1; i < j; i, j = i+1, j-1 {
			batch[i], batch[j] = batch[j], batch[i]
		}
	}
	for _, body := range batch {
		s.deliver(ctx, body)
		if s.duplicates {
			s.deliver(ctx, body)
		}
	}
}

// tickInterval is how often Run ticks: fine enough that a demo feels live.
const tickInterval = 50 * time.Millisecond

// Run ticks every 50 ms of real time until ctx is done, then returns nil.
// Use it when the simulator serves real clients (the demo, ytxbot sim).
func (s *Sim) Run(ctx context.Context) error {
	t := time.NewTicker(tickInterval)
	defer t.Stop()
	for {
		s.Tick(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

var (
	_ http.Handler = (*Sim)(nil)
	_ Clock        = (*FakeClock)(nil)
)
