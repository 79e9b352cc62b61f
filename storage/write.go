package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ytxbot/ytxbot/bot"
)

// Write runs fn in one transaction, durable when Write returns, shared with
// concurrent writers through the group commit. fn may run more than once
// (after another write in its commit failed) and must start afresh each
// time. A command's writes before and after its YTX request each take one
// Write, so a command costs a few commits instead of one per record.
func (db *DB) Write(ctx context.Context, fn func(w bot.Writer) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var w *txWriter
	err := db.writes.doAfter(func(tx *bolt.Tx) error {
		w = &txWriter{tx: tx} // afresh on every run
		return fn(w)
	}, func() { db.cache.apply(w.puts) })
	if err != nil {
		return fmt.Errorf("storage: write: %w", err)
	}
	return nil
}

// txWriter is bot.Writer inside one bbolt transaction. It notes the
// meetings and calls it wrote for the record cache.
type txWriter struct {
	tx   *bolt.Tx
	puts []put
}

var _ bot.Writer = (*txWriter)(nil)

func (w *txWriter) MarkSeen(key string, at time.Time) (bool, error) {
	return markSeenTx(w.tx, []byte(key), timeKey(at))
}

func (w *txWriter) NextID(seq string) (int64, error) {
	b, err := w.tx.Bucket(bSeqs).CreateBucketIfNotExists([]byte(seq))
	if err != nil {
		return 0, err
	}
	n, err := b.NextSequence()
	return int64(n), err
}

func (w *txWriter) PutIntent(in *bot.Intent) error {
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return putIntentTx(w.tx, []byte(in.ID), data)
}

// encoded is a meeting or call marshalled, and copied for the record
// cache, before its transaction: the group committer runs every queued
// write in turn, so work done there is serial, and work done before it is
// spread over the writers' goroutines.
type encoded struct {
	meeting *bot.Meeting
	call    *bot.Call
	data    []byte
}

func encodeMeeting(m *bot.Meeting) (encoded, error) {
	data, err := json.Marshal(m)
	return encoded{meeting: cloneMeeting(m), data: data}, err
}

func encodeCall(c *bot.Call) (encoded, error) {
	data, err := json.Marshal(c)
	return encoded{call: cloneCall(c), data: data}, err
}

func (w *txWriter) PutCall(c *bot.Call) error {
	e, err := encodeCall(c)
	if err != nil {
		return err
	}
	return w.putCall(e)
}

func (w *txWriter) putCall(e encoded) error {
	c, key := e.call, itob(e.call.ID)
	if c.RequestID != "" {
		if err := w.tx.Bucket(bRequests).Put([]byte(c.RequestID), key); err != nil {
			return err
		}
	}
	if err := putCallTx(w.tx, key, e.data); err != nil {
		return err
	}
	w.puts = append(w.puts, put{call: c})
	return nil
}

// PutMeeting stores m and keeps the YTX id index in step.
func (w *txWriter) PutMeeting(m *bot.Meeting) error {
	e, err := encodeMeeting(m)
	if err != nil {
		return err
	}
	return w.putMeeting(e)
}

func (w *txWriter) putMeeting(e encoded) error {
	m, key := e.meeting, itob(e.meeting.ID)
	ms, idx := w.tx.Bucket(bMeetings), w.tx.Bucket(bYTXIDs)
	// The index holds one entry per meeting, its current YTX id: when it
	// already points here, nothing changed (the common case, no decode).
	if m.YTXID == "" || !bytes.Equal(idx.Get([]byte(m.YTXID)), key) {
		if old := ms.Get(key); old != nil {
			var o struct{ YTXID string }
			if err := json.Unmarshal(old, &o); err != nil {
				return err
			}
			if o.YTXID != "" && o.YTXID != m.YTXID && bytes.Equal(idx.Get([]byte(o.YTXID)), key) {
				if err := idx.Delete([]byte(o.YTXID)); err != nil {
					return err
				}
			}
		}
		if m.YTXID != "" {
			if err := idx.Put([]byte(m.YTXID), key); err != nil {
				return err
			}
		}
	}
	if err := ms.Put(key, e.data); err != nil {
		return err
	}
	w.puts = append(w.puts, put{meeting: m})
	return nil
}

func (w *txWriter) AddAudit(e bot.AuditEntry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return addAuditTx(w.tx, timeKey(e.At), data)
}

func (w *txWriter) AddHits(keys []string, at time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	return addHitsTx(w.tx, keys, timeKey(at))
}
