package storage

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
	"github.com/ytxbot/ytxbot/ytx"
)

const day = 24 * time.Hour

func TestPurge(t *testing.T) {
	now := bottest.StoreBase.Add(100 * day)
	db := MustOpen(t, tempPath(t), WithRetention(30*day), WithClock(func() time.Time { return now }))
	ctx := t.Context()
	ago := func(d time.Duration) time.Time { return now.Add(-d) }

	for _, e := range []struct {
		at     time.Duration
		action string
	}{{31 * day, "old1"}, {31 * day, "old2"}, {30*day + time.Second, "old3"}, {29 * day, "young"}, {0, "now"}} {
		must(t, db.AddAudit(ctx, bot.AuditEntry{At: ago(e.at), Action: e.action}))
	}

	call := func(id int64, created, ended time.Duration) {
		c := bottest.SampleCall(id)
		c.Created, c.Ended = ago(created), time.Time{}
		if ended >= 0 {
			c.Ended = ago(ended)
		}
		must(t, db.PutCall(ctx, c))
	}
	call(1, 40*day, 40*day) // purged
	call(2, 40*day, 10*day) // ended recently: kept
	call(3, 1*day, -1)      // kept
	call(4, 40*day, -1)     // never ended, long ago: purged

	meeting := func(id int64, state string, created, ended time.Duration) {
		m := bottest.SampleMeeting(id, fmt.Sprint("Y", id))
		m.State, m.Created, m.Started, m.Ended = state, ago(created), time.Time{}, time.Time{}
		if ended >= 0 {
			m.Ended = ago(ended)
		}
		must(t, db.PutMeeting(ctx, m))
	}
	meeting(1, ytx.MeetingEnded, 40*day, 39*day)   // purged
	meeting(2, ytx.MeetingActive, 40*day, -1)      // open: kept
	meeting(3, ytx.MeetingBooked, 40*day, -1)      // open: kept
	meeting(4, bot.MeetingUnknown, 40*day, -1)     // open: kept
	meeting(5, ytx.MeetingCancelled, 40*day, -1)   // purged
	meeting(6, bot.MeetingFailed, 40*day, -1)      // purged
	meeting(7, ytx.MeetingEnded, 40*day, 1*day)    // ended recently: kept
	meeting(8, ytx.MeetingEnded, 40*day, 30*day+1) // just over: purged

	_, _ = db.MarkSeen(ctx, "old", ago(25*time.Hour))
	_, _ = db.MarkSeen(ctx, "young", ago(23*time.Hour))

	must(t, db.AddHits(ctx, []string{"g", "g"}, ago(25*time.Hour)))
	must(t, db.AddHits(ctx, []string{"g"}, ago(23*time.Hour)))
	bulk := make([]string, 2*sweepChunk+10) // more than one sweep transaction
	for i := range bulk {
		bulk[i] = fmt.Sprint("target:", i%7)
	}
	must(t, db.AddHits(ctx, bulk, ago(48*time.Hour)))

	for _, in := range []*bot.Intent{
		{ID: "i1", Outcome: "done", Created: ago(40 * day)},    // purged
		{ID: "i2", Outcome: "pending", Created: ago(40 * day)}, // pending: kept
		{ID: "i3", Outcome: "draft", Created: ago(40 * day)},   // purged
		{ID: "i4", Outcome: "done", Created: ago(1 * day)},     // kept
		{ID: "i5", Outcome: "unknown", Created: ago(40 * day)}, // purged
	} {
		must(t, db.PutIntent(ctx, in))
	}

	got, err := db.Purge(ctx, now)
	must(t, err)
	want := Purged{Audit: 3, Calls: 2, Meetings: 4, Intents: 3, Seen: 1, Hits: 2 + len(bulk)}
	if got != want {
		t.Errorf("Purge = %+v\nwant    %+v", got, want)
	}
	if got.Total() != 3+2+4+3+1+2+len(bulk) {
		t.Errorf("Total = %d", got.Total())
	}

	au, _ := db.Audit(ctx, time.Time{})
	var actions []string
	for _, e := range au {
		actions = append(actions, e.Action)
	}
	sameJSON(t, "audit left", actions, []string{"young", "now"})
	cs, _ := db.Calls(ctx, bot.CallFilter{})
	sameJSON(t, "calls left", ids(cs, func(c *bot.Call) int64 { return c.ID }), []int64{3, 2})
	ms, _ := db.Meetings(ctx, bot.MeetingFilter{})
	sameJSON(t, "meetings left", ids(ms, func(m *bot.Meeting) int64 { return m.ID }), []int64{7, 4, 3, 2})
	if _, err := db.MeetingByYTXID(ctx, "Y1"); err != bot.ErrNotFound {
		t.Errorf("YTX id index of a purged meeting: %v, want ErrNotFound", err)
	}
	if m, err := db.MeetingByYTXID(ctx, "Y7"); err != nil || m.ID != 7 {
		t.Errorf("YTX id index of a kept meeting: %v, %v", m, err)
	}
	ins, _ := db.Intents(ctx, "")
	sameJSON(t, "intents left", ids(ins, func(in *bot.Intent) string { return in.ID }), []string{"i2", "i4"})
	if first, _ := db.MarkSeen(ctx, "old", now); !first {
		t.Error("a purged dedupe key still counts as seen")
	}
	if first, _ := db.MarkSeen(ctx, "young", now); first {
		t.Error("a dedupe key younger than 24 h was purged")
	}
	if n, _ := db.Hits(ctx, "g", time.Time{}); n != 1 {
		t.Errorf("hits left = %d, want 1", n)
	}
	if n, _ := db.Hits(ctx, "target:0", time.Time{}); n != 0 {
		t.Errorf("bulk hits left = %d, want 0", n)
	}

	// Nothing more to do.
	if again, err := db.Purge(ctx, now); err != nil || again.Total() != 0 {
		t.Errorf("second Purge = %+v, %v", again, err)
	}
}

