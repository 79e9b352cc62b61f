package ytx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Config holds the settings that come from the configuration file.
type Config struct {
	BaseURL    string // ProductionURL, SandboxURL or a simulator
	AccountSID string
	AuthToken  string
	AppID      string

	ShowNumber string // createMeeting Shownumber; "" = the account's default
	SrcCLID    string // dial-back caller id shown to the first leg, optional
	DstCLID    string // dial-back caller id shown to the second leg, optional

	Endpoints       []Endpoint      // per-action overrides of DefaultEndpoints
	PartiesEncoding PartiesEncoding // "" = PartiesString
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	if c.BaseURL == "" {
		errs = append(errs, errors.New("base_url is empty"))
	} else if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, errors.New("base_url is not an http(s) URL"))
	}
	if c.AccountSID == "" {
		errs = append(errs, errors.New("account_sid is empty"))
	}
	if c.AuthToken == "" {
		errs = append(errs, errors.New("auth_token is empty"))
	}
	if c.AppID == "" {
		errs = append(errs, errors.New("app_id is empty"))
	}
	switch c.PartiesEncoding {
	case "", PartiesString, PartiesArray:
	default:
		errs = append(errs, fmt.Errorf("parties_encoding %q: want %q or %q", c.PartiesEncoding, PartiesString, PartiesArray))
	}
	if _, err := routes(c.Endpoints); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("ytx: config: %w", errors.Join(errs...))
	}
	return nil
}

// RetryPolicy bounds the retries of reads (queries). Ringing actions are
// never retried, whatever the policy says.
type RetryPolicy struct {
	Attempts int           // total tries of one read, at least 1
	Base     time.Duration // first pause; doubled after each try
	Max      time.Duration // cap of one pause
}

// DefaultRetry is the read retry policy of a new Client.
var DefaultRetry = RetryPolicy{Attempts: 3, Base: 250 * time.Millisecond, Max: 2 * time.Second}

// MaxResponseBytes bounds a YTX answer; real ones are a few hundred bytes.
const MaxResponseBytes = 1 << 20

type options struct {
	httpClient *http.Client
	now        func() time.Time
	logger     *slog.Logger
	retry      RetryPolicy
	wait       func(ctx context.Context, d time.Duration) error
	observe    func(Observation)
}

// Observation describes one finished request, for metrics.
type Observation struct {
	Action     string
	StatusCode string // YTX statusCode; "" when no envelope came back
	HTTPStatus int    // 0 when no response came back
	Err        error  // nil on success
	Duration   time.Duration
}

// Option configures a Client's plumbing and test seams.
type Option func(*options) error

// WithHTTPClient sets the HTTP client; its Transport is where metrics hook in.
// The default has a 10 s timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return errors.New("ytx: nil http client")
		}
		o.httpClient = hc
		return nil
	}
}

// WithClock sets the clock that stamps requests (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("ytx: nil clock")
		}
		o.now = now
		return nil
	}
}

// WithLogger sets the logger for per-request debug lines. It never receives
// the auth token, the Sign or the account SID.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("ytx: nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithRetry sets the retry policy of reads.
func WithRetry(p RetryPolicy) Option {
	return func(o *options) error {
		if p.Attempts < 1 || p.Base < 0 || p.Max < p.Base {
			return fmt.Errorf("ytx: retry policy %+v: want attempts >= 1 and 0 <= base <= max", p)
		}
		o.retry = p
		return nil
	}
}

// WithObserver calls f after every request (retries count separately). The
// command layer turns observations into metrics; f must not block.
func WithObserver(f func(Observation)) Option {
	return func(o *options) error {
		if f == nil {
			return errors.New("ytx: nil observer")
		}
		o.observe = f
		return nil
	}
}

// withWait replaces the back-off pause (tests).
func withWait(f func(ctx context.Context, d time.Duration) error) Option {
	return func(o *options) error { o.wait = f; return nil }
}

// Client talks to YTX. It is safe for concurrent use.
type Client struct {
	cfg    Config
	base   string
	routes map[string]Endpoint
	o      options
}

// New validates the configuration and returns a Client. It does no I/O.
func New(cfg Config, opts ...Option) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rt, _ := routes(cfg.Endpoints) // checked by Validate
	if cfg.PartiesEncoding == "" {
		cfg.PartiesEncoding = PartiesString
	}
	o := options{
		httpClient: &http.Client{Timeout: 10 * time.Second},
		now:        time.Now,
		logger:     slog.New(slog.DiscardHandler),
		retry:      DefaultRetry,
		wait:       sleepCtx,
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	return &Client{cfg: cfg, base: strings.TrimRight(cfg.BaseURL, "/"), routes: rt, o: o}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// RequestError is a request that got no usable YTX answer. Sent tells whether
// the request may have reached YTX; for a ringing action that means the
// outcome is unknown, and errors.Is(err, ErrOutcomeUnknown) is true.
type RequestError struct {
	Action  string
	Sent    bool
	Ringing bool
	Err     error // the cause, with secrets scrubbed from its text
}

func (e *RequestError) Error() string {
	if e.OutcomeUnknown() {
		return fmt.Sprintf("ytx: %s: outcome unknown: %v", e.Action, e.Err)
	}
	return fmt.Sprintf("ytx: %s: %v", e.Action, e.Err)
}

// OutcomeUnknown reports whether phones may be ringing despite the error.
func (e *RequestError) OutcomeUnknown() bool { return e.Sent && e.Ringing }

// Unwrap exposes ErrTransport, ErrOutcomeUnknown when it applies, and the cause.
func (e *RequestError) Unwrap() []error {
	errs := []error{ErrTransport, e.Err}
	if e.OutcomeUnknown() {
		errs = append(errs, ErrOutcomeUnknown)
	}
	return errs
}

// scrubbed keeps an error's chain but replaces its text.
type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }

