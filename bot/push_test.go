package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
	"github.com/ytxbot/ytxbot/ytx"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

// rewire gives e a Bot on store and tel instead (the simulator's pushes go
// to e.Bot), with pushEnv's policy and timeout (0 = the default).
func rewire(t *testing.T, e *bottest.Env, store bot.Store, tel bot.Telephony, timeout time.Duration) *bot.Bot {
	t.Helper()
	b, err := bot.New(bot.Config{Timeout: timeout, Policy: bot.Policy{AllowRawNumbers: true}}, store, tel,
		bot.WithClock(e.Clock.Now), bot.WithNotifier(bot.Console, e.Notifier))
	if err != nil {
		t.Fatal(err)
	}
	e.Bot = b
	return b
}

func pushEnv(t *testing.T, simOpts ...ytxsim.Option) *bottest.Env {
	t.Helper()
	e := bottest.NewWithSim(t, bot.Config{Policy: bot.Policy{AllowRawNumbers: true}}, true, simOpts)
	for name, phone := range map[string]string{"alice": "13800000001", "bob": "13900000002", "nina": "13600000009", "bert": "13600000008"} {
		e.Map(t, name, phone)
	}
	return e
}

// TestDialBackFollowsPushes: the call card goes from placed to connected
// to ended with the record's duration, on pushes alone, whatever their
// order and however often they come.
func TestDialBackFollowsPushes(t *testing.T) {
	for name, opts := range map[string][]ytxsim.Option{
		"in order":   nil,
		"duplicated": {ytxsim.WithPushDuplicates(true)},
		"reordered":  {ytxsim.WithPushReorder(true), ytxsim.WithPushDuplicates(true)},
	} {
		t.Run(name, func(t *testing.T) {
			e := pushEnv(t, opts...)
			rep := e.Say("alice", "/call dialback @bob --max 10m")
			if rep.Card == nil {
				t.Fatal(rep.Text)
			}
			e.Advance(ytxsim.DefaultTimeline().Ring + ytxsim.DefaultTimeline().Answer + time.Second)
			e.Advance(ytxsim.DefaultTimeline().Ring + ytxsim.DefaultTimeline().Answer + time.Second)
			mid := e.Notifier.Card(rep.Card)
			if mid.Status != "connected" || mid.Rows[0].State != "joined" || mid.Rows[1].State != "joined" {
				t.Errorf("while talking:\n%s", mid.Text())
			}
			e.Advance(2 * time.Minute)
			end := e.Notifier.Card(rep.Card)
			if end.Status != "ended" || end.Duration != ytxsim.DefaultTimeline().Talk || !end.Final ||
				end.Rows[0].State != "left" || end.Rows[1].State != "left" {
				t.Errorf("at the end:\n%s", end.Text())
			}
			c, _ := e.Store.Call(context.Background(), 1)
			if c.Cost == "" || c.Ended.IsZero() {
				t.Errorf("call record not settled from the CDR: %+v", c)
			}
		})
	}
}

func TestDialBackNoAnswer(t *testing.T) {
	e := pushEnv(t)
	rep := e.Say("alice", "/call dialback @nina") // ends in 9: never answers
	e.Advance(time.Minute)
	e.Advance(time.Minute)
	card := e.Notifier.Card(rep.Card)
	if card.Status != "ended" || card.Rows[1].State != "no answer" || card.Rows[0].State != "left" {
		t.Errorf("no answer:\n%s", card.Text())
	}
}

func TestMeetingFollowsPushes(t *testing.T) {
	e := pushEnv(t, ytxsim.WithPushReorder(true))
	rep := e.Say("alice", "/meet create x @bob @bert")
	e.Advance(10 * time.Second)
	card := e.Notifier.Card(rep.Card)
	want := []string{"joined", "joined", "busy"}
	for i, r := range card.Rows {
		if r.State != want[i] {
			t.Errorf("row %d: %s, want %s\n%s", i, r.State, want[i], card.Text())
		}
	}
	if e.Say("alice", "/meet end").Text == "" {
		t.Fatal("no reply to end")
	}
	e.Advance(time.Second)
	if card := e.Notifier.Card(rep.Card); card.Status != "ended" || !card.Final {
		t.Errorf("after end:\n%s", card.Text())
	}
	posts := e.Notifier.Posts()
	sum := posts[len(posts)-1]
	if len(posts) != 2 || sum.Title != "Summary: x" || sum.Note != "attended: alice, bob" || sum.Duration <= 0 {
		t.Errorf("summary (%d posts):\n%s", len(posts), sum.Text())
	}
	e.Advance(time.Minute) // a late or duplicate end never posts a second summary
	if n := len(e.Notifier.Posts()); n != 2 {
		t.Errorf("%d posts after a late end", n)
	}
}

