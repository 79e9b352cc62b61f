package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ytxbot/ytxbot/bot"
)

// fromFile reads meeting id past the cache.
func fromFile(t *testing.T, db *DB, id int64) *bot.Meeting {
	t.Helper()
	var m bot.Meeting
	if err := db.bolt.View(func(tx *bolt.Tx) error { return getJSON(tx, bMeetings, itob(id), &m) }); err != nil {
		t.Fatal(err)
	}
	return &m
}

// TestRecordCache: reads served from the cache are copies, follow the
// last commit (also under concurrent writers of one record), ignore failed
// writes, and forget what the sweeper deleted.
func TestRecordCache(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	db := MustOpen(t, tempPath(t), WithRetention(24*time.Hour), WithClock(func() time.Time { return now }))
	m := &bot.Meeting{ID: 1, YTXID: "conf-1", Title: "standup", State: "ended", Created: now.Add(-48 * time.Hour),
		Parties: []bot.Participant{{Name: "alice", Phone: "13800000001"}}, Card: &bot.CardRef{Channel: "C1", MessageID: "1.1"}}
	if err := db.PutMeeting(ctx, m); err != nil {
		t.Fatal(err)
	}
	m.Title, m.Parties[0].Name, m.Card.Channel = "changed by the caller", "mallory", "C9"
	got, err := db.Meeting(ctx, 1)
	if err != nil || got.Title != "standup" || got.Parties[0].Name != "alice" || got.Card.Channel != "C1" {
		t.Fatalf("the cache kept the caller's record, not a copy: %+v %v", got, err)
	}
	got.Parties[0].State, got.Card.MessageID = "joined", "9.9"
	if again, _ := db.MeetingByYTXID(ctx, "conf-1"); again.Parties[0].State != "" || again.Card.MessageID != "1.1" {
		t.Fatalf("a read's copy changed the cache: %+v", again)
	}

	// Concurrent writers of one record: the cache ends where the file does.
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			c := &bot.Call{ID: 7, RequestID: "req-7", State: fmt.Sprintf("s%02d", i), Created: now}
			if err := db.PutCall(ctx, c); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	cached, err := db.Call(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	var file bot.Call
	db.bolt.View(func(tx *bolt.Tx) error { return getJSON(tx, bCalls, itob(7), &file) })
	if cached.State != file.State {
		t.Fatalf("cache has %s, the file %s", cached.State, file.State)
	}
	if byReq, _ := db.CallByRequestID(ctx, "req-7"); byReq.State != file.State {
		t.Fatalf("by request id: %s, the file %s", byReq.State, file.State)
	}

	// A failed write changes neither.
	boom := errors.New("boom")
	err = db.Write(ctx, func(w bot.Writer) error {
		if err := w.PutMeeting(&bot.Meeting{ID: 1, YTXID: "conf-1", Title: "rolled back"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write: %v", err)
	}
	if got, _ := db.Meeting(ctx, 1); got.Title != "standup" || fromFile(t, db, 1).Title != "standup" {
		t.Fatalf("a failed write reached the cache or the file: %q", got.Title)
	}

	// The sweeper deletes the old, ended meeting: the cache forgets it.
	if _, err := db.Purge(ctx, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Meeting(ctx, 1); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("a purged meeting is still read: %v", err)
	}
	if _, err := db.MeetingByYTXID(ctx, "conf-1"); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("a purged meeting is still found by YTX id: %v", err)
	}
}

// TestRecordCacheBounded: the cache holds at most maxCached records, and
// evicted ones are read from the file.
func TestRecordCacheBounded(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t, tempPath(t))
	err := db.Write(ctx, func(w bot.Writer) error {
		for i := range maxCached + 10 {
			if err := w.PutMeeting(&bot.Meeting{ID: int64(i + 1), Title: fmt.Sprint(i)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(db.cache.meetings); n != maxCached {
		t.Fatalf("cache holds %d meetings, want %d", n, maxCached)
	}
	if m, err := db.Meeting(ctx, 1); err != nil || m.Title != "0" {
		t.Fatalf("evicted meeting: %+v %v", m, err)
	}
}
