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
