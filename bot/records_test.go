package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
	"github.com/ytxbot/ytxbot/bot/memstore"
	"github.com/ytxbot/ytxbot/ytx"
)

// parkedInvite parks the first Invite until release is closed, whatever
// its context says: a command stuck in a slow request.
type parkedInvite struct {
	bot.Telephony
	entered chan struct{}
	release chan struct{}
}

func (o *parkedInvite) Invite(ctx context.Context, id string, parties []ytx.Party, cp string) (*ytx.Result, error) {
	select {
	case <-o.entered:
	default:
		close(o.entered)
		<-o.release
	}
	return o.Telephony.Invite(context.WithoutCancel(ctx), id, parties, cp)
}

// parkedEnv has meeting #1 (alice, bob, both joined) and a telephony whose
// first Invite parks; cfg.Timeout is short, so waiting for a held meeting
// gives up after 2×100 ms.
func parkedEnv(t *testing.T) (*bottest.Env, *parkedInvite) {
	t.Helper()
	e := pushEnv(t)
	tel := &parkedInvite{Telephony: e.Client, entered: make(chan struct{}), release: make(chan struct{})}
	rewire(t, e, e.Store, tel, 100*time.Millisecond)
	if rep := e.Say("alice", "/meet create x @bob"); rep.Card == nil {
		t.Fatal(rep.Text)
	}
	e.Advance(10 * time.Second)
	return e, tel
}

// parkInvite starts /meet invite @bert and returns once it is parked in
// YTX, holding meeting #1; done is closed when the command has answered.
func parkInvite(e *bottest.Env, tel *parkedInvite) (done chan bot.Reply) {
	done = make(chan bot.Reply, 1)
	go func() { done <- e.Say("alice", "/meet invite @bert") }()
	<-tel.entered
	return done
}

