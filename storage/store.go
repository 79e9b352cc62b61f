package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ytxbot/ytxbot/bot"
)

// Values are JSON. Every value is decoded into a fresh record inside the
// transaction, so what the methods return never aliases bbolt's memory map
// and callers may change it.

func getJSON(tx *bolt.Tx, bucket, key []byte, v any) error {
	data := tx.Bucket(bucket).Get(key)
	if data == nil {
		return bot.ErrNotFound
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("storage: %s %x: %w", bucket, key, err)
	}
	return nil
}

// User returns the identity's mapping or bot.ErrNotFound.
func (db *DB) User(ctx context.Context, identity string) (*bot.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var u bot.User
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return getJSON(tx, bUsers, []byte(identity), &u)
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// phoneKey is the phone index key: phone, NUL, identity. A prefix scan over
// "phone\x00" lists the phone's identities in order.
func phoneKey(phone, identity string) []byte {
	k := make([]byte, 0, len(phone)+1+len(identity))
	k = append(k, phone...)
	k = append(k, 0)
	return append(k, identity...)
}

// PutUser stores u, replacing the identity's record, and moves its entry in
// the phone index.
func (db *DB) PutUser(ctx context.Context, u *bot.User) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("storage: put user: %w", err)
	}
	return db.update("put user", func(tx *bolt.Tx) error { return putUserTx(tx, u, data) })
}

