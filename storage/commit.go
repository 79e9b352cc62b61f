package storage

import (
	"errors"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// groupCommit shares write transactions between concurrent writers without
// a timer: a writer that finds the committer idle commits at once (no added
// latency when the bot is quiet), and every write that queues while a
// commit runs goes into the next one (one fsync for many under load).
// bbolt's db.Batch waits MaxBatchDelay even when alone; measured in
// BenchmarkCommandWrites, this design commits about twice as many commands
// a second and a lone write returns a commit sooner.
//
// When a shared transaction fails, each of its writes is retried alone so
// that one bad write cannot fail the others; a write function may therefore
// run more than once and must start from scratch each time (as with
// db.Batch).
type groupCommit struct {
	db      *bolt.DB
	mu      sync.Mutex
	queue   []pendingWrite
	running bool
}

type pendingWrite struct {
	fn    func(*bolt.Tx) error
	after func() // run by the committer once fn's writes are committed
	done  chan error
	alone bool // in a transaction of its own
}

func (g *groupCommit) do(fn func(*bolt.Tx) error) error { return g.doAfter(fn, nil) }

// doAfter is do, and after (when not nil) runs once fn's writes are
// committed, before do returns and in commit order: what mirrors the file
// in memory (the record cache) then never goes back in time.
func (g *groupCommit) doAfter(fn func(*bolt.Tx) error, after func()) error {
	return g.enqueue(pendingWrite{fn: fn, after: after})
}

// alone is doAfter in a transaction of its own, still in commit order with
// the others: for the sweeper, whose rollback when it finds nothing must
// not fail anyone else's writes.
func (g *groupCommit) alone(fn func(*bolt.Tx) error, after func()) error {
	return g.enqueue(pendingWrite{fn: fn, after: after, alone: true})
}

func (g *groupCommit) enqueue(w pendingWrite) error {
	done := make(chan error, 1)
	w.done = done
	g.mu.Lock()
	g.queue = append(g.queue, w)
	if g.running {
		g.mu.Unlock()
		return <-done
	}
	g.running = true
	for len(g.queue) > 0 {
		writes := g.queue
		g.queue = nil
		g.mu.Unlock()
		g.commit(writes)
		g.mu.Lock()
	}
	g.running = false
	g.mu.Unlock()
	return <-done
}

func (g *groupCommit) commit(writes []pendingWrite) {
	for len(writes) > 0 {
		n := 1
		for !writes[0].alone && n < len(writes) && !writes[n].alone {
			n++
		}
		g.shared(writes[:n])
		writes = writes[n:]
	}
}

// shared commits writes in one transaction; when it fails, each is retried
// alone.
func (g *groupCommit) shared(writes []pendingWrite) {
	err := g.update(func(tx *bolt.Tx) error {
		for _, w := range writes {
			if err := w.fn(tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || len(writes) == 1 {
		for _, w := range writes {
			if err == nil && w.after != nil {
				w.after()
			}
			w.done <- err
		}
		return
	}
	for _, w := range writes {
		err := g.update(w.fn)
		if err == nil && w.after != nil {
			w.after()
		}
		w.done <- err
	}
}

// errWritePanicked: a write function panicked; bbolt rolled its
// transaction back. The committer carries on (a panic would otherwise
// leave it marked running, and every later write waiting for ever), and
// the write that panicked, retried alone, gets this error.
var errWritePanicked = errors.New("storage: a write panicked")

func (g *groupCommit) update(fn func(*bolt.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errWritePanicked, r)
		}
	}()
	return g.db.Update(fn)
}
