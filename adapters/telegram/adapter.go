package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/ytxbot/ytxbot/bot"
)

// Handler runs one request; *bot.Bot satisfies it.
type Handler interface {
	Handle(ctx context.Context, req *bot.Request) bot.Reply
}

// Core is what the adapter needs from the core; *bot.Bot satisfies it.
type Core interface {
	Handler
	LearnUsername(ctx context.Context, p bot.Platform, username, identity string) error
	Known(ctx context.Context, identity string) (bool, error)
	FirstTime(ctx context.Context, key string) (bool, error)
	MigrateChat(ctx context.Context, p bot.Platform, oldID, newID string) error
}

// api is the part of the Bot API the adapter calls; *tgbot.Bot satisfies it.
type api interface {
	GetMe(ctx context.Context) (*models.User, error)
	SetMyCommands(ctx context.Context, p *tgbot.SetMyCommandsParams) (bool, error)
	DeleteWebhook(ctx context.Context, p *tgbot.DeleteWebhookParams) (bool, error)
	SetWebhook(ctx context.Context, p *tgbot.SetWebhookParams) (bool, error)
	SendMessage(ctx context.Context, p *tgbot.SendMessageParams) (*models.Message, error)
	EditMessageText(ctx context.Context, p *tgbot.EditMessageTextParams) (*models.Message, error)
	DeleteMessage(ctx context.Context, p *tgbot.DeleteMessageParams) (bool, error)
	AnswerCallbackQuery(ctx context.Context, p *tgbot.AnswerCallbackQueryParams) (bool, error)
	GetChatMember(ctx context.Context, p *tgbot.GetChatMemberParams) (*models.ChatMember, error)
}

var (
	_ Core                                    = (*bot.Bot)(nil)
	_ api                                     = (*tgbot.Bot)(nil)
	_ bot.Notifier                            = (*Adapter)(nil)
	_ interface{ Run(context.Context) error } = (*Adapter)(nil)
)

// Limits and timings.
const (
	maxWebhookBody = 1 << 20          // SPEC §6
	handleTimeout  = 90 * time.Second // one update, YTX calls included
	maxInflight    = 32               // updates handled at once; intake waits beyond
	queueSize      = 256              // webhook updates waiting for Run
	seenSize       = 4096             // update ids remembered for dedupe
	memberTTL      = 10 * time.Minute // SPEC §11: getChatMember answers are cached
	nonMemberTTL   = time.Minute      // a refusal is cached shorter: newcomers get in soon
	promptTTL      = 30 * time.Minute // how long an Invite… prompt accepts answers
	maxRetryWait   = 30 * time.Second // the longest 429 retry_after waited out
	maxCacheSize   = 10000            // per in-memory map; cleared when exceeded
)

// allowedUpdates are the update kinds the adapter asks Telegram for.
var allowedUpdates = []string{models.AllowedUpdateMessage, models.AllowedUpdateEditedMessage, models.AllowedUpdateCallbackQuery}

// Adapter is the Telegram chat platform: it receives updates, hands them to
// the core, renders replies, and posts and edits cards (bot.Notifier).
type Adapter struct {
	cfg   Config
	core  Core
	tg    *tgbot.Bot
	api   api
	log   *slog.Logger
	clock Clock

	me      atomic.Pointer[models.User] // from getMe in Run
	ready   atomic.Bool
	running atomic.Bool

	intake    sync.RWMutex // held for writing while accepting flips
	accepting bool         // the webhook handler may queue updates
	queue     chan *models.Update

	sem      chan struct{}
	inflight sync.WaitGroup

	mu        sync.Mutex
	allowed   map[int64]bool
	migrated  map[int64]int64 // old group id → new supergroup id
	private   map[int64]bool  // users who wrote to the bot privately
	members   map[int64]admission
	prompts   map[msgKey]prompt
	moved     map[msgKey]msgKey // cards re-sent after a migration
	usernames map[string]int64  // learned, to skip the store
	seen      map[int64]bool
	seenOrder []int64
}

// msgKey names a message: chat and message id.
type msgKey struct {
	chat int64
	msg  int
}

type admission struct {
	ok    bool
	until time.Time
}

// prompt is an Invite… question waiting for its answer.
type prompt struct {
	button string // the core's button id, "m:12:invite"
	user   int64  // who clicked; only their answer counts
	at     time.Time
}

