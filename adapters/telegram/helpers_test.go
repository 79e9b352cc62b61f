package telegram

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/go-telegram/bot/models"
	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
)

// Chats and people of the tests.
var (
	group     = models.Chat{ID: -1001001, Type: models.ChatTypeSupergroup, Title: "ops"}
	otherChat = models.Chat{ID: -1002002, Type: models.ChatTypeSupergroup, Title: "random"}

	alice = models.User{ID: 1001, FirstName: "Alice", Username: "alice", LanguageCode: "en"}
	bob   = models.User{ID: 1002, FirstName: "Bob", LastName: "Smith", Username: "bob", LanguageCode: "en"}
	carol = models.User{ID: 1003, FirstName: "Carol", Username: "carol", LanguageCode: "en"}
	dave  = models.User{ID: 2001, FirstName: "Dave", Username: "dave"}     // unmapped, not a member
	erin  = models.User{ID: 2002, FirstName: "Erin", Username: "erin"}     // unmapped, a member
	fei   = models.User{ID: 2003, FirstName: "飞", LanguageCode: "zh-hans"} // speaks Chinese
)

func privateChat(u models.User) models.Chat {
	return models.Chat{ID: u.ID, Type: models.ChatTypePrivate, FirstName: u.FirstName}
}

// fakeClock never waits: Sleep records the duration and moves Now on.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// recCore is the real core, recording migrations and able to panic.
type recCore struct {
	*bot.Bot
	mu         sync.Mutex
	migrations [][2]string
	panicOn    string // Handle panics on a request whose text contains this
}

func (c *recCore) MigrateChat(ctx context.Context, p bot.Platform, oldID, newID string) error {
	c.mu.Lock()
	c.migrations = append(c.migrations, [2]string{oldID, newID})
	c.mu.Unlock()
	return c.Bot.MigrateChat(ctx, p, oldID, newID)
}

func (c *recCore) Migrations() [][2]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][2]string(nil), c.migrations...)
}

func (c *recCore) Handle(ctx context.Context, req *bot.Request) bot.Reply {
	if c.panicOn != "" && strings.Contains(req.Text, c.panicOn) {
		panic("test panic")
	}
	return c.Bot.Handle(ctx, req)
}

// env is an adapter wired to the real core (memstore, ytx client, YTX
// simulator on a fake clock) and a fake Bot API.
type env struct {
	*bottest.Env
	t     *testing.T
	api   *fakeAPI
	a     *Adapter
	core  *recCore
	clock *fakeClock
	seq   int64
	msgID int
}

const (
	alicePhone = "13800000001"
	bobPhone   = "13900000002"
	carolPhone = "13700000003"
)

// setup builds an env. Alice, Bob and Carol are mapped; the core has
// learned Alice's and Bob's usernames, not Carol's. Erin is a member of
// the allowed group; Dave is not.
func setup(t *testing.T, mods ...func(*Config)) *env {
	t.Helper()
	return setupBot(t, bot.Config{Policy: bot.Policy{AllowRawNumbers: true, SelfService: true}}, mods...)
}

