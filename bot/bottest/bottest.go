// Package bottest holds test support for the bot core and its adapters: a
// recording Notifier and an Env that wires a real Bot to an in-memory store
// and a real ytx.Client talking to the YTX simulator on a fake clock.
package bottest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/memstore"
	"github.com/ytxbot/ytxbot/ytx"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

// Notifier is a bot.Notifier that records every card it is given.
type Notifier struct {
	// PostErr, when set, is returned by the next PostCard calls.
	PostErr error

	mu     sync.Mutex
	seq    int
	posts  []*bot.Card
	cards  map[string]*bot.Card // latest version by message id
	edits  int
	update chan struct{}
}

// NewNotifier returns an empty recording Notifier.
func NewNotifier() *Notifier {
	return &Notifier{cards: map[string]*bot.Card{}, update: make(chan struct{}, 1)}
}

var _ bot.Notifier = (*Notifier)(nil)

// PostCard records a new card.
func (n *Notifier) PostCard(_ context.Context, to bot.Destination, c *bot.Card) (*bot.CardRef, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.PostErr != nil {
		return nil, n.PostErr
	}
	n.seq++
	id := strconv.Itoa(n.seq)
	n.posts = append(n.posts, c)
	n.cards[id] = c
	n.signal()
	return &bot.CardRef{Platform: to.Platform, Workspace: to.Workspace, Channel: to.Channel, MessageID: id}, nil
}

// EditCard records a new version of a card.
func (n *Notifier) EditCard(_ context.Context, ref *bot.CardRef, c *bot.Card) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, ok := n.cards[ref.MessageID]; !ok {
		return fmt.Errorf("edit of unknown card %s", ref.MessageID)
	}
	n.cards[ref.MessageID] = c
	n.edits++
	n.signal()
	return nil
}

func (n *Notifier) signal() {
	select {
	case n.update <- struct{}{}:
	default:
	}
}

// Posts returns every card posted, in order, as first posted.
func (n *Notifier) Posts() []*bot.Card {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]*bot.Card(nil), n.posts...)
}

// Card returns the latest version of a posted card.
func (n *Notifier) Card(ref *bot.CardRef) *bot.Card {
	if ref == nil {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cards[ref.MessageID]
}

// Edits counts card edits.
func (n *Notifier) Edits() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.edits
}

// Env is a Bot wired to a memstore, a recording Notifier for the console
// platform, and a real ytx.Client against a YTX simulator on a fake clock.
type Env struct {
	Bot      *bot.Bot
	Store    *memstore.Store
	Sim      *ytxsim.Sim
	Clock    *ytxsim.FakeClock
	Client   *ytx.Client
	Notifier *Notifier
	seq      int
}

// Start is the fake clock's starting time: 2026-11-25 10:00 Beijing.
var Start = time.Date(2026, 11, 25, 10, 0, 0, 0, ytx.Beijing)

// New builds an Env. cfg.Admins defaults to console:admin.
func New(tb testing.TB, cfg bot.Config, opts ...bot.Option) *Env {
	tb.Helper()
	return NewWithSim(tb, cfg, true, nil, opts...)
}

// NewWithSim builds an Env whose simulator also gets simOpts (duplicated or
// reordered pushes, …). With pushes, the simulator's pushes go to the Bot's
// HandlePush, delivered by Advance; without, YTX is like the sandbox.
func NewWithSim(tb testing.TB, cfg bot.Config, pushes bool, simOpts []ytxsim.Option, opts ...bot.Option) *Env {
	tb.Helper()
	const sid, token, app = "ACbottest000000000000000000000001", "TOKbottest00000000000000000000001", "appbottest"
	e := &Env{Store: memstore.New(), Clock: ytxsim.NewFakeClock(Start), Notifier: NewNotifier()}
	push := ytxsim.WithPushFunc(func(ctx context.Context, body []byte) error {
		p, err := ytx.ParsePush(body)
		if err != nil {
			return err
		}
		_, err = e.Bot.HandlePush(ctx, p)
		return err
	})
	simBase := []ytxsim.Option{ytxsim.WithClock(e.Clock)}
	if pushes {
		simBase = append(simBase, push)
	}
	sim, err := ytxsim.New(ytxsim.Config{AccountSID: sid, AuthToken: token, AppID: app}, append(simBase, simOpts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	tb.Cleanup(srv.Close)
	e.Sim = sim
	e.Client, err = ytx.New(ytx.Config{BaseURL: srv.URL, AccountSID: sid, AuthToken: token, AppID: app},
		ytx.WithClock(e.Clock.Now), ytx.WithRetry(ytx.RetryPolicy{Attempts: 1}))
	if err != nil {
		tb.Fatal(err)
	}
	if cfg.Admins == nil {
		cfg.Admins = []string{"console:admin"}
	}
	base := []bot.Option{bot.WithClock(e.Clock.Now), bot.WithNotifier(bot.Console, e.Notifier)}
	e.Bot, err = bot.New(cfg, e.Store, e.Client, append(base, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// Map gives a console user a number directly in the store.
func (e *Env) Map(tb testing.TB, name, phone string) {
	tb.Helper()
	if err := e.Store.PutUser(context.Background(), &bot.User{Identity: "console:" + name, Name: name, Phone: phone}); err != nil {
		tb.Fatal(err)
	}
}

// Say runs a console command line as user in channel "demo".
func (e *Env) Say(user, text string) bot.Reply {
	e.seq++
	return e.Bot.Handle(context.Background(), &bot.Request{ID: "line-" + strconv.Itoa(e.seq), Platform: bot.Console,
		Channel: "demo", ChannelName: "demo", UserID: user, UserName: user, Text: text})
}

// Click runs a button click as user.
func (e *Env) Click(user, id string) bot.Reply {
	e.seq++
	return e.Bot.Handle(context.Background(), &bot.Request{ID: "click-" + strconv.Itoa(e.seq), Platform: bot.Console,
		Channel: "demo", UserID: user, UserName: user, Action: &bot.Action{ID: id}})
}

// Advance moves the simulator's clock (and the bot's) forward.
func (e *Env) Advance(d time.Duration) {
	e.Clock.Advance(d)
	e.Sim.Tick(context.Background())
}
