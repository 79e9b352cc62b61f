package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/ytxbot/ytxbot/bot"
)

// Limits of the adapter. Slack's own limits are cited where they apply.
const (
	// MaxBody bounds a request body from Slack (SPEC §6); beyond it: 413.
	MaxBody = 64 << 10
	// DefaultAckWithin is how long a command may take before Slack gets a
	// "Working on it…" acknowledgement instead of the result.
	DefaultAckWithin = 2 * time.Second
	// slackDeadline is Slack's limit for answering a slash command or an
	// interaction; AckWithin must stay below it.
	slackDeadline = 3 * time.Second
	// workTimeout bounds one request's work after Slack was acknowledged
	// (the core's YTX calls, then the delivery through response_url).
	workTimeout = 2 * time.Minute
	// userTTL is how long a users.info answer (locale, deactivated) is kept.
	userTTL = 10 * time.Minute
	// userInfoTimeout bounds one users.info lookup.
	userInfoTimeout = time.Second
	// maxUsers bounds the users.info cache.
	maxUsers = 10000
	// maxRateLimitWait is the longest Retry-After an edit waits for.
	maxRateLimitWait = 30 * time.Second
)

// Config is the "slack" section of the configuration (SPEC §7).
type Config struct {
	TeamID        string                             // "" = taken from auth.test at Run; requests from other workspaces are refused
	SigningSecret string                             // verifies HTTP requests; not needed in Socket Mode
	BotToken      string                             // xoxb-…
	AppToken      string                             // xapp-…; set => Socket Mode: the HTTP routes are not served
	APIURL        string                             // "" = slack-go's default; tests point it at a fake (must end with "/")
	AckWithin     time.Duration                      // default 2s; must be < 3s
	Commands      struct{ Meet, Call, Phone string } // "/meet", "/call", "/phone" by default
	// ProfilePhoneFallback rings an unmapped person on the phone field of
	// their Slack profile (slack.profile_phone_fallback).
	ProfilePhoneFallback bool
}

// Validate reports every problem of c at once. Zero AckWithin and empty
// command names are valid: New fills in the defaults.
func (c Config) Validate() error {
	var errs []error
	if c.BotToken == "" {
		errs = append(errs, errors.New("slack: bot token is required"))
	}
	if c.AppToken == "" && c.SigningSecret == "" {
		errs = append(errs, errors.New("slack: signing secret is required in HTTP mode (no app token)"))
	}
	if c.APIURL != "" {
		u, err := url.Parse(c.APIURL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			errs = append(errs, errors.New("slack: API URL is not an absolute http(s) URL"))
		case !strings.HasSuffix(c.APIURL, "/"):
			errs = append(errs, errors.New("slack: API URL must end with \"/\" (slack-go appends method names)"))
		}
	}
	if c.AckWithin < 0 || c.AckWithin >= slackDeadline {
		errs = append(errs, fmt.Errorf("slack: ack within %s: want more than 0s and less than 3s (Slack's limit)", c.AckWithin))
	}
	seen := map[string]bool{}
	for _, name := range []string{c.Commands.Meet, c.Commands.Call, c.Commands.Phone} {
		if name == "" {
			continue
		}
		if !strings.HasPrefix(name, "/") || len(name) < 2 || strings.ContainsAny(name, " \t\n") {
			errs = append(errs, fmt.Errorf("slack: command %q: want a slash command like /meet", name))
		}
		if seen[name] {
			errs = append(errs, fmt.Errorf("slack: command %q is configured twice", name))
		}
		seen[name] = true
	}
	return errors.Join(errs...)
}

// Handler is the core as the adapter sees it; *bot.Bot satisfies it.
type Handler interface {
	Handle(ctx context.Context, req *bot.Request) bot.Reply
}

// Option configures an Adapter.
type Option func(*options) error

type options struct {
	httpClient *http.Client
	log        *slog.Logger
	now        func() time.Time
}

