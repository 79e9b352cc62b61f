package bot_test

import (
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
	"github.com/ytxbot/ytxbot/storage"
	"github.com/ytxbot/ytxbot/ytx"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

// TestTrackingSurvivesRestart: a meeting created by one process is tracked
// to its end by the next one over the same database: the card reaches its
// final state and the summary is posted, with nothing kept in memory
// across the restart but the file.
func TestTrackingSurvivesRestart(t *testing.T) {
	const sid, token, app = "ACrestart0000000000000000000001", "TOKrestart000000000000000000001", "apprestart"
	clock := ytxsim.NewFakeClock(bottest.Start)
	sim, err := ytxsim.New(ytxsim.Config{AccountSID: sid, AuthToken: token, AppID: app}, ytxsim.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	client, err := ytx.New(ytx.Config{BaseURL: srv.URL, AccountSID: sid, AuthToken: token, AppID: app}, ytx.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bot.db")
	notes := bottest.NewNotifier() // the chat platform outlives the bot process
	start := func() (*bot.Bot, *storage.DB) {
		db, err := storage.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := bot.New(bot.Config{Policy: bot.Policy{AllowRawNumbers: true}}, db, client, bot.WithClock(clock.Now), bot.WithNotifier(bot.Console, notes))
		if err != nil {
			t.Fatal(err)
		}
		return b, db
	}
	b1, db1 := start()
	ctx := t.Context()
	for name, phone := range map[string]string{"alice": "13800000001", "bob": "13900000007"} { // bob hangs up by himself
		db1.PutUser(ctx, &bot.User{Identity: "console:" + name, Name: name, Phone: phone})
	}
	rep := b1.Handle(ctx, &bot.Request{Platform: bot.Console, Channel: "c", UserID: "alice", Text: "/meet create sync @bob"})
	if rep.Card == nil {
		t.Fatal(rep.Text)
	}
	clock.Advance(10 * time.Second)
	if _, _, err := b1.PollDue(ctx, 5*time.Second, false); err != nil {
		t.Fatal(err)
	}
	if c := notes.Card(rep.Card); c.Rows[1].State != "joined" {
		t.Fatalf("before the restart:\n%s", c.Text())
	}
	b1.Wait()
	db1.Close() // the process stops mid-meeting

	clock.Advance(ytxsim.DefaultTimeline().Leave) // bob leaves while nobody watches
	b2, db2 := start()
	defer db2.Close()
	clock.Advance(time.Minute)
	if _, _, err := b2.PollDue(ctx, 5*time.Second, false); err != nil {
		t.Fatal(err)
	}
	rep2 := b2.Handle(ctx, &bot.Request{Platform: bot.Console, Channel: "c", UserID: "alice", Text: "/meet end #1"})
	if c := notes.Card(rep.Card); c.Status != "ended" || !c.Final || c.Rows[1].State != "left" {
		t.Errorf("after the restart (%s):\n%s", rep2.Text, c.Text())
	}
	posts := notes.Posts()
	if last := posts[len(posts)-1]; last.Title != "Summary: sync" {
		t.Errorf("no summary after the restart: %s", last.Text())
	}
}
