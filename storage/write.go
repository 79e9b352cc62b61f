package storage

import (
	"bytes"
	"context"
	"encoding/json"
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
	return db.update("write", func(tx *bolt.Tx) error { return fn(txWriter{tx}) })
}

// txWriter is bot.Writer inside one bbolt transaction.
type txWriter struct{ tx *bolt.Tx }

var _ bot.Writer = txWriter{}

func (w txWriter) MarkSeen(key string, at time.Time) (bool, error) {
	return markSeenTx(w.tx, []byte(key), timeKey(at))
}

func (w txWriter) NextID(seq string) (int64, error) {
	b, err := w.tx.Bucket(bSeqs).CreateBucketIfNotExists([]byte(seq))
	if err != nil {
		return 0, err
	}
	n, err := b.NextSequence()
	return int64(n), err
}

func (w txWriter) PutIntent(in *bot.Intent) error {
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return putIntentTx(w.tx, []byte(in.ID), data)
}

func (w txWriter) PutCall(c *bot.Call) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	key := itob(c.ID)
	if c.RequestID != "" {
		if err := w.tx.Bucket(bRequests).Put([]byte(c.RequestID), key); err != nil {
			return err
		}
	}
	return putCallTx(w.tx, key, data)
}

// PutMeeting stores m and keeps the YTX id index in step.
func (w txWriter) PutMeeting(m *bot.Meeting) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	key := itob(m.ID)
	ms, idx := w.tx.Bucket(bMeetings), w.tx.Bucket(bYTXIDs)
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
	return ms.Put(key, data)
}

func (w txWriter) AddAudit(e bot.AuditEntry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return addAuditTx(w.tx, timeKey(e.At), data)
}

func (w txWriter) AddHits(keys []string, at time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	return addHitsTx(w.tx, keys, timeKey(at))
}