// setupBot is setup with the core configured by bc (policy, alerts).
// Alice, Bob and Carol are members of the allowed group too, so the
// adapter's roster (offboarding) finds them.
func setupBot(t *testing.T, bc bot.Config, mods ...func(*Config)) *env {
	t.Helper()
	api := newFakeAPI(t)
	be := bottest.New(t, bc)
	core := &recCore{Bot: be.Bot}
	cfg := Config{Token: testToken, ServerURL: api.URL(), AllowedChats: []int64{group.ID}}
	for _, m := range mods {
		m(&cfg)
	}
	clock := &fakeClock{now: time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)}
	a, err := New(cfg, core, WithClock(clock), WithPollTimeout(2*time.Second), WithLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	be.Bot.RegisterNotifier(bot.Telegram, a)
	be.Bot.RegisterRoster(bot.Telegram, a)
	e := &env{Env: be, t: t, api: api, a: a, core: core, clock: clock, seq: 100, msgID: 10}
	ctx := context.Background()
	for _, u := range []struct {
		user  models.User
		phone string
	}{{alice, alicePhone}, {bob, bobPhone}, {carol, carolPhone}} {
		if err := be.Store.PutUser(ctx, &bot.User{Identity: identity(u.user.ID), Name: u.user.FirstName, Phone: u.phone}); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []models.User{alice, bob} {
		if err := be.Bot.LearnUsername(ctx, bot.Telegram, u.Username, identity(u.ID)); err != nil {
			t.Fatal(err)
		}
	}
	api.setMember(erin.ID, "member")
	for _, u := range []models.User{alice, bob, carol} {
		api.setMember(u.ID, "member")
	}
	return e
}

// started reads the bot's identity as Run does (getMe, setMyCommands).
func (e *env) started() *env {
	e.t.Helper()
	if err := e.a.start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	return e
}

// msg builds a message update; the entities of text (bot commands and
// @mentions) are computed as Telegram would, in UTF-16 units.
func (e *env) msg(chat models.Chat, from models.User, text string, extra ...models.MessageEntity) *models.Update {
	e.seq++
	e.msgID++
	f := from
	m := &models.Message{ID: e.msgID, From: &f, Date: 1767225600, Chat: chat, Text: text, Entities: append(entitiesOf(text), extra...)}
	return &models.Update{ID: e.seq, Message: m}
}

// click builds a callback query on message msgID of chat.
func (e *env) click(chat models.Chat, msgID int, from models.User, data string) *models.Update {
	e.seq++
	return &models.Update{ID: e.seq, CallbackQuery: &models.CallbackQuery{ID: "cq" + itoa(e.seq), From: from,
		Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage,
			Message: &models.Message{ID: msgID, Date: 1767225600, Chat: chat, From: &models.User{ID: botUserID, IsBot: true, Username: botName}}},
		Data: data}}
}

// send takes in one update and waits until its work is done.
func (e *env) send(u *models.Update) {
	e.t.Helper()
	e.a.process(context.Background(), u)
	e.a.inflight.Wait()
}

// sent returns the sendMessage calls to chat.
func (e *env) sent(chat int64) []apiCall {
	var out []apiCall
	for _, c := range e.api.Calls("sendMessage") {
		if c.chat() == itoa(chat) {
			out = append(out, c)
		}
	}
	return out
}

// card returns the only card sent to chat: a message with an inline keyboard.
func (e *env) card(chat int64) apiCall {
	e.t.Helper()
	var cards []apiCall
	for _, c := range e.sent(chat) {
		if strings.Contains(c.Form["reply_markup"], "inline_keyboard") && c.Form["parse_mode"] == "HTML" {
			cards = append(cards, c)
		}
	}
	if len(cards) != 1 {
		e.t.Fatalf("want 1 card in %d, got %d; calls %v", chat, len(cards), e.api.methods())
	}
	return cards[0]
}

// entitiesOf finds what Telegram marks in text: the bot commands and
// @mentions at the start of a word, with UTF-16 offsets.
func entitiesOf(text string) []models.MessageEntity {
	var out []models.MessageEntity
	rs := []rune(text)
	unit := 0
	units := make([]int, len(rs)+1)
	for i, r := range rs {
		units[i] = unit
		unit += utf16Len(string(r))
	}
	units[len(rs)] = unit
	for i := 0; i < len(rs); i++ {
		if (rs[i] != '/' && rs[i] != '@') || (i > 0 && !unicode.IsSpace(rs[i-1])) {
			continue
		}
		j := i + 1
		for j < len(rs) && !unicode.IsSpace(rs[j]) && (rs[i] == '/' || rs[j] != ',') {
			j++
		}
		if j == i+1 {
			continue
		}
		typ := models.MessageEntityTypeMention
		if rs[i] == '/' {
			typ = models.MessageEntityTypeBotCommand
		}
		out = append(out, models.MessageEntity{Type: typ, Offset: units[i], Length: units[j] - units[i]})
		i = j
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// testLogger logs to t until the test ends; goroutines that outlive it are
// silenced rather than panicking.
func testLogger(t *testing.T) *slog.Logger {
	w := &tWriter{t: t}
	t.Cleanup(func() { w.mu.Lock(); w.done = true; w.mu.Unlock() })
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *tWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

var _ io.Writer = (*tWriter)(nil)
