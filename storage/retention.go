package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ytxbot/ytxbot/bot"
)

// Purged counts what one Purge removed.
type Purged struct {
	Audit    int // audit entries older than the retention
	Calls    int // calls last touched before the retention
	Meetings int // finished meetings last touched before the retention
	Intents  int // settled intents created before the retention
	Seen     int // dedupe keys older than 24 h
	Hits     int // counter hits older than 24 h
	Pushes   int // unmatched pushes older than 7 days
}

// Total is the number of records removed.
func (p Purged) Total() int {
	return p.Audit + p.Calls + p.Meetings + p.Intents + p.Seen + p.Hits + p.Pushes
}

// sweepChunk bounds how many keys one purge transaction looks at, so a large
// purge never holds the single writer for long.
const sweepChunk = 5000

// Purge removes what has outlived its keeping time as of now: audit entries,
// calls, finished meetings (never an open one: bot.MeetingOpen) and settled
// intents (never a pending one) older than the retention, and dedupe keys and
// counter hits older than 24 h. A meeting's or call's age counts from the
// last time it changed (the latest of created, started, ended). Purge works
// in short write transactions; what it removed before an error or ctx's end
// stays removed and is counted.
func (db *DB) Purge(ctx context.Context, now time.Time) (Purged, error) {
	var p Purged
	var err error
	seenCut, hitsCut := timeBits(now.Add(-seenTTL)), timeBits(now.Add(-hitsTTL))
	if p.Seen, err = db.sweep(ctx, bSeen, func(_ *bolt.Tx, _, v []byte) (bool, bool, error) {
		return len(v) == 8 && binary.BigEndian.Uint64(v) < seenCut, false, nil
	}); err != nil {
		return p, err
	}
	if p.Hits, err = db.sweep(ctx, bHits, func(_ *bolt.Tx, k, _ []byte) (bool, bool, error) {
		// key "name\x00" + time (8) + sequence (8)
		return len(k) >= 17 && binary.BigEndian.Uint64(k[len(k)-16:]) < hitsCut, false, nil
	}); err != nil {
		return p, err
	}
	pushCut := timeBits(now.Add(-pushTTL))
	if p.Pushes, err = db.sweep(ctx, bPushes, func(_ *bolt.Tx, k, _ []byte) (bool, bool, error) {
		old := binary.BigEndian.Uint64(k[:8]) < pushCut
		return old, !old, nil // time-ordered
	}); err != nil {
		return p, err
	}
	if db.retention <= 0 {
		return p, nil
	}
	cutoff := now.Add(-db.retention)
	auditCut := timeBits(cutoff)
	if p.Audit, err = db.sweep(ctx, bAudit, func(_ *bolt.Tx, k, _ []byte) (bool, bool, error) {
		old := binary.BigEndian.Uint64(k) < auditCut
		return old, !old, nil // time-ordered: the first young entry ends the walk
	}); err != nil {
		return p, err
	}
	if p.Calls, err = db.sweep(ctx, bCalls, func(tx *bolt.Tx, k, v []byte) (bool, bool, error) {
		var c struct {
			RequestID      string
			Created, Ended time.Time
		}
		if err := json.Unmarshal(v, &c); err != nil {
			return false, false, fmt.Errorf("call %d: %w", btoi(k), err)
		}
		if !latest(c.Created, c.Ended).Before(cutoff) {
			return false, false, nil
		}
		// Its entry in the request index goes with it.
		if idx := tx.Bucket(bRequests); c.RequestID != "" && string(idx.Get([]byte(c.RequestID))) == string(k) {
			if err := idx.Delete([]byte(c.RequestID)); err != nil {
				return false, false, err
			}
		}
		return true, false, nil
	}); err != nil {
		return p, err
	}
	if p.Meetings, err = db.sweep(ctx, bMeetings, func(tx *bolt.Tx, k, v []byte) (bool, bool, error) {
		var m struct {
			YTXID                   string
			State                   string
			Created, Started, Ended time.Time
		}
		if err := json.Unmarshal(v, &m); err != nil {
			return false, false, fmt.Errorf("meeting %d: %w", btoi(k), err)
		}
		if bot.MeetingOpen(m.State) || !latest(m.Created, m.Started, m.Ended).Before(cutoff) {
			return false, false, nil
		}
		if idx := tx.Bucket(bYTXIDs); m.YTXID != "" && string(idx.Get([]byte(m.YTXID))) == string(k) {
			if err := idx.Delete([]byte(m.YTXID)); err != nil {
				return false, false, err
			}
		}
		return true, false, nil
	}); err != nil {
		return p, err
	}
	if p.Intents, err = db.sweep(ctx, bIntents, func(_ *bolt.Tx, k, v []byte) (bool, bool, error) {
		var in struct {
			Outcome string
			Created time.Time
		}
		if err := json.Unmarshal(v, &in); err != nil {
			return false, false, fmt.Errorf("intent %q: %w", k, err)
		}
		return in.Outcome != "pending" && in.Created.Before(cutoff), false, nil
	}); err != nil {
		return p, err
	}
	return p, nil
}

