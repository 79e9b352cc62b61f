package storage

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ytxbot/ytxbot/bot"
)

// TestWritePanicDoesNotWedgeCommits: a write function that panics gets an
// error, and the writes after it still commit (the committer used to stay
// marked running, and every later write waited for ever).
func TestWritePanicDoesNotWedgeCommits(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t, tempPath(t))
	err := db.Write(ctx, func(bot.Writer) error { panic("a bug in a write function") })
	if !errors.Is(err, errWritePanicked) || !strings.Contains(err.Error(), "a bug in a write function") {
		t.Fatalf("Write of a panicking function: %v", err)
	}
	if err := db.PutIntent(ctx, &bot.Intent{ID: "after", Outcome: "pending"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Intent(ctx, "after"); err != nil {
		t.Fatal(err)
	}
}

// TestSweepAndWritesKeepCacheTrue: the sweeper purges an old finished
// meeting just as a write of it (a chat migration) has committed and is
// about to update the cache. The purge must come after the cache update
// (it goes through the committer, in commit order); it used to commit
// beside it and drop the record from the cache first, leaving the cache
// serving a meeting the file no longer has.
func TestSweepAndWritesKeepCacheTrue(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	db := MustOpen(t, tempPath(t), WithRetention(24*time.Hour))
	m := &bot.Meeting{ID: 9, YTXID: "conf-9", State: "ended", Created: now.Add(-72 * time.Hour), Ended: now.Add(-48 * time.Hour)}
	purged := make(chan error, 1)
	var w *txWriter
	err := db.writes.doAfter(func(tx *bolt.Tx) error {
		w = &txWriter{tx: tx}
		return w.PutMeeting(m)
	}, func() {
		go func() {
			_, err := db.Purge(ctx, now)
			purged <- err
		}()
		// Until the purge has either finished (beside the committer) or
		// queued behind it.
		deadline := time.Now().Add(10 * time.Second)
		for queued := false; !queued; {
			select {
			case err := <-purged:
				purged <- err
				queued = true
			default:
				db.writes.mu.Lock()
				queued = len(db.writes.queue) > 0
				db.writes.mu.Unlock()
				if time.Now().After(deadline) {
					t.Error("the purge neither finished nor queued")
					return
				}
				runtime.Gosched()
			}
		}
		db.cache.apply(w.puts) // what Write's after hook does
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-purged; err != nil {
		t.Fatal(err)
	}
	inFile := db.bolt.View(func(tx *bolt.Tx) error { return getJSON(tx, bMeetings, itob(9), new(bot.Meeting)) })
	_, cached := db.Meeting(ctx, 9)
	_, byYTX := db.MeetingByYTXID(ctx, "conf-9")
	if !errors.Is(inFile, bot.ErrNotFound) || !errors.Is(cached, bot.ErrNotFound) || !errors.Is(byYTX, bot.ErrNotFound) {
		t.Fatalf("after the purge: file %v, Meeting %v, MeetingByYTXID %v; want all not found", inFile, cached, byYTX)
	}
}

// TestPurgeDropsRequestIndex: a purged call takes its request-index entry
// with it.
func TestPurgeDropsRequestIndex(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	db := MustOpen(t, tempPath(t), WithRetention(24*time.Hour))
	old := now.Add(-72 * time.Hour)
	if err := db.PutCall(ctx, &bot.Call{ID: 1, RequestID: "req-1", State: "ended", Created: old, Ended: old}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutCall(ctx, &bot.Call{ID: 2, RequestID: "req-2", State: "ended", Created: now, Ended: now}); err != nil {
		t.Fatal(err)
	}
	if p, err := db.Purge(ctx, now); err != nil || p.Calls != 1 {
		t.Fatalf("purge: %+v, %v", p, err)
	}
	var keys []string
	_ = db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bRequests).ForEach(func(k, _ []byte) error { keys = append(keys, string(k)); return nil })
	})
	if len(keys) != 1 || keys[0] != "req-2" {
		t.Errorf("request index after the purge: %v, want [req-2]", keys)
	}
	if _, err := db.CallByRequestID(ctx, "req-1"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("purged call by request id: %v", err)
	}
}