// TestHeldMeetingBusy: a second command on a meeting another command holds
// waits at most twice the YTX timeout, then says so and changes nothing.
func TestHeldMeetingBusy(t *testing.T) {
	e, tel := parkedEnv(t)
	done := parkInvite(e, tel)
	rep := e.Say("bob", "/meet hangup @alice")
	if !strings.Contains(rep.Text, "busy") || !strings.Contains(rep.Text, "#1") {
		t.Errorf("second command: %q, want the meeting busy", rep.Text)
	}
	close(tel.release)
	if r := <-done; !strings.Contains(r.Text, "Ringing") {
		t.Errorf("invite: %q", r.Text)
	}
	m, err := e.Store.Meeting(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.Parties[0].State != "joined" || len(m.Parties) != 3 {
		t.Errorf("after: %+v", m.Parties)
	}
}

// TestPollPassesHeldMeeting: a poll round does not wait for a meeting a
// command holds (the round would hang here if it did), and polls it again
// at the next round.
func TestPollPassesHeldMeeting(t *testing.T) {
	e, tel := parkedEnv(t)
	done := parkInvite(e, tel)
	if _, _, err := e.Bot.PollDue(context.Background(), time.Second, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Bot.RefreshOpen(context.Background()); err != nil {
		t.Fatal(err)
	}
	close(tel.release)
	<-done
	before, _ := e.Store.Meeting(context.Background(), 1)
	e.Clock.Advance(time.Second)
	if _, _, err := e.Bot.PollDue(context.Background(), time.Second, false); err != nil {
		t.Fatal(err)
	}
	after, _ := e.Store.Meeting(context.Background(), 1)
	if !after.Refreshed.After(before.Refreshed) {
		t.Errorf("not polled again after the command: refreshed %v, then %v", before.Refreshed, after.Refreshed)
	}
}

// TestMigrateChatHeldMeeting: a chat migration while a command holds one
// of its meetings (as when the adapter learns of it inside that command's
// card post) returns at once and moves the meeting once it is let go.
func TestMigrateChatHeldMeeting(t *testing.T) {
	e, tel := parkedEnv(t)
	done := parkInvite(e, tel)
	if err := e.Bot.MigrateChat(context.Background(), bot.Console, "demo", "new"); err != nil {
		t.Fatal(err)
	}
	close(tel.release)
	<-done
	e.Bot.Wait()
	m, err := e.Store.Meeting(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.Channel != "new" || m.Card == nil || m.Card.Channel != "new" || len(m.Parties) != 3 {
		t.Errorf("after the migration: channel %s, card %+v, %d parties", m.Channel, m.Card, len(m.Parties))
	}
}

// listingStore runs during once, right after a full listing of chat demo's
// meetings (MigrateChat's read).
type listingStore struct {
	*memstore.Store
	during func()
}

func (s *listingStore) Meetings(ctx context.Context, f bot.MeetingFilter) ([]*bot.Meeting, error) {
	ms, err := s.Store.Meetings(ctx, f)
	if f.Channel == "demo" && !f.ActiveOnly && f.Limit == 0 && s.during != nil {
		d := s.during
		s.during = nil
		d()
	}
	return ms, err
}

// TestMigrateChatKeepsPushes: a push applied between the migration's
// listing and its write is not undone by it.
func TestMigrateChatKeepsPushes(t *testing.T) {
	e := pushEnv(t)
	st := &listingStore{Store: e.Store}
	b := rewire(t, e, st, e.Client, 0)
	if rep := e.Say("alice", "/meet create x @bob"); rep.Card == nil {
		t.Fatal(rep.Text)
	}
	st.during = func() { e.Advance(10 * time.Second) } // both answer
	if err := b.MigrateChat(context.Background(), bot.Console, "demo", "new"); err != nil {
		t.Fatal(err)
	}
	m, err := e.Store.Meeting(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if m.Channel != "new" {
		t.Errorf("channel %s", m.Channel)
	}
	for _, p := range m.Parties {
		if p.State != "joined" {
			t.Errorf("stored %s %s after the migration, want joined", p.Name, p.State)
		}
	}
}

// TestCallNewsWhileCardPosts: a call's events that arrive while its card is
// being posted reach the card too.
func TestCallNewsWhileCardPosts(t *testing.T) {
	e := pushEnv(t)
	e.Bot.RegisterNotifier(bot.Console, &slowPost{Notifier: e.Notifier, during: func() {
		e.Advance(40 * time.Second)
		e.Advance(40 * time.Second)
	}})
	rep := e.Say("alice", "/call dialback @nina")
	if rep.Card == nil {
		t.Fatal(rep.Text)
	}
	c, err := e.Store.Call(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.State == bot.CallPlaced {
		t.Fatalf("no news during the post: %s", c.State)
	}
	if got, want := e.Notifier.Card(rep.Card).Status, bot.CallCard(c, "en", time.Now()).Status; got != want {
		t.Errorf("card says %q, record %q", got, want)
	}
}

// TestCheckReplaysOnlyItsPushes: Check again on a call without a requestId
// replays the kept pushes of that call only; a meeting's (no requestId
// either) is neither applied nor kept again.
func TestCheckReplaysOnlyItsPushes(t *testing.T) {
	e := pushEnv(t)
	ctx := context.Background()
	if err := e.Store.PutCall(ctx, &bot.Call{ID: 7, CustomParm: "c7-x", Platform: bot.Console, Channel: "demo", Caller: "console:alice",
		From: bot.Participant{Phone: "13800000001"}, To: bot.Participant{Phone: "13900000002"}, State: bot.CallUnknown,
		Created: e.Clock.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	p, err := ytx.ParsePush([]byte(`{"confid":"nosuch","CustomParm":"m99-x","phone":"1","state":"answer"}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Bot.HandlePush(ctx, p); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		e.Click("alice", "c:7:check")
	}
	if ps, err := e.Store.Pushes(ctx, time.Time{}); err != nil || len(ps) != 1 {
		t.Errorf("kept pushes after 3 checks: %d (%v), want 1", len(ps), err)
	}
}

// TestSummaryPostedAfterFailure: a summary whose post fails is not marked
// posted, and the meeting's next refresh posts it (it used to be marked
// before the post, and so lost for good).
func TestSummaryPostedAfterFailure(t *testing.T) {
	e := pushEnv(t)
	rep := e.Say("alice", "/meet create x @bob")
	if rep.Card == nil {
		t.Fatal(rep.Text)
	}
	e.Advance(10 * time.Second)
	e.Notifier.PostErr = errors.New("chat API down")
	e.Say("alice", "/meet end")
	e.Advance(time.Second)
	m, err := e.Store.Meeting(context.Background(), 1)
	if err != nil || m.State != ytx.MeetingEnded || m.Summarized {
		t.Fatalf("after a failed summary: state %s, summarized %v, %v", m.State, m.Summarized, err)
	}
	e.Notifier.PostErr = nil
	e.Click("alice", "m:1:refresh")
	posts := e.Notifier.Posts()
	if len(posts) != 2 || posts[1].Title != "Summary: x" {
		t.Fatalf("posts after the refresh: %d", len(posts))
	}
	if m, _ := e.Store.Meeting(context.Background(), 1); !m.Summarized {
		t.Error("summary posted but not marked")
	}
	e.Click("alice", "m:1:refresh")
	if n := len(e.Notifier.Posts()); n != 2 {
		t.Errorf("%d posts after a second refresh, want 2", n)
	}
}

// crashAfterCreate has YTX create the room, then the command dies before
// it stores the answer (Handle recovers the panic, as a restart would end
// the command): the record stays unknown, without room or card.
type crashAfterCreate struct {
	bot.Telephony
	made bool // YTX creates the room, else fails before
}

func (c *crashAfterCreate) CreateMeeting(ctx context.Context, p *ytx.MeetingParams) (*ytx.Meeting, error) {
	if c.made {
		if _, err := c.Telephony.CreateMeeting(ctx, p); err != nil {
			return nil, err
		}
	}
	panic("the process died here")
}

// TestPollerAdoptsUnfinishedMeeting: a meeting whose command died between
// asking YTX and storing the answer gets its room (found in YTX's list, as
// Check again does) and its card from the poller, once it is older than any
// command; when YTX has no such room, the card says the outcome is unknown
// and offers Check again.
func TestPollerAdoptsUnfinishedMeeting(t *testing.T) {
	for _, made := range []bool{true, false} {
		t.Run(fmt.Sprint("room made=", made), func(t *testing.T) {
			e := pushEnv(t)
			rewire(t, e, e.Store, &crashAfterCreate{Telephony: e.Client, made: made}, 0)
			e.Say("alice", "/meet create standup @bob")
			ctx := context.Background()
			m, err := e.Store.Meeting(ctx, 1)
			if err != nil || m.YTXID != "" || m.Card != nil || m.State != bot.MeetingUnknown {
				t.Fatalf("after the crash: %+v, %v", m, err)
			}
			if _, _, err := e.Bot.PollDue(ctx, time.Second, true); err != nil {
				t.Fatal(err)
			}
			if len(e.Notifier.Posts()) != 0 {
				t.Fatal("adopted while its command could still be running")
			}
			e.Clock.Advance(2*time.Minute + 2*10*time.Second)
			if _, _, err := e.Bot.PollDue(ctx, time.Second, true); err != nil {
				t.Fatal(err)
			}
			m, err = e.Store.Meeting(ctx, 1)
			if err != nil || m.Card == nil {
				t.Fatalf("after the poll: %+v, %v", m, err)
			}
			card := e.Notifier.Card(m.Card)
			in, err := e.Store.Intent(ctx, m.IntentID)
			if err != nil {
				t.Fatal(err)
			}
			if made {
				if m.YTXID == "" || m.State != ytx.MeetingActive || in.Outcome != "done" || !strings.Contains(card.Text(), "room "+m.YTXID) {
					t.Errorf("room made: YTX id %q, state %s, intent %s, card:\n%s", m.YTXID, m.State, in.Outcome, card.Text())
				}
			} else if m.YTXID != "" || in.Outcome != "pending" || !strings.Contains(card.Text(), "Check again") {
				t.Errorf("no room: YTX id %q, intent %s, card:\n%s", m.YTXID, in.Outcome, card.Text())
			}
			if _, _, err := e.Bot.PollDue(ctx, time.Second, true); err != nil {
				t.Fatal(err)
			}
			if n := len(e.Notifier.Posts()); n != 1 {
				t.Errorf("%d cards after another round, want 1", n)
			}
		})
	}
}