// scrub removes the account SID, the auth token and the Sign from s.
func (c *Client) scrub(s, sign string) string {
	for _, secret := range []string{c.cfg.AuthToken, c.cfg.AccountSID, sign} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
	}
	return s
}

// scrubErr drops *url.Error's URL (it carries the SID and the Sign) and
// scrubs what is left.
func (c *Client) scrubErr(err error, sign string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &scrubbed{msg: c.scrub(err.Error(), sign), err: err}
}

// ringing tells the actions that make phones ring, which are never retried.
func ringing(action string) bool {
	switch action {
	case ActionCreateMeeting, ActionInvite, ActionDialBack:
		return true
	}
	return false
}

// do sends one request and decodes the envelope. Every action goes through it.
func (c *Client) do(ctx context.Context, action string, in any) (*envelope, error) {
	rt := c.routes[action]
	payload, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("ytx: %s: encode: %w", action, err)
	}
	ts := Timestamp(c.o.now())
	sign := Sign(c.cfg.AccountSID, c.cfg.AuthToken, ts)
	u := c.base + "/" + rt.Version + "/sid/" + url.PathEscape(c.cfg.AccountSID) + "/call/" + rt.FuncURL + "?Sign=" + sign

	// The transport may resend a POST only when nothing was written; once
	// headers are out, YTX may have acted, so the outcome becomes unknown.
	var sent atomic.Bool
	trace := &httptrace.ClientTrace{WroteHeaders: func() { sent.Store(true) }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodPost, u, bytes.NewReader(payload))
	if err != nil {
		return nil, &RequestError{Action: action, Err: c.scrubErr(err, sign)}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json;charset=utf-8")
	req.Header.Set("Authorization", Authorization(c.cfg.AccountSID, ts))

	start := time.Now()
	env, status, err := c.roundTrip(req, action, sign, &sent)
	elapsed := time.Since(start)
	attrs := []any{"action", action, "version", rt.Version, "func_url", rt.FuncURL, "http_status", status, "elapsed", elapsed}
	code := ""
	if env != nil {
		code = env.StatusCode
		attrs = append(attrs, "status_code", env.StatusCode, "request_id", env.RequestID)
	}
	if c.o.observe != nil {
		c.o.observe(Observation{Action: action, StatusCode: code, HTTPStatus: status, Err: err, Duration: elapsed})
	}
	if err != nil {
		attrs = append(attrs, "err", err.Error())
	}
	c.o.logger.LogAttrs(ctx, slog.LevelDebug, "ytx request", slog.Group("ytx", attrs...))
	return env, err
}

func (c *Client) roundTrip(req *http.Request, action, sign string, sent *atomic.Bool) (*envelope, int, error) {
	reqErr := func(err error) *RequestError {
		return &RequestError{Action: action, Sent: sent.Load(), Ringing: ringing(action), Err: c.scrubErr(err, sign)}
	}
	resp, err := c.o.httpClient.Do(req)
	if err != nil {
		return nil, 0, reqErr(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, resp.StatusCode, reqErr(fmt.Errorf("read answer: %w", err))
	}
	if len(body) > MaxResponseBytes {
		return nil, resp.StatusCode, reqErr(fmt.Errorf("answer larger than %d bytes", MaxResponseBytes))
	}
	env, derr := decodeEnvelope(body)
	if derr != nil {
		if resp.StatusCode != http.StatusOK {
			he := &HTTPError{StatusCode: resp.StatusCode, Body: c.scrub(truncate(string(body), 256), sign)}
			// A 4xx is refused before any action (wrong path, proxy auth);
			// a 5xx may come after YTX acted.
			if resp.StatusCode < 500 {
				return nil, resp.StatusCode, &RequestError{Action: action, Ringing: ringing(action), Err: he}
			}
			return nil, resp.StatusCode, reqErr(he)
		}
		return nil, resp.StatusCode, reqErr(derr)
	}
	if env.StatusCode != CodeOK {
		return env, resp.StatusCode, &APIError{Action: action, Code: env.StatusCode, Msg: c.scrub(env.Message(), sign), RequestID: env.RequestID, HTTPStatus: resp.StatusCode}
	}
	return env, resp.StatusCode, nil
}

// read sends a read-only action, retrying what Retryable allows with capped
// exponential back-off.
func (c *Client) read(ctx context.Context, action string, in any) (*envelope, error) {
	pause := c.o.retry.Base
	for attempt := 1; ; attempt++ {
		env, err := c.do(ctx, action, in)
		if err == nil || attempt >= c.o.retry.Attempts || !Retryable(err) || ctx.Err() != nil {
			return env, err
		}
		if werr := c.o.wait(ctx, pause); werr != nil {
			return env, err
		}
		pause = min(2*pause, c.o.retry.Max)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