// WithHTTPClient sets the client for the Slack Web API and response_url
// (default: a client with a 10 s timeout; slack-go's own has none).
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("slack: nil HTTP client")
		}
		o.httpClient = c
		return nil
	}
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("slack: nil logger")
		}
		o.log = l
		return nil
	}
}

// WithClock sets the clock of the users.info cache (default time.Now).
// Signature timestamps are always judged by slack-go against the real
// clock.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("slack: nil clock")
		}
		o.now = now
		return nil
	}
}

// api is the part of the Slack Web API the adapter uses; *slackgo.Client
// satisfies it.
type api interface {
	AuthTestContext(ctx context.Context) (*slackgo.AuthTestResponse, error)
	PostMessageContext(ctx context.Context, channelID string, opts ...slackgo.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, ts string, opts ...slackgo.MsgOption) (string, string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, opts ...slackgo.MsgOption) (string, error)
	GetUserInfoContext(ctx context.Context, user string, opts ...slackgo.GetUserInfoOption) (*slackgo.User, error)
	GetUserGroupMembersContext(ctx context.Context, group string, opts ...slackgo.GetUserGroupMembersOption) ([]string, error)
	GetUsersContext(ctx context.Context, opts ...slackgo.GetUsersOption) ([]slackgo.User, error)
	OpenViewContext(ctx context.Context, triggerID string, view slackgo.ModalViewRequest) (*slackgo.ViewResponse, error)
}

var _ api = (*slackgo.Client)(nil)

// Adapter is the Slack chat platform: it serves slash commands and
// interactions (HTTP or Socket Mode), and it is the core's Notifier (cards
// in Block Kit) and Directory (user groups) for Slack.
type Adapter struct {
	cfg    Config
	h      Handler
	client *slackgo.Client
	api    api
	http   *http.Client
	log    *slog.Logger
	now    func() time.Time
	roots  map[string]bot.Root // configured command name → root

	team      atomic.Pointer[string] // the one workspace served: configured or from auth.test
	botUser   atomic.Pointer[string] // our bot user id, from auth.test
	authed    atomic.Bool
	connected atomic.Bool // Socket Mode: a connection is up

	usersMu sync.Mutex
	users   map[string]userInfo // team:user → what users.info said

	editMu sync.Mutex
	edits  map[string]*editSlot // channel/ts → the edits of one card in flight

	wg sync.WaitGroup // work that outlives its request: late replies, modals
}

var (
	_ bot.Notifier                            = (*Adapter)(nil)
	_ bot.Directory                           = (*Adapter)(nil)
	_ bot.Roster                              = (*Adapter)(nil)
	_ interface{ Run(context.Context) error } = (*Adapter)(nil)
)