// ImportUsers stores many users in one transaction (one commit): for the
// CSV import, where PutUser per row would pay a commit each (SPEC §10: 10,000
// rows in under 2 s). Each user replaces its record and phone index entry as
// PutUser does; a caller that wants to keep fields the import does not carry
// (DND, Locale, Verified) merges them in first. All or none are stored; it
// returns how many were stored.
func (db *DB) ImportUsers(ctx context.Context, users []*bot.User) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	data := make([][]byte, len(users))
	for i, u := range users {
		var err error
		if data[i], err = json.Marshal(u); err != nil {
			return 0, fmt.Errorf("storage: import users: %s: %w", u.Identity, err)
		}
	}
	err := db.update("import users", func(tx *bolt.Tx) error {
		for i, u := range users {
			if err := putUserTx(tx, u, data[i]); err != nil {
				return fmt.Errorf("%s: %w", u.Identity, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(users), nil
}

// putUserTx stores u (data is its JSON) and moves its phone index entry.
func putUserTx(tx *bolt.Tx, u *bot.User, data []byte) error {
	key := []byte(u.Identity)
	users, phones := tx.Bucket(bUsers), tx.Bucket(bPhones)
	if old := users.Get(key); old != nil {
		var o struct{ Phone string }
		if err := json.Unmarshal(old, &o); err != nil {
			return err
		}
		if o.Phone != "" && o.Phone != u.Phone {
			if err := phones.Delete(phoneKey(o.Phone, u.Identity)); err != nil {
				return err
			}
		}
	}
	if u.Phone != "" {
		if err := phones.Put(phoneKey(u.Phone, u.Identity), []byte{}); err != nil {
			return err
		}
	}
	return users.Put(key, data)
}

// DeleteUser removes the identity and its phone index entry; an unknown
// identity is not an error.
func (db *DB) DeleteUser(ctx context.Context, identity string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	key := []byte(identity)
	return db.update("delete user", func(tx *bolt.Tx) error {
		users := tx.Bucket(bUsers)
		old := users.Get(key)
		if old == nil {
			return nil
		}
		var o struct{ Phone string }
		if err := json.Unmarshal(old, &o); err != nil {
			return err
		}
		if o.Phone != "" {
			if err := tx.Bucket(bPhones).Delete(phoneKey(o.Phone, identity)); err != nil {
				return err
			}
		}
		return users.Delete(key)
	})
}

// Users returns every user, sorted by identity.
func (db *DB) Users(ctx context.Context) ([]*bot.User, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []*bot.User
	err := db.bolt.View(func(tx *bolt.Tx) error {
		out = []*bot.User{}
		return tx.Bucket(bUsers).ForEach(func(k, v []byte) error {
			u := new(bot.User)
			if err := json.Unmarshal(v, u); err != nil {
				return fmt.Errorf("storage: user %q: %w", k, err)
			}
			out = append(out, u) // keys are identities: already sorted
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// IdentitiesByPhone returns the identities mapped to phone, sorted; none for
// "". It reads the phone index, not the users.
func (db *DB) IdentitiesByPhone(ctx context.Context, phone string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if phone == "" {
		return nil, nil
	}
	prefix := phoneKey(phone, "")
	var out []string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bPhones).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			out = append(out, string(k[len(prefix):]))
		}
		return nil
	})
	return out, err
}

func usernameKey(p bot.Platform, username string) []byte {
	return []byte(string(p) + ":" + username)
}

// PutUsername maps p's username to identity; the latest call wins.
func (db *DB) PutUsername(ctx context.Context, p bot.Platform, username, identity string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.update("put username", func(tx *bolt.Tx) error {
		return tx.Bucket(bUsernames).Put(usernameKey(p, username), []byte(identity))
	})
}

// Username returns the identity p's username maps to, or bot.ErrNotFound.
func (db *DB) Username(ctx context.Context, p bot.Platform, username string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var id string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bUsernames).Get(usernameKey(p, username))
		if v == nil {
			return bot.ErrNotFound
		}
		id = string(v)
		return nil
	})
	return id, err
}

// NextID returns the next number of the sequence: 1, 2, … without gaps. It
// is the NextSequence of a nested bucket per sequence under "seqs".
func (db *DB) NextID(ctx context.Context, seq string) (int64, error) {
	var id int64
	err := db.Write(ctx, func(w bot.Writer) error {
		var err error
		id, err = w.NextID(seq)
		return err
	})
	return id, err
}

// PutMeeting stores m under its ID, replacing the record, and keeps the YTX
// id index in step.
func (db *DB) PutMeeting(ctx context.Context, m *bot.Meeting) error {
	e, err := encodeMeeting(m)
	if err != nil {
		return err
	}
	return db.Write(ctx, func(w bot.Writer) error { return w.(*txWriter).putMeeting(e) })
}

// Meeting returns meeting id or bot.ErrNotFound.
func (db *DB) Meeting(ctx context.Context, id int64) (*bot.Meeting, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if m, ok := db.cache.meeting(id); ok {
		return m, nil
	}
	var m bot.Meeting
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return getJSON(tx, bMeetings, itob(id), &m)
	})
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// MeetingByYTXID returns the meeting with YTX id ytxID (through the index)
// or bot.ErrNotFound.
func (db *DB) MeetingByYTXID(ctx context.Context, ytxID string) (*bot.Meeting, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ytxID == "" {
		return nil, bot.ErrNotFound
	}
	if m, ok := db.cache.meetingByYTX(ytxID); ok {
		return m, nil
	}
	var m *bot.Meeting
	err := db.bolt.View(func(tx *bolt.Tx) error {
		key := tx.Bucket(bYTXIDs).Get([]byte(ytxID))
		if key == nil {
			return bot.ErrNotFound
		}
		var ok bool
		if m, ok = db.cache.meeting(btoi(key)); ok {
			return nil
		}
		m = new(bot.Meeting)
		return getJSON(tx, bMeetings, key, m)
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Meetings returns the meetings that match f, newest (highest id) first: a
// backward walk that stops at the limit.
func (db *DB) Meetings(ctx context.Context, f bot.MeetingFilter) ([]*bot.Meeting, error) {
	return newest(ctx, db, bMeetings, "meeting", f.Limit, func(m *bot.Meeting) bool {
		return (f.Platform == "" || m.Platform == f.Platform) && (f.Workspace == "" || m.Workspace == f.Workspace) &&
			(f.Channel == "" || m.Channel == f.Channel) && (!f.ActiveOnly || bot.MeetingOpen(m.State))
	})
}

// PutCall stores c under its ID, replacing the record.
func (db *DB) PutCall(ctx context.Context, c *bot.Call) error {
	e, err := encodeCall(c)
	if err != nil {
		return err
	}
	return db.Write(ctx, func(w bot.Writer) error { return w.(*txWriter).putCall(e) })
}

func putCallTx(tx *bolt.Tx, key, data []byte) error { return tx.Bucket(bCalls).Put(key, data) }

// CallByRequestID returns the call YTX knows by requestID, or bot.ErrNotFound.
func (db *DB) CallByRequestID(ctx context.Context, requestID string) (*bot.Call, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var c *bot.Call
	err := db.bolt.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bRequests).Get([]byte(requestID))
		if id == nil || requestID == "" {
			return bot.ErrNotFound
		}
		var ok bool
		if c, ok = db.cache.call(btoi(id)); ok {
			return nil
		}
		c = new(bot.Call)
		return getJSON(tx, bCalls, id, c)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AddPush keeps an unmatched push, keyed by arrival time.
func (db *DB) AddPush(ctx context.Context, p bot.UnmatchedPush) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	body := append([]byte(nil), p.Body...)
	return db.update("add push", func(tx *bolt.Tx) error {
		b := tx.Bucket(bPushes)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		return b.Put(binary.BigEndian.AppendUint64(timeKey(p.At), seq), body)
	})
}

// Pushes lists the unmatched pushes received at or after since.
func (db *DB) Pushes(ctx context.Context, since time.Time) ([]bot.UnmatchedPush, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []bot.UnmatchedPush
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bPushes).Cursor()
		for k, v := c.Seek(timeKey(since)); k != nil; k, v = c.Next() {
			out = append(out, bot.UnmatchedPush{At: timeFromBits(binary.BigEndian.Uint64(k[:8])), Body: append([]byte(nil), v...)})
		}
		return nil
	})
	return out, err
}

