package ytxsim

import (
	"container/heap"
	"time"
)

// event is a state change due at a point of the simulated time. fn gets the
// due time, not the clock's, so timestamps do not depend on when the
// simulator happened to look.
type event struct {
	at  time.Time
	seq uint64 // ties broken by scheduling order, for determinism
	fn  func(at time.Time)
}

type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return e
}

// schedule queues fn at at. Callers hold s.mu. Events do not get cancelled:
// each one checks that the state it expects still holds.
func (s *Sim) schedule(at time.Time, fn func(at time.Time)) {
	s.eventSeq++
	heap.Push(&s.events, &event{at: at, seq: s.eventSeq, fn: fn})
}

// advance fires, in time order, every event due at now, including those
// that firing schedules within the window. Callers hold s.mu.
func (s *Sim) advance(now time.Time) {
	for len(s.events) > 0 && !s.events[0].at.After(now) {
		e := heap.Pop(&s.events).(*event)
		e.fn(e.at)
	}
}