func ids[T any, K any](list []T, id func(T) K) []K {
	var out []K
	for _, x := range list {
		out = append(out, id(x))
	}
	return out
}

func TestPurgeWithoutRetentionKeepsRecords(t *testing.T) {
	now := bottest.StoreBase.Add(1000 * day)
	db := MustOpen(t, tempPath(t), WithRetention(0))
	ctx := t.Context()
	must(t, db.AddAudit(ctx, bot.AuditEntry{At: bottest.StoreBase}))
	must(t, db.PutCall(ctx, bottest.SampleCall(1)))
	must(t, db.PutIntent(ctx, &bot.Intent{ID: "i", Outcome: "done", Created: bottest.StoreBase}))
	_, _ = db.MarkSeen(ctx, "k", bottest.StoreBase)
	must(t, db.AddHits(ctx, []string{"g"}, bottest.StoreBase))
	got, err := db.Purge(ctx, now)
	must(t, err)
	if want := (Purged{Seen: 1, Hits: 1}); got != want {
		t.Errorf("Purge without retention = %+v, want %+v", got, want)
	}
}

func TestPurgeStopsWithContext(t *testing.T) {
	db := MustOpen(t, tempPath(t))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := db.Purge(ctx, time.Now()); err != context.Canceled {
		t.Errorf("Purge with a cancelled context: %v", err)
	}
}

func TestRunSweeper(t *testing.T) {
	now := bottest.StoreBase.Add(10 * day)
	var logs logBuffer
	db := MustOpen(t, tempPath(t), WithClock(func() time.Time { return now }), WithLogger(newLogger(&logs)))
	rounds := make(chan Purged, 16)
	sctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	db.afterPurge = func(p Purged, err error) {
		if err != nil && sctx.Err() == nil {
			t.Errorf("purge: %v", err)
		}
		select {
		case rounds <- p:
		default:
		}
	}
	ctx := t.Context()
	_, _ = db.MarkSeen(ctx, "old", bottest.StoreBase)
	must(t, db.AddHits(ctx, []string{"a", "b"}, bottest.StoreBase))

	if err := db.RunSweeper(ctx, 0); err == nil {
		t.Error("RunSweeper with a zero interval started")
	}
	stopped := make(chan error, 1)
	go func() { stopped <- db.RunSweeper(sctx, time.Millisecond) }()

	deadline := time.After(10 * time.Second)
	var first Purged
	select {
	case first = <-rounds:
	case <-deadline:
		t.Fatal("no purge round within 10 s")
	}
	if want := (Purged{Seen: 1, Hits: 2}); first != want {
		t.Errorf("first round = %+v, want %+v", first, want)
	}
	select {
	case p := <-rounds: // the ticker runs it again
		if p.Total() != 0 {
			t.Errorf("second round = %+v, want nothing", p)
		}
	case <-deadline:
		t.Fatal("no second purge round within 10 s")
	}
	cancel()
	select {
	case err := <-stopped:
		if err != nil {
			t.Errorf("RunSweeper returned %v after cancel, want nil", err)
		}
	case <-deadline:
		t.Fatal("RunSweeper did not stop within 10 s of cancel")
	}
	if l := logs.String(); !strings.Contains(l, "storage: purged") || !strings.Contains(l, "seen=1") {
		t.Errorf("log: %q", l)
	}
}