// New returns an adapter. It validates cfg and does no network I/O: the
// bot's username is read by Run.
func New(cfg Config, core Core, opts ...Option) (*Adapter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("telegram: config: %w", err)
	}
	if core == nil {
		return nil, errors.New("telegram: a core is required")
	}
	if cfg.Mode == "" {
		cfg.Mode = ModePolling
	}
	o := options{log: slog.New(slog.DiscardHandler), clock: realClock{}, pollTimeout: DefaultPollTimeout}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.client == nil {
		o.client = &http.Client{Timeout: o.pollTimeout + 15*time.Second}
	}
	if o.client.Timeout != 0 && o.client.Timeout <= o.pollTimeout {
		return nil, fmt.Errorf("telegram: HTTP client timeout %v must exceed the poll timeout %v", o.client.Timeout, o.pollTimeout)
	}
	a := &Adapter{cfg: cfg, core: core, log: o.log, clock: o.clock,
		queue: make(chan *models.Update, queueSize), sem: make(chan struct{}, maxInflight),
		allowed: map[int64]bool{}, migrated: map[int64]int64{}, private: map[int64]bool{},
		members: map[int64]admission{}, prompts: map[msgKey]prompt{}, moved: map[msgKey]msgKey{},
		usernames: map[string]int64{}, seen: map[int64]bool{}}
	for _, id := range cfg.AllowedChats {
		a.allowed[id] = true
	}
	tgOpts := []tgbot.Option{
		tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(o.pollTimeout, o.client),
		tgbot.WithDefaultHandler(func(ctx context.Context, _ *tgbot.Bot, u *models.Update) { a.process(ctx, u) }),
		tgbot.WithMiddlewares(a.recoverMiddleware),
		tgbot.WithNotAsyncHandlers(), // intake stays in update order; process dispatches
		tgbot.WithAllowedUpdates(allowedUpdates),
		tgbot.WithErrorsHandler(func(err error) { a.log.Warn("telegram: bot api", "err", err) }),
	}
	if cfg.ServerURL != "" {
		tgOpts = append(tgOpts, tgbot.WithServerURL(strings.TrimRight(cfg.ServerURL, "/")))
	}
	tg, err := tgbot.New(cfg.Token, tgOpts...)
	if err != nil {
		return nil, fmt.Errorf("telegram: %w", err)
	}
	a.tg, a.api = tg, tg
	return a, nil
}

// Ready reports whether the adapter is connected: the bot's identity is
// known and updates flow (polling started, or the webhook set).
func (a *Adapter) Ready() bool { return a.ready.Load() }

// Routes registers POST /telegram/webhook in webhook mode; in polling mode
// it registers nothing.
func (a *Adapter) Routes(mux *http.ServeMux) {
	if a.cfg.Mode != ModeWebhook {
		return
	}
	mux.HandleFunc("POST "+WebhookPath, a.serveWebhook)
}

// Run reads the bot's identity (getMe), registers the commands
// (setMyCommands), then receives updates until ctx is done: long polling
// (after deleteWebhook) or the webhook (after setWebhook with the secret).
// When ctx is done it stops intake, finishes the updates in flight and
// returns nil. It returns an error only when it cannot start at all (a
// token Telegram refuses).
func (a *Adapter) Run(ctx context.Context) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("telegram: Run called twice")
	}
	defer a.running.Store(false)
	a.setAccepting(true) // webhook updates queue up while Run starts
	defer func() {
		a.setAccepting(false)
		a.ready.Store(false)
		a.inflight.Wait()
	}()
	if err := a.start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if len(a.cfg.AllowedChats) == 0 {
		a.log.WarnContext(ctx, "telegram: allowed_chats is empty: group commands are refused everywhere; only admins and mapped people can use private chats")
	}
	for _, id := range a.cfg.AllowedChats {
		if id > 0 {
			a.log.WarnContext(ctx, "telegram: allowed_chats holds a positive id, which is a private chat, not a group", "chat", id)
		}
	}
	if a.cfg.Mode == ModeWebhook {
		if !a.retry(ctx, "set webhook", func() error {
			_, err := a.api.SetWebhook(ctx, &tgbot.SetWebhookParams{URL: a.cfg.WebhookURL, SecretToken: a.cfg.WebhookSecret, AllowedUpdates: allowedUpdates})
			return err
		}) {
			return nil
		}
		a.ready.Store(true)
		a.consume(ctx)
		return nil
	}
	// getUpdates answers 409 forever while a webhook is set.
	if !a.retry(ctx, "delete webhook", func() error {
		_, err := a.api.DeleteWebhook(ctx, &tgbot.DeleteWebhookParams{})
		return err
	}) {
		return nil
	}
	a.ready.Store(true)
	a.tg.Start(ctx)
	return nil
}