func latest(ts ...time.Time) time.Time {
	var l time.Time
	for _, t := range ts {
		if t.After(l) {
			l = t
		}
	}
	return l
}

// sweep deletes the keys of bucket for which match says del, walking it in
// key order in transactions of at most sweepChunk keys; stop ends the walk.
// match may change other buckets (indexes) in the same transaction.
// errNothingToSweep ends a sweep transaction that found nothing to delete.
var errNothingToSweep = errors.New("nothing to sweep")

func (db *DB) sweep(ctx context.Context, bucket []byte, match func(tx *bolt.Tx, k, v []byte) (del, stop bool, err error)) (int, error) {
	total := 0
	var from []byte // where the next chunk starts; nil = the beginning
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var n int
		var next []byte
		var dels [][]byte
		// Through the committer, in order with the writes: a record it
		// deletes is dropped from the cache after any earlier write of it
		// was put there, never before.
		err := db.writes.alone(func(tx *bolt.Tx) error {
			n, next, dels = 0, nil, nil
			b := tx.Bucket(bucket)
			c := b.Cursor()
			k, v := c.First()
			if from != nil {
				k, v = c.Seek(from)
			}
			for seen := 0; k != nil; k, v = c.Next() {
				if seen == sweepChunk {
					next = append([]byte(nil), k...)
					break
				}
				seen++
				del, stop, err := match(tx, k, v)
				if err != nil {
					return err
				}
				if stop {
					break
				}
				if del {
					dels = append(dels, append([]byte(nil), k...))
				}
			}
			if len(dels) == 0 {
				return errNothingToSweep // a rollback: no commit, no fsync
			}
			// Deleting under a moving cursor can skip keys: delete afterwards.
			for _, k := range dels {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			n = len(dels)
			return nil
		}, func() {
			if calls := bytes.Equal(bucket, bCalls); calls || bytes.Equal(bucket, bMeetings) {
				ids := make([]int64, len(dels))
				for i, k := range dels {
					ids[i] = btoi(k)
				}
				db.cache.drop(calls, ids)
			}
		})
		if errors.Is(err, errNothingToSweep) {
			err = nil
		}
		if err != nil {
			return total, fmt.Errorf("storage: purge %s: %w", bucket, err)
		}
		total += n
		if next == nil {
			return total, nil
		}
		from = next
	}
}

// RunSweeper purges now and then every interval until ctx is done, logging
// what each round removed. A failed round is logged and retried at the next
// tick. It returns nil when ctx is done.
func (db *DB) RunSweeper(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		return fmt.Errorf("storage: sweeper interval %v: want > 0", every)
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		p, err := db.Purge(ctx, db.now())
		switch {
		case err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()):
			// shutting down
		case err != nil:
			db.log.Error("storage: purge failed", "err", err, "removed", p.Total())
		case p.Total() > 0:
			db.log.Info("storage: purged", "audit", p.Audit, "calls", p.Calls, "meetings", p.Meetings,
				"intents", p.Intents, "seen", p.Seen, "hits", p.Hits)
		}
		if db.afterPurge != nil {
			db.afterPurge(p, err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
