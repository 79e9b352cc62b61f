package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
	"github.com/ytxbot/ytxbot/ytx"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

// TestPollBacksOff: a meeting whose state stops changing is asked about
// less and less often (interval, 2×, 4×, up to 8×).
func TestPollBacksOff(t *testing.T) {
	e := demo(t, bot.Config{})
	e.Say("alice", "/meet create x @bob")
	const every = 5 * time.Second
	ctx := t.Context()
	count := func() int { return ytxRequests(e, ytx.ActionQueryMeeting) }
	var at []int // seconds at which a query went out
	for s := 0; s <= 200; s += 5 {
		before := count()
		if _, _, err := e.Bot.PollDue(ctx, every, false); err != nil {
			t.Fatal(err)
		}
		if count() > before {
			at = append(at, s)
		}
		e.Advance(every)
	}
	// Everyone has joined by 10 s; from then on the gaps double to 40 s.
	gaps := []int{}
	for i := 1; i < len(at); i++ {
		gaps = append(gaps, at[i]-at[i-1])
	}
	last := gaps[len(gaps)-1]
	if last != 40 || len(at) > 12 {
		t.Errorf("queries at %v s (gaps %v): want the gaps to grow to 40 s", at, gaps)
	}
}

// TestPollPausesOnRateLimit: -104 from YTX stops all polling for a minute.
func TestPollPausesOnRateLimit(t *testing.T) {
	e := demo(t, bot.Config{})
	e.Say("alice", "/meet create x @bob")
	e.Say("carol", "/meet create y @dave")
	ctx := t.Context()
	e.Sim.FailNext(ytx.ActionQueryMeeting, ytx.CodeRateLimited, 10)
	e.Bot.PollDue(ctx, time.Second, false)
	n := ytxRequests(e, ytx.ActionQueryMeeting)
	for range 5 {
		e.Advance(10 * time.Second)
		e.Bot.PollDue(ctx, time.Second, false)
	}
	if got := ytxRequests(e, ytx.ActionQueryMeeting); got != n {
		t.Errorf("%d queries during the pause", got-n)
	}
	e.Advance(15 * time.Second)
	e.Bot.PollDue(ctx, time.Second, false)
	if got := ytxRequests(e, ytx.ActionQueryMeeting); got == n {
		t.Error("polling did not resume after the pause")
	}
}

func TestPollMaxAge(t *testing.T) {
	e := demo(t, bot.Config{MaxAge: time.Hour})
	rep := e.Say("alice", "/meet create x @bob")
	e.Advance(2 * time.Hour)
	open, _, err := e.Bot.PollDue(t.Context(), time.Second, false)
	if err != nil || open != 0 {
		t.Fatalf("open %d, %v", open, err)
	}
	if c := e.Notifier.Card(rep.Card); c.Status != "no longer tracked" || !c.Final {
		t.Errorf("card:\n%s", c.Text())
	}
}

// TestPollCallsSettlesFromRecords: with ytx.cdr_query on and no pushes,
// the call-record query settles a dial-back card.
func TestPollCallsSettlesFromRecords(t *testing.T) {
	e := bottest.NewWithSim(t, bot.Config{CDRQuery: true}, false, nil)
	e.Map(t, "alice", "13800000001")
	e.Map(t, "bob", "13900000002")
	rep := e.Say("alice", "/call dialback @bob")
	if err := e.Bot.PollCalls(t.Context()); err != nil {
		t.Fatal(err)
	}
	if c := e.Notifier.Card(rep.Card); c.Status != "placed" {
		t.Errorf("before the end:\n%s", c.Text())
	}
	e.Advance(5 * time.Minute)
	if err := e.Bot.PollCalls(t.Context()); err != nil {
		t.Fatal(err)
	}
	if c := e.Notifier.Card(rep.Card); c.Status != "ended" || c.Duration <= 0 {
		t.Errorf("after the record:\n%s", c.Text())
	}
}

// TestCheckAgainOnCalls: *Check again* on a call asks for its record (with
// ytx.cdr_query) and applies the pushes kept for it, instead of only
// redrawing the card.
func TestCheckAgainOnCalls(t *testing.T) {
	e := bottest.NewWithSim(t, bot.Config{CDRQuery: true}, false, nil)
	e.Map(t, "alice", "13800000001")
	e.Map(t, "bob", "13900000002")
	rep := e.Say("alice", "/call dialback @bob")
	e.Advance(5 * time.Minute)
	if c := e.Notifier.Card(rep.Card); c.Status != "placed" {
		t.Fatalf("before the check:\n%s", c.Text())
	}
	queries := e.Sim.Count(ytx.ActionCallRecord)
	if r := e.Click("alice", "c:1:check"); !strings.Contains(r.Text, "ended") {
		t.Errorf("check answer: %q", r.Text)
	}
	if n := e.Sim.Count(ytx.ActionCallRecord) - queries; n != 1 {
		t.Errorf("%d call-record queries, want 1", n)
	}
	if c := e.Notifier.Card(rep.Card); c.Status != "ended" || c.Duration <= 0 {
		t.Errorf("after the check:\n%s", c.Text())
	}
}

// TestLostAnswerReconciledByRecord: YTX placed the call but its answer was
// lost; the call-record push, matched by CustomParm, settles the card and
// teaches the call its requestId (so later lookups by it work).
func TestLostAnswerReconciledByRecord(t *testing.T) {
	e := bottest.New(t, bot.Config{})
	e.Map(t, "alice", "13800000001")
	e.Map(t, "bob", "13900000002")
	e.Sim.DropNext(ytx.ActionDialBack, 1, ytxsim.DropAfter)
	rep := e.Say("alice", "/call dialback @bob")
	if c := e.Notifier.Card(rep.Card); c.Status != "state unknown" {
		t.Fatalf("after the lost answer:\n%s", c.Text())
	}
	e.Advance(5 * time.Minute)
	c, err := e.Store.Call(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.State != bot.CallEnded || c.RequestID == "" || c.Duration <= 0 {
		t.Fatalf("call after the record push: %+v", c)
	}
	if byReq, err := e.Store.CallByRequestID(t.Context(), c.RequestID); err != nil || byReq.ID != 1 {
		t.Errorf("by request id: %+v %v", byReq, err)
	}
	if card := e.Notifier.Card(rep.Card); card.Status != "ended" {
		t.Errorf("card:\n%s", card.Text())
	}
}