// start reads the bot's username and registers the command menu. A refused
// token is fatal; anything else is retried until ctx is done.
func (a *Adapter) start(ctx context.Context) error {
	var fatal error
	if !a.retry(ctx, "get me", func() error {
		me, err := a.api.GetMe(ctx)
		if errors.Is(err, tgbot.ErrorUnauthorized) || errors.Is(err, tgbot.ErrorNotFound) {
			fatal = fmt.Errorf("telegram: the bot token was refused: %w", err)
			return nil
		}
		if err != nil {
			return err
		}
		a.me.Store(me)
		return nil
	}) {
		return ctx.Err()
	}
	if fatal != nil {
		return fatal
	}
	for _, lang := range []string{"", "zh"} {
		var cmds []models.BotCommand
		for _, r := range bot.Roots() {
			cmds = append(cmds, models.BotCommand{Command: string(r), Description: bot.Description(r, coreLocale(lang))})
		}
		if _, err := a.api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{Commands: cmds, LanguageCode: lang}); err != nil {
			a.log.WarnContext(ctx, "telegram: set my commands", "lang", lang, "err", err)
		}
	}
	return nil
}

// retry runs fn until it succeeds, backing off up to 30 s; false when ctx
// ended first.
func (a *Adapter) retry(ctx context.Context, op string, fn func() error) bool {
	wait := time.Second
	for {
		err := fn()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		a.log.WarnContext(ctx, "telegram: "+op+" failed; retrying", "err", err, "in", wait)
		if a.clock.Sleep(ctx, wait) != nil {
			return false
		}
		wait = min(2*wait, 30*time.Second)
	}
}

func (a *Adapter) username() string {
	if me := a.me.Load(); me != nil {
		return me.Username
	}
	return ""
}

func (a *Adapter) setAccepting(v bool) {
	a.intake.Lock()
	defer a.intake.Unlock()
	a.accepting = v
}

// consume feeds webhook updates to the intake until ctx is done, then
// refuses new ones (Telegram retries those) and takes in what was queued.
func (a *Adapter) consume(ctx context.Context) {
	for {
		select {
		case u := <-a.queue:
			a.intakeUpdate(ctx, u)
		case <-ctx.Done():
			a.setAccepting(false)
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			for {
				select {
				case u := <-a.queue:
					a.intakeUpdate(dctx, u)
				default:
					return
				}
			}
		}
	}
}

// recoverMiddleware keeps a panic in the library's handler path from
// killing the process.
func (a *Adapter) recoverMiddleware(next tgbot.HandlerFunc) tgbot.HandlerFunc {
	return func(ctx context.Context, b *tgbot.Bot, u *models.Update) {
		defer a.recoverLog(ctx, u)
		next(ctx, b, u)
	}
}

func (a *Adapter) recoverLog(ctx context.Context, u *models.Update) {
	if p := recover(); p != nil {
		var id int64
		if u != nil {
			id = u.ID
		}
		a.log.ErrorContext(ctx, "telegram: panic handling an update", "update_id", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	}
}

// process takes in one update: dedupe, then intake.
func (a *Adapter) process(ctx context.Context, u *models.Update) {
	if u == nil || !a.firstSeen(u.ID) {
		return
	}
	a.intakeUpdate(ctx, u)
}

// intakeUpdate learns from u in update order, then dispatches its work.
func (a *Adapter) intakeUpdate(ctx context.Context, u *models.Update) {
	defer a.recoverLog(ctx, u)
	a.learn(ctx, u)
	if job := a.route(u); job != nil {
		a.spawn(ctx, u, job)
	}
}

// spawn runs job on its own goroutine with a context that outlives ctx's
// cancellation (shutdown finishes in-flight work) but not handleTimeout.
// At most maxInflight run at once; intake waits beyond that.
func (a *Adapter) spawn(ctx context.Context, u *models.Update, job func(context.Context)) {
	select {
	case a.sem <- struct{}{}:
	case <-ctx.Done():
		a.log.WarnContext(ctx, "telegram: update dropped at shutdown", "update_id", u.ID)
		return
	}
	a.inflight.Add(1)
	go func() {
		defer a.inflight.Done()
		defer func() { <-a.sem }()
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), handleTimeout)
		defer cancel()
		defer a.recoverLog(hctx, u)
		job(hctx)
	}()
}