// Call returns call id or bot.ErrNotFound.
func (db *DB) Call(ctx context.Context, id int64) (*bot.Call, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c, ok := db.cache.call(id); ok {
		return c, nil
	}
	var c bot.Call
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return getJSON(tx, bCalls, itob(id), &c)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Calls returns the calls that match f, newest (highest id) first: a
// backward walk that stops at the limit.
func (db *DB) Calls(ctx context.Context, f bot.CallFilter) ([]*bot.Call, error) {
	return newest(ctx, db, bCalls, "call", f.Limit, func(c *bot.Call) bool {
		return (f.Platform == "" || c.Platform == f.Platform) && (f.Workspace == "" || c.Workspace == f.Workspace) &&
			(f.Channel == "" || c.Channel == f.Channel) && (f.Caller == "" || c.Caller == f.Caller) &&
			(!f.OpenOnly || bot.CallOpen(c.State))
	})
}

// newest walks a bucket of records keyed by big-endian id backwards (newest
// first) and returns those keep accepts, at most limit (0: all).
func newest[T any](ctx context.Context, db *DB, bucket []byte, what string, limit int, keep func(*T) bool) ([]*T, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []*T
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucket).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			r := new(T)
			if err := json.Unmarshal(v, r); err != nil {
				return fmt.Errorf("storage: %s %d: %w", what, btoi(k), err)
			}
			if !keep(r) {
				continue
			}
			out = append(out, r)
			if limit > 0 && len(out) == limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MarkSeen records key at time at and reports whether it was new (dedupe).
// It goes through db.Batch: concurrent dedupe writes share one commit.
// The first writer of a key wins; its time is kept.
func (db *DB) MarkSeen(ctx context.Context, key string, at time.Time) (bool, error) {
	var first bool
	err := db.Write(ctx, func(w bot.Writer) error {
		// A write may run again after its commit failed: decide afresh.
		var err error
		first, err = w.MarkSeen(key, at)
		return err
	})
	return first, err
}

// Seen reports whether key was recorded by MarkSeen, in a read
// transaction: no commit.
func (db *DB) Seen(ctx context.Context, key string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	var seen bool
	err := db.bolt.View(func(tx *bolt.Tx) error {
		seen = tx.Bucket(bSeen).Get([]byte(key)) != nil
		return nil
	})
	return seen, err
}

// markSeenTx stores key k with time v unless it is there; it reports whether
// it stored it.
func markSeenTx(tx *bolt.Tx, k, v []byte) (bool, error) {
	b := tx.Bucket(bSeen)
	if b.Get(k) != nil {
		return false, nil
	}
	if err := b.Put(k, v); err != nil {
		return false, err
	}
	return true, nil
}

// PutIntent stores in under its ID, replacing the record. It goes through
// db.Batch.
func (db *DB) PutIntent(ctx context.Context, in *bot.Intent) error {
	return db.Write(ctx, func(w bot.Writer) error { return w.PutIntent(in) })
}

func putIntentTx(tx *bolt.Tx, key, data []byte) error { return tx.Bucket(bIntents).Put(key, data) }

// Intent returns intent id or bot.ErrNotFound.
func (db *DB) Intent(ctx context.Context, id string) (*bot.Intent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var in bot.Intent
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return getJSON(tx, bIntents, []byte(id), &in)
	})
	if err != nil {
		return nil, err
	}
	return &in, nil
}