// New returns a Slack adapter. It validates cfg and does no I/O.
func New(cfg Config, h Handler, opts ...Option) (*Adapter, error) {
	if h == nil {
		return nil, errors.New("slack: a handler is required")
	}
	if cfg.AckWithin == 0 {
		cfg.AckWithin = DefaultAckWithin
	}
	if cfg.Commands.Meet == "" {
		cfg.Commands.Meet = "/meet"
	}
	if cfg.Commands.Call == "" {
		cfg.Commands.Call = "/call"
	}
	if cfg.Commands.Phone == "" {
		cfg.Commands.Phone = "/phone"
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o := options{
		httpClient: &http.Client{Timeout: 10 * time.Second},
		log:        slog.New(slog.DiscardHandler),
		now:        time.Now,
	}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	sopts := []slackgo.Option{
		slackgo.OptionHTTPClient(o.httpClient),
		slackgo.OptionLog(slog.NewLogLogger(o.log.Handler(), slog.LevelDebug)),
	}
	if cfg.APIURL != "" {
		sopts = append(sopts, slackgo.OptionAPIURL(cfg.APIURL))
	}
	if cfg.AppToken != "" {
		sopts = append(sopts, slackgo.OptionAppLevelToken(cfg.AppToken))
	}
	// No OptionRetry: a chat.postMessage that may have been accepted must
	// never be sent twice; EditCard retries a 429 itself.
	client := slackgo.New(cfg.BotToken, sopts...)
	a := &Adapter{
		cfg: cfg, h: h, client: client, api: client, http: o.httpClient, log: o.log, now: o.now,
		roots: map[string]bot.Root{
			cfg.Commands.Meet:  bot.RootMeet,
			cfg.Commands.Call:  bot.RootCall,
			cfg.Commands.Phone: bot.RootPhone,
		},
		users: map[string]userInfo{},
		edits: map[string]*editSlot{},
	}
	if cfg.TeamID != "" {
		team := cfg.TeamID
		a.team.Store(&team)
	}
	return a, nil
}

// socketMode reports whether the adapter talks to Slack over Socket Mode
// (an app token is configured) instead of serving HTTP routes.
func (a *Adapter) socketMode() bool { return a.cfg.AppToken != "" }

// Routes registers POST /slack/commands and POST /slack/interactions on
// mux. In Socket Mode it registers nothing: Slack does not call us.
func (a *Adapter) Routes(mux *http.ServeMux) {
	if a.socketMode() {
		return
	}
	mux.HandleFunc("POST /slack/commands", a.serveCommand)
	mux.HandleFunc("POST /slack/interactions", a.serveInteraction)
}

// Ready reports whether auth.test succeeded and, in Socket Mode, a
// connection is up.
func (a *Adapter) Ready() bool {
	if !a.authed.Load() {
		return false
	}
	return !a.socketMode() || a.connected.Load()
}

// Wait blocks until the work that outlives its request (replies delivered
// through response_url after the acknowledgement, modals) is done. Call it
// on shutdown after the HTTP server stopped and Run returned.
func (a *Adapter) Wait() { a.wg.Wait() }

// Run checks the bot token with auth.test (learning the team id and our bot
// user id), then, in Socket Mode, connects and serves until ctx is done; in
// HTTP mode it just waits for ctx. Transient failures of auth.test are
// retried with backoff; a refused token, or a token of another workspace
// than Config.TeamID, is returned as an error.
func (a *Adapter) Run(ctx context.Context) error {
	if err := a.authenticate(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	// Not in a.wg: Wait is for replies in flight, and this runs until ctx
	// ends; Run returns only after it.
	pctx, stopPeople := context.WithCancel(ctx)
	people := make(chan struct{})
	go func() {
		defer close(people)
		a.keepPeople(pctx)
	}()
	defer func() {
		stopPeople()
		<-people
	}()
	if a.socketMode() {
		return a.runSocket(ctx)
	}
	<-ctx.Done()
	return nil
}

func (a *Adapter) authenticate(ctx context.Context) error {
	backoff := time.Second
	for {
		res, err := a.api.AuthTestContext(ctx)
		if err == nil {
			if a.cfg.TeamID != "" && res.TeamID != a.cfg.TeamID {
				return fmt.Errorf("slack: the bot token belongs to workspace %s, not the configured %s", res.TeamID, a.cfg.TeamID)
			}
			team, user := res.TeamID, res.UserID
			a.team.Store(&team)
			a.botUser.Store(&user)
			a.authed.Store(true)
			a.log.InfoContext(ctx, "slack: authenticated", "team", team, "bot_user", user)
			return nil
		}
		var se slackgo.SlackErrorResponse
		if errors.As(err, &se) {
			return fmt.Errorf("slack: auth.test: %s", se.Err) // invalid_auth, account_inactive, …: retrying will not help
		}
		a.log.WarnContext(ctx, "slack: auth.test failed; retrying", "err", err, "in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// teamID returns the workspace served, or "" before it is known.
func (a *Adapter) teamID() string {
	if p := a.team.Load(); p != nil {
		return *p
	}
	return ""
}