func TestUnmatchedPushKept(t *testing.T) {
	e := pushEnv(t)
	ctx := context.Background()
	for _, body := range []string{`{"requestid":"nope","dsc":"13800000001","state":"answer"}`, `{"cdr":[{"requestid":"nope2"}]}`, `{"hello":1}`} {
		p, err := ytx.ParsePush([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if matched, err := e.Bot.HandlePush(ctx, p); matched || err != nil {
			t.Errorf("%s: matched %v, %v", body, matched, err)
		}
	}
	ps, _ := e.Store.Pushes(ctx, time.Time{})
	if len(ps) != 3 || !strings.Contains(string(ps[2].Body), "hello") {
		t.Errorf("kept pushes: %+v", ps)
	}
}

// slowPost is a notifier whose first PostCard runs during first before it
// returns: what arrives while a card is on its way to the chat.
type slowPost struct {
	*bottest.Notifier
	during func()
}

func (n *slowPost) PostCard(ctx context.Context, to bot.Destination, c *bot.Card) (*bot.CardRef, error) {
	if f := n.during; f != nil {
		n.during = nil
		f()
	}
	return n.Notifier.PostCard(ctx, to, c)
}

// TestMeetingNewsWhileCardPosts: pushes that arrive while the new meeting's
// card is being posted are kept, the card reference is stored with them,
// and the card is brought up to date (the meeting record was once written
// back from a stale copy, losing one or the other).
func TestMeetingNewsWhileCardPosts(t *testing.T) {
	e := pushEnv(t)
	// The pushes come from another goroutine, as over HTTP; the command's
	// turn holds the meeting until it ends, so they wait for it or come
	// first, and either way nothing may be lost.
	pushed := make(chan struct{})
	e.Bot.RegisterNotifier(bot.Console, &slowPost{Notifier: e.Notifier, during: func() {
		go func() {
			defer close(pushed)
			e.Advance(10 * time.Second)
		}()
	}})
	rep := e.Say("alice", "/meet create x @bob")
	<-pushed
	if rep.Card == nil {
		t.Fatalf("no card: %s", rep.Text)
	}
	m, err := e.Store.Meeting(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.Card == nil || *m.Card != *rep.Card {
		t.Errorf("stored card reference %+v, want %+v", m.Card, rep.Card)
	}
	for _, p := range m.Parties {
		if p.State != "joined" {
			t.Errorf("stored %s %s, want joined (the pushes during the post)", p.Name, p.State)
		}
	}
	for i, r := range e.Notifier.Card(rep.Card).Rows {
		if r.State != "joined" {
			t.Errorf("card row %d: %s, want joined\n%s", i, r.State, e.Notifier.Card(rep.Card).Text())
		}
	}
}

// overtaking is a telephony whose first CreateMeeting runs during after
// YTX has created the room and before its answer reaches the bot: events
// that overtake the answer.
type overtaking struct {
	bot.Telephony
	during func()
}

func (o *overtaking) CreateMeeting(ctx context.Context, p *ytx.MeetingParams) (*ytx.Meeting, error) {
	m, err := o.Telephony.CreateMeeting(ctx, p)
	if f := o.during; f != nil && err == nil {
		o.during = nil
		f()
	}
	return m, err
}

// TestMeetingEventsOvertakeAnswer: events of a new meeting that reach the
// bot before YTX's answer (found by CustomParm) are kept when the answer is
// stored, and the card shows them.
func TestMeetingEventsOvertakeAnswer(t *testing.T) {
	e := pushEnv(t)
	tel := &overtaking{Telephony: e.Client, during: func() { e.Advance(10 * time.Second) }}
	rewire(t, e, e.Store, tel, 0)
	rep := e.Say("alice", "/meet create x @bob")
	if rep.Card == nil {
		t.Fatalf("no card: %s", rep.Text)
	}
	m, err := e.Store.Meeting(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.YTXID == "" || m.State != ytx.MeetingActive || m.Card == nil {
		t.Errorf("stored: YTX id %q, state %s, card %+v", m.YTXID, m.State, m.Card)
	}
	for _, p := range m.Parties {
		if p.State != "joined" {
			t.Errorf("stored %s %s, want joined (the events before the answer)", p.Name, p.State)
		}
	}
	card := e.Notifier.Card(rep.Card)
	for i, r := range card.Rows {
		if r.State != "joined" {
			t.Errorf("card row %d: %s, want joined\n%s", i, r.State, card.Text())
		}
	}
}

// inviteDuring is a telephony whose first Invite runs during while YTX
// handles it.
type inviteDuring struct {
	bot.Telephony
	during func()
}

func (o *inviteDuring) Invite(ctx context.Context, id string, parties []ytx.Party, customParm string) (*ytx.Result, error) {
	if f := o.during; f != nil {
		o.during = nil
		f()
	}
	return o.Telephony.Invite(ctx, id, parties, customParm)
}

// TestCommandKeepsEventsDuringIt: a person leaves while /meet invite waits
// for YTX; the command stores its new party without undoing the leave
// (commands hold the meeting's record lock until they end, so the event
// waits for the command or lands before it reads the meeting).
func TestCommandKeepsEventsDuringIt(t *testing.T) {
	e := pushEnv(t)
	pushed := make(chan struct{})
	tel := &inviteDuring{Telephony: e.Client}
	rewire(t, e, e.Store, tel, 0)
	rep := e.Say("alice", "/meet create x @bob")
	e.Advance(10 * time.Second)
	m, err := e.Store.Meeting(context.Background(), 1)
	if err != nil || m.Parties[1].State != "joined" {
		t.Fatalf("before: %+v %v", m, err)
	}
	tel.during = func() {
		go func() {
			defer close(pushed)
			if _, err := e.Client.Hangup(context.Background(), m.YTXID, "13900000002"); err != nil {
				t.Error(err)
			}
			e.Advance(time.Second)
		}()
	}
	if r := e.Say("alice", "/meet invite @bert"); r.Text == "" {
		t.Fatal("no reply to invite")
	}
	<-pushed
	m, err = e.Store.Meeting(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, p := range m.Parties {
		states[p.Name] = p.State
	}
	if states["bob"] != "left" || states["bert"] == "" {
		t.Errorf("stored parties %v, want bob left and bert invited", states)
	}
	card := e.Notifier.Card(rep.Card)
	if !strings.Contains(card.Text(), "bob 139****0002: left") {
		t.Errorf("card:\n%s", card.Text())
	}
}