// Intents lists the intents with the outcome ("" = all), oldest first (ties
// by id).
func (db *DB) Intents(ctx context.Context, outcome string) ([]*bot.Intent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []*bot.Intent
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bIntents).ForEach(func(k, v []byte) error {
			if outcome != "" {
				var o struct{ Outcome string }
				if err := json.Unmarshal(v, &o); err != nil {
					return fmt.Errorf("storage: intent %q: %w", k, err)
				}
				if o.Outcome != outcome {
					return nil
				}
			}
			in := new(bot.Intent)
			if err := json.Unmarshal(v, in); err != nil {
				return fmt.Errorf("storage: intent %q: %w", k, err)
			}
			out = append(out, in)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	// ForEach gave id order; a stable sort keeps it for equal times.
	slices.SortStableFunc(out, func(a, b *bot.Intent) int { return a.Created.Compare(b.Created) })
	return out, nil
}

// seqKey appends a bucket's next sequence number, 8 bytes big-endian, to
// prefix: keys that share a time stay distinct and in insertion order.
func seqKey(b *bolt.Bucket, prefix []byte) ([]byte, error) {
	n, err := b.NextSequence()
	if err != nil {
		return nil, err
	}
	return binary.BigEndian.AppendUint64(prefix, n), nil
}

// AddAudit appends e. It goes through db.Batch. The key is the entry's time
// (timeKey) and a sequence number, so Audit(since) is one Seek.
func (db *DB) AddAudit(ctx context.Context, e bot.AuditEntry) error {
	return db.Write(ctx, func(w bot.Writer) error { return w.AddAudit(e) })
}

// addAuditTx stores an entry (data) at time key tk. The sequence suffix is
// drawn inside the transaction, so a re-run batch draws it again from the
// rolled-back state.
func addAuditTx(tx *bolt.Tx, tk, data []byte) error {
	b := tx.Bucket(bAudit)
	key, err := seqKey(b, slices.Clip(tk))
	if err != nil {
		return err
	}
	return b.Put(key, data)
}

// Audit returns the entries at or after since in time order (insertion
// order for equal times).
func (db *DB) Audit(ctx context.Context, since time.Time) ([]bot.AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []bot.AuditEntry
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bAudit).Cursor()
		for k, v := c.Seek(timeKey(since)); k != nil; k, v = c.Next() {
			var e bot.AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("storage: audit %x: %w", k, err)
			}
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// hitPrefix is a counter's key prefix: the key and a NUL. Counter keys must
// not contain NUL.
func hitPrefix(key string) []byte {
	p := make([]byte, 0, len(key)+17)
	p = append(p, key...)
	return append(p, 0)
}

// AddHits records one hit per key at time at. It goes through db.Batch: one
// entry per key, keyed "key\x00" + timeKey(at) + sequence, empty value.
func (db *DB) AddHits(ctx context.Context, keys []string, at time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	return db.Write(ctx, func(w bot.Writer) error { return w.AddHits(keys, at) })
}

func addHitsTx(tx *bolt.Tx, keys []string, tk []byte) error {
	b := tx.Bucket(bHits)
	for _, k := range keys {
		key, err := seqKey(b, append(hitPrefix(k), tk...))
		if err != nil {
			return err
		}
		if err := b.Put(key, []byte{}); err != nil {
			return err
		}
	}
	return nil
}

// Hits counts key's hits at or after since: one Seek and a walk to the end of
// the key's range.
func (db *DB) Hits(ctx context.Context, key string, since time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	prefix := hitPrefix(key)
	start := append(hitPrefix(key), timeKey(since)...)
	n := 0
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bHits).Cursor()
		for k, _ := c.Seek(start); k != nil && len(k) == len(prefix)+16 && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			n++
		}
		return nil
	})
	return n, err
}

// update runs fn in its own write transaction (one commit, one fsync pair).
func (db *DB) update(op string, fn func(tx *bolt.Tx) error) error {
	if err := db.writes.do(fn); err != nil {
		return fmt.Errorf("storage: %s: %w", op, err)
	}
	return nil
}

// batch runs fn through db.Batch: concurrent calls share a commit. fn may
// run more than once and must be idempotent.
func (db *DB) batch(op string, fn func(tx *bolt.Tx) error) error {
	if err := db.writes.do(fn); err != nil {
		return fmt.Errorf("storage: %s: %w", op, err)
	}
	return nil
}