// firstSeen records an update id and reports whether it is new. Telegram
// redelivers webhook updates that were not acknowledged, and polling
// redelivers the last batch after an unclean exit; the core also drops
// repeated Request ids, this guards the adapter's own notes.
func (a *Adapter) firstSeen(id int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seen[id] {
		return false
	}
	a.seen[id] = true
	a.seenOrder = append(a.seenOrder, id)
	if len(a.seenOrder) > seenSize {
		delete(a.seen, a.seenOrder[0])
		a.seenOrder = a.seenOrder[1:]
	}
	return true
}

func (a *Adapter) unsee(id int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.seen, id)
}

// learn records what an update says about people, before anything is
// dispatched: usernames (SPEC §2), private chats, group migrations.
func (a *Adapter) learn(ctx context.Context, u *models.Update) {
	for _, m := range []*models.Message{u.Message, u.EditedMessage} {
		if m == nil {
			continue
		}
		a.learnUser(ctx, m.From)
		if r := m.ReplyToMessage; r != nil {
			a.learnUser(ctx, r.From)
		}
		for i := range m.NewChatMembers {
			a.learnUser(ctx, &m.NewChatMembers[i])
		}
		for _, ents := range [][]models.MessageEntity{m.Entities, m.CaptionEntities} {
			for _, e := range ents {
				if e.Type == models.MessageEntityTypeTextMention {
					a.learnUser(ctx, e.User)
				}
			}
		}
		if m.Chat.Type == models.ChatTypePrivate && m.From != nil && !m.From.IsBot && m.Chat.ID == m.From.ID {
			a.mu.Lock()
			a.private[m.From.ID] = true
			a.mu.Unlock()
		}
		if m.MigrateToChatID != 0 {
			a.migrate(ctx, m.Chat.ID, m.MigrateToChatID)
		}
		if m.MigrateFromChatID != 0 {
			a.migrate(ctx, m.MigrateFromChatID, m.Chat.ID)
		}
	}
	if cq := u.CallbackQuery; cq != nil {
		a.learnUser(ctx, &cq.From)
	}
}

func (a *Adapter) learnUser(ctx context.Context, u *models.User) {
	if u == nil || u.IsBot || u.Username == "" || u.ID <= 0 {
		return
	}
	name := strings.ToLower(u.Username)
	a.mu.Lock()
	known := a.usernames[name] == u.ID
	a.mu.Unlock()
	if known {
		return
	}
	if err := a.core.LearnUsername(ctx, bot.Telegram, name, identity(u.ID)); err != nil {
		a.log.WarnContext(ctx, "telegram: learn username", "user", u.ID, "err", err)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.usernames) >= maxCacheSize {
		clear(a.usernames)
	}
	a.usernames[name] = u.ID
}

// migrate follows a group that became a supergroup: its meetings and calls
// move to the new id (core.MigrateChat), and an allowed group stays allowed
// under its new id until the configuration is updated.
func (a *Adapter) migrate(ctx context.Context, oldID, newID int64) {
	a.mu.Lock()
	done := a.migrated[oldID] == newID
	a.migrated[oldID] = newID
	wasAllowed := a.allowed[oldID]
	if wasAllowed {
		a.allowed[newID] = true
	}
	a.mu.Unlock()
	if done {
		return
	}
	if wasAllowed {
		a.log.WarnContext(ctx, "telegram: an allowed group became a supergroup; put its new id in telegram.allowed_chats", "old", oldID, "new", newID)
	}
	if err := a.core.MigrateChat(ctx, bot.Telegram, strconv.FormatInt(oldID, 10), strconv.FormatInt(newID, 10)); err != nil {
		a.log.ErrorContext(ctx, "telegram: migrate chat", "old", oldID, "new", newID, "err", err)
	}
}

func identity(userID int64) string {
	return bot.IdentityOf(bot.Telegram, "", strconv.FormatInt(userID, 10))
}
