package slack_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/memstore"
)

// journalFlag puts the bot on journalStore: the in-memory store made
// durable by a redo journal, the hot path of the design docs/LOAD.md
// proposes for closing the gap ("Where the gap is"). It measures what
// that path costs; it is not a store ytxbot has (no checkpoint into bbolt,
// no replay at open).
var journalFlag = flag.Bool("journal", false, "BenchmarkSlackDialBack: run the bot on the in-memory store with a redo journal (a design prototype)")

// journalStore is memstore whose Write is durable: the records a write
// function stores are encoded as JSON, appended to the journal and synced,
// one sync for every write that queued meanwhile, before Write returns.
// Concurrent writes may reach the journal in another order than memory
// saw them; a real design would apply and append under one lock (a short
// critical section more per write, not measured here).
type journalStore struct {
	*memstore.Store
	j *journal
}

func (s *journalStore) Write(ctx context.Context, fn func(w bot.Writer) error) error {
	var rec *recWriter
	err := s.Store.Write(ctx, func(w bot.Writer) error {
		rec = &recWriter{w: w}
		return fn(rec)
	})
	if err != nil {
		return err
	}
	return s.j.append(rec.buf)
}

// recWriter passes each write on and appends it to buf: one byte for the
// operation, a length, the JSON of its arguments.
type recWriter struct {
	w   bot.Writer
	buf []byte
}

func (r *recWriter) rec(op byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	r.buf = append(r.buf, op)
	r.buf = binary.AppendUvarint(r.buf, uint64(len(data)))
	r.buf = append(r.buf, data...)
	return nil
}

type seenRec struct {
	Key string
	At  time.Time
}

type hitsRec struct {
	Keys []string
	At   time.Time
}

func (r *recWriter) MarkSeen(key string, at time.Time) (bool, error) {
	first, err := r.w.MarkSeen(key, at)
	if err != nil || !first {
		return first, err
	}
	return true, r.rec('s', seenRec{key, at})
}

func (r *recWriter) NextID(seq string) (int64, error) {
	id, err := r.w.NextID(seq)
	if err != nil {
		return 0, err
	}
	return id, r.rec('n', seq)
}

func (r *recWriter) PutIntent(in *bot.Intent) error {
	if err := r.w.PutIntent(in); err != nil {
		return err
	}
	return r.rec('i', in)
}

func (r *recWriter) PutCall(c *bot.Call) error {
	if err := r.w.PutCall(c); err != nil {
		return err
	}
	return r.rec('c', c)
}

func (r *recWriter) PutMeeting(m *bot.Meeting) error {
	if err := r.w.PutMeeting(m); err != nil {
		return err
	}
	return r.rec('m', m)
}

func (r *recWriter) AddAudit(e bot.AuditEntry) error {
	if err := r.w.AddAudit(e); err != nil {
		return err
	}
	return r.rec('a', e)
}

func (r *recWriter) AddHits(keys []string, at time.Time) error {
	if err := r.w.AddHits(keys, at); err != nil {
		return err
	}
	return r.rec('h', hitsRec{keys, at})
}

// journal appends to one file with group commit: the first writer to find
// it idle writes and syncs everything queued, the others wait for that.
type journal struct {
	f       *os.File
	mu      sync.Mutex
	buf     []byte
	waiters []chan error
	running bool
	off     int64
	full    chan struct{} // closed when gatherN writes wait
	syncs   atomic.Int64
}

// datasync makes the journal's data durable: fdatasync on Linux
// (journal_linux_test.go), fsync elsewhere.
var datasync = (*os.File).Sync

// A sync costs about 250 µs of CPU on the development VM (this prototype
// without gathering: about one sync per command, 260 µs of CPU per command
// more than the in-memory store), so the journal waits up to gatherFor for
// gatherN writes before it syncs.
const (
	gatherN   = 50
	gatherFor = time.Millisecond
)

// newJournal creates the journal at path with 512 MiB written and synced
// beforehand, so that appends overwrite allocated space.
func newJournal(b *testing.B, path string) *journal {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = f.Close() })
	zero := make([]byte, 1<<20)
	for range 512 {
		if _, err := f.Write(zero); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	return &journal{f: f}
}

func (j *journal) append(rec []byte) error {
	done := make(chan error, 1)
	j.mu.Lock()
	j.buf = append(j.buf, rec...)
	j.waiters = append(j.waiters, done)
	if j.full != nil && len(j.waiters) >= gatherN {
		close(j.full)
		j.full = nil
	}
	if j.running {
		j.mu.Unlock()
		return <-done
	}
	j.running = true
	for len(j.waiters) > 0 {
		// Gather: wait up to gatherFor for gatherN writes, so that one
		// sync serves many (a sync costs about 250 µs of CPU here).
		if len(j.waiters) < gatherN {
			j.full = make(chan struct{})
			full := j.full
			j.mu.Unlock()
			t := time.NewTimer(gatherFor)
			select {
			case <-full:
			case <-t.C:
			}
			t.Stop()
			j.mu.Lock()
			j.full = nil
		}
		buf, waiters := j.buf, j.waiters
		j.buf, j.waiters = nil, nil
		j.mu.Unlock()
		_, err := j.f.WriteAt(buf, j.off)
		j.off += int64(len(buf))
		if err == nil {
			err = datasync(j.f)
		}
		j.syncs.Add(1)
		for _, w := range waiters {
			w <- err
		}
		j.mu.Lock()
	}
	j.running = false
	j.mu.Unlock()
	return <-done
}
