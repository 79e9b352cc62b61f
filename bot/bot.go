package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// Telephony is what the core needs from YTX; *ytx.Client satisfies it.
type Telephony interface {
	CreateMeeting(ctx context.Context, p *ytx.MeetingParams) (*ytx.Meeting, error)
	BookMeeting(ctx context.Context, p *ytx.MeetingParams, at time.Time) (*ytx.Meeting, error)
	EditBooking(ctx context.Context, id string, p *ytx.MeetingParams, at time.Time) (*ytx.Meeting, error)
	CancelBooking(ctx context.Context, id string, p *ytx.MeetingParams) error
	Invite(ctx context.Context, id string, parties []ytx.Party, customParm string) (*ytx.Result, error)
	QueryMeeting(ctx context.Context, id string) (*ytx.MeetingInfo, error)
	ListMeetings(ctx context.Context, n int) ([]ytx.MeetingInfo, error)
	Hangup(ctx context.Context, id, phone string) (*ytx.Result, error)
	DestroyMeeting(ctx context.Context, id string) (*ytx.Result, error)
	DialBack(ctx context.Context, p *ytx.DialBackParams) (*ytx.Call, error)
}

var _ Telephony = (*ytx.Client)(nil)

// Notifier posts and edits cards on one platform. Adapters implement it.
type Notifier interface {
	PostCard(ctx context.Context, to Destination, c *Card) (*CardRef, error)
	EditCard(ctx context.Context, ref *CardRef, c *Card) error
}

// Destination is where a card goes.
type Destination struct {
	Platform  Platform
	Workspace string
	Channel   string
}

// Directory answers questions only the platform can: user-group members and
// whether an account is still active. Adapters may provide one.
type Directory interface {
	// GroupMembers returns the user ids of a user group (Slack <!subteam^…>).
	GroupMembers(ctx context.Context, workspace, groupID string) ([]string, error)
}

// NumberAllowed applies policy.number_allow: no pattern allows every
// number, else one must match. Every place a number enters uses it.
func (p Policy) NumberAllowed(phone string) bool {
	if len(p.NumberAllow) == 0 {
		return true
	}
	for _, re := range p.NumberAllow {
		if re.MatchString(phone) {
			return true
		}
	}
	return false
}

// Policy holds the limits of SPEC §7 `policy`. Zero limits mean no limit.
type Policy struct {
	SelfService           bool
	AllowRawNumbers       bool
	AllowInternational    bool
	NumberAllow           []*regexp.Regexp
	DialbackDefaultMax    time.Duration
	DialbackCeiling       time.Duration
	CallsPerUserPerHour   int
	RingsPerTargetPerHour int
	CallsPerMinuteGlobal  int
	MeetingMaxParties     int
	DuplicateWindow       time.Duration
}

// Config is the core's configuration.
type Config struct {
	Admins   []string       // permanent admins (identities)
	Locale   string         // default reply language: "en" or "zh-CN"
	Location *time.Location // where TIME is read; nil = Asia/Shanghai (UTC+8)
	Policy   Policy
	// Timeout bounds one YTX request made for a command.
	Timeout time.Duration
	// EditIntervals space card edits per channel; nil = DefaultEditIntervals.
	EditIntervals map[Platform]time.Duration
	// WorkspaceEditIntervals space them per workspace or bot; nil =
	// DefaultWorkspaceEditIntervals when EditIntervals is nil too, else none.
	WorkspaceEditIntervals map[Platform]time.Duration
	// MaxAge ends tracking of a meeting this long after it started
	// (tracker.max_age); 0 = never.
	MaxAge time.Duration
	// PollConcurrency bounds the meetings queried at once; 0 = 8.
	PollConcurrency int
	// CDRQuery settles dial-back calls with the call-record query
	// (ytx.cdr_query), for when pushes do not arrive.
	CDRQuery bool
	// Alerts are where YTX account problems and limit hits are reported
	// (alerts.slack_channel, alerts.telegram_chat); AlertWindow spaces
	// reports of one incident (0 = DefaultAlertWindow).
	Alerts      []Destination
	AlertWindow time.Duration
	// RefusalsBeforeAlert and BadSignaturesBeforeAlert are the bursts,
	// within one AlertWindow, that make an alert (0 = the defaults).
	RefusalsBeforeAlert      int
	BadSignaturesBeforeAlert int
}

// Validate reports configuration problems.
func (c Config) Validate() error {
	var errs []error
	if c.Locale != "" && c.Locale != "en" && c.Locale != "zh-CN" {
		errs = append(errs, fmt.Errorf("locale %q: want en or zh-CN", c.Locale))
	}
	if c.Policy.DialbackDefaultMax > 0 && c.Policy.DialbackDefaultMax <= time.Minute {
		errs = append(errs, errors.New("policy.dialback_default_max must be more than 60s"))
	}
	if c.Policy.DialbackCeiling > 0 && c.Policy.DialbackDefaultMax > c.Policy.DialbackCeiling {
		errs = append(errs, errors.New("policy.dialback_default_max is above policy.dialback_ceiling"))
	}
	return errors.Join(errs...)
}

// Option configures a Bot.
type Option func(*Bot) error

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(b *Bot) error { b.now = now; return nil }
}

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option {
	return func(b *Bot) error { b.log = l; return nil }
}

// WithNotifier registers the card poster of a platform.
func WithNotifier(p Platform, n Notifier) Option {
	return func(b *Bot) error { b.RegisterNotifier(p, n); return nil }
}

// WithDirectory registers a platform's directory.
func WithDirectory(p Platform, d Directory) Option {
	return func(b *Bot) error { b.RegisterDirectory(p, d); return nil }
}

// RegisterDirectory sets a platform's directory; like RegisterNotifier it
// serves adapters built after the Bot.
func (b *Bot) RegisterDirectory(p Platform, d Directory) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dirs[p] = d
}

// Locale is the configured default reply language.
func (b *Bot) Locale() string { return b.cfg.Locale }

// Bot is the platform-neutral core: Handle turns a Request into a Reply.
type Bot struct {
	cfg   Config
	store Store
	tel   Telephony
	now   func() time.Time
	log   *slog.Logger

	mu        sync.RWMutex
	notifiers map[Platform]Notifier
	dirs      map[Platform]Directory
	rosters   map[Platform]Roster
	admins    map[string]bool
	inflight  sync.WaitGroup
	edits     *editor
	polls     poller
	records   recordLocks
	tracked   atomic.Int64
	refusals  bursts // per identity
	incidents bursts // per platform and kind
}

// New returns a Bot. It does no I/O.
func New(cfg Config, store Store, tel Telephony, opts ...Option) (*Bot, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bot: config: %w", err)
	}
	if store == nil || tel == nil {
		return nil, errors.New("bot: a store and a telephony client are required")
	}
	if cfg.Locale == "" {
		cfg.Locale = "en"
	}
	if cfg.Location == nil {
		cfg.Location = time.FixedZone("CST", 8*3600)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Policy.DialbackDefaultMax <= 0 {
		cfg.Policy.DialbackDefaultMax = 30 * time.Minute
	}
	b := &Bot{cfg: cfg, store: store, tel: tel, now: time.Now, log: slog.New(slog.DiscardHandler),
		notifiers: map[Platform]Notifier{}, dirs: map[Platform]Directory{}, rosters: map[Platform]Roster{}, admins: map[string]bool{}}
	for _, a := range cfg.Admins {
		b.admins[a] = true
	}
	if cfg.EditIntervals == nil {
		cfg.EditIntervals = DefaultEditIntervals
		if cfg.WorkspaceEditIntervals == nil {
			cfg.WorkspaceEditIntervals = DefaultWorkspaceEditIntervals
		}
	}
	b.edits = newEditor(cfg.EditIntervals, cfg.WorkspaceEditIntervals, b.sendEdit)
	for _, o := range opts {
		if err := o(b); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// RegisterNotifier sets the card poster of a platform; adapters call it once
// they are built (they need the Bot first).
func (b *Bot) RegisterNotifier(p Platform, n Notifier) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.notifiers[p] = n
}

func (b *Bot) notifier(p Platform) Notifier {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.notifiers[p]
}

func (b *Bot) directory(p Platform) Directory {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.dirs[p]
}

// Wait blocks until every Handle call in flight has returned and every card
// edit waiting for its channel's turn has been sent (SIGTERM drain).
func (b *Bot) Wait() {
	b.inflight.Wait()
	b.edits.drain()
}

// Handle runs one request and returns what to tell the person. It never
// panics on input and never returns internal error text to chat.
func (b *Bot) Handle(ctx context.Context, req *Request) (rep Reply) {
	b.inflight.Add(1)
	defer b.inflight.Done()
	loc := b.locale(ctx, req)
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("handler panic", "panic", fmt.Sprint(p), "platform", req.Platform)
			rep = Reply{Text: tr(loc, msgInternal)}
		}
	}()
	// Deduplication (SPEC §9): a read first; the key itself is written
	// with a ringing request's first write (one commit for both), or after
	// any other request. Two deliveries racing to ring are told apart by
	// that write; a read-only command delivered twice at once is harmless.
	var key string
	if req.ID != "" {
		key = "req:" + string(req.Platform) + ":" + req.Workspace + ":" + req.ID
		seen, err := b.store.Seen(ctx, key)
		if err != nil {
			return b.fail(ctx, loc, "dedupe", err)
		}
		if seen {
			return Reply{Silent: true}
		}
	}
	t := &turn{b: b, req: req, loc: loc, identity: req.Identity(), dedupe: key}
	defer t.release()
	defer func() {
		if t.dedupe == "" {
			return
		}
		if _, err := b.store.MarkSeen(context.WithoutCancel(ctx), t.dedupe, b.now()); err != nil {
			b.log.ErrorContext(ctx, "dedupe", "err", err)
		}
	}()
	var err error
	if req.Action != nil || req.Contact != nil {
		rep, err = t.action(ctx)
	} else {
		rep, err = t.command(ctx)
	}
	if errors.Is(err, errRedelivered) {
		return Reply{Silent: true}
	}
	if err != nil {
		t.refused(ctx, err)
		rep = b.fail(ctx, loc, "command", err)
	}
	// A number in a group command is deleted whatever became of the command.
	if req.Action == nil && req.ChatType == ChatGroup && MaskText(req.Text) != req.Text {
		rep.DeleteCommand = true
	}
	return rep
}

// fail turns an error into a private reply: a user error's own words, or
// "internal error" with the detail in the log only.
func (b *Bot) fail(ctx context.Context, loc, op string, err error) Reply {
	var ue *Error
	if errors.As(err, &ue) {
		return Reply{Text: ue.Message, Buttons: ue.Buttons}
	}
	b.log.ErrorContext(ctx, "request failed", "op", op, "err", err)
	return Reply{Text: tr(loc, msgInternal)}
}

// locale picks the reply language: the user's, else the config's.
func (b *Bot) locale(ctx context.Context, req *Request) string {
	if l := normLocale(req.Locale); l != "" {
		return l
	}
	if u, err := b.store.User(ctx, req.Identity()); err == nil {
		if l := normLocale(u.Locale); l != "" {
			return l
		}
	}
	return b.cfg.Locale
}

func normLocale(l string) string {
	l = strings.ToLower(l)
	switch {
	case strings.HasPrefix(l, "zh"):
		return "zh-CN"
	case strings.HasPrefix(l, "en"):
		return "en"
	}
	return ""
}

// isAdmin: config admins and granted ones.
func (b *Bot) isAdmin(ctx context.Context, identity string) bool {
	if b.admins[identity] {
		return true
	}
	u, err := b.store.User(ctx, identity)
	return err == nil && u.Admin
}
