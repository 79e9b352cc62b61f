package ytxsim

import (
	"context"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// DropMode says when DropNext closes the connection.
type DropMode int

const (
	// DropBefore closes the connection without acting: nothing happens.
	DropBefore DropMode = iota
	// DropAfter acts (phones ring, state changes), then closes the
	// connection without an answer: the client cannot know it worked.
	DropAfter
)

// String names the mode, for logs and test messages.
func (m DropMode) String() string {
	if m == DropAfter {
		return "DropAfter"
	}
	return "DropBefore"
}

type failRule struct {
	code string
	n    int
}

type dropRule struct {
	mode DropMode
	n    int
}

// AnyAction, given to FailNext, DropNext or Gate, matches every action.
const AnyAction = ""

// SetLatency delays every answer by d of real time, before acting. A
// request whose context ends meanwhile is not acted on. 0 turns it off.
func (s *Sim) SetLatency(d time.Duration) { s.latency.Store(int64(max(d, 0))) }

// FailNext makes the next n authenticated, routed requests of action answer
// code (with its StatusMessage) without changing anything. It replaces an
// earlier FailNext of the same action; n <= 0 clears it.
func (s *Sim) FailNext(action, code string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		delete(s.fails, action)
		return
	}
	s.fails[action] = failRule{code: code, n: n}
}

// DropNext makes the next n authenticated, routed requests of action close
// the connection without an answer, before or after acting. It replaces an
// earlier DropNext of the same action; n <= 0 clears it.
func (s *Sim) DropNext(action string, n int, mode DropMode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		delete(s.drops, action)
		return
	}
	s.drops[action] = dropRule{mode: mode, n: n}
}

// SetRateLimit refuses requests above perSecond with -104, without acting.
// The limit is a token bucket holding max(1, perSecond) tokens, refilled on
// the simulator's Clock: under a FakeClock a burst stays refused until the
// clock moves, which keeps tests deterministic. 0 turns it off.
func (s *Sim) SetRateLimit(perSecond float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limiter = bucket{rate: max(perSecond, 0)}
}

// bucket is a token bucket on the simulated time.
type bucket struct {
	rate   float64 // tokens per second; 0 = unlimited
	tokens float64
	last   time.Time
	primed bool
}

func (b *bucket) allow(now time.Time) bool {
	if b.rate <= 0 {
		return true
	}
	burst := math.Max(1, b.rate)
	switch {
	case !b.primed:
		b.tokens, b.last, b.primed = burst, now, true
	case now.After(b.last):
		b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// fault is what the fault injection decided for one request.
type fault struct {
	dropBefore, dropAfter bool
	code                  string // answer this without acting
}

// takeFault consumes the faults that apply to one request, in this order:
// DropBefore, FailNext, the rate limit, DropAfter.
func (s *Sim) takeFault(action string) fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	dropKey, dropping := matchKey(s.drops, action)
	rule := s.drops[dropKey]
	if dropping && rule.mode == DropBefore {
		s.consumeDrop(dropKey)
		return fault{dropBefore: true}
	}
	if key, ok := matchKey(s.fails, action); ok {
		r := s.fails[key]
		if r.n--; r.n == 0 {
			delete(s.fails, key)
		} else {
			s.fails[key] = r
		}
		return fault{code: r.code}
	}
	if !s.limiter.allow(s.clock.Now()) {
		return fault{code: ytx.CodeRateLimited}
	}
	if dropping {
		s.consumeDrop(dropKey)
		return fault{dropAfter: true}
	}
	return fault{}
}

func (s *Sim) consumeDrop(key string) {
	r := s.drops[key]
	if r.n--; r.n == 0 {
		delete(s.drops, key)
		return
	}
	s.drops[key] = r
}

// matchKey finds the rule for action: its own first, then AnyAction's.
func matchKey[V any](m map[string]V, action string) (string, bool) {
	if _, ok := m[action]; ok {
		return action, true
	}
	_, ok := m[AnyAction]
	return AnyAction, ok
}

type gate struct {
	action string
	open   chan struct{}
}

// Gate holds every authenticated, routed request of action (AnyAction: all)
// before it acts, until release is called or the request's context ends
// (then nothing happens and nothing is answered). It lets a test keep YTX
// "slow" for exactly as long as it wants; Held tells when requests wait.
// release may be called more than once.
func (s *Sim) Gate(action string) (release func()) {
	g := &gate{action: action, open: make(chan struct{})}
	s.mu.Lock()
	s.gates = append(s.gates, g)
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.gates = slices.DeleteFunc(s.gates, func(x *gate) bool { return x == g })
			s.mu.Unlock()
			close(g.open)
		})
	}
}

// Held returns how many requests of action (AnyAction: of any action) are
// waiting at a gate now.
func (s *Sim) Held(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if action != AnyAction {
		return s.held[action]
	}
	n := 0
	for _, v := range s.held {
		n += v
	}
	return n
}

// waitGates blocks while a gate holds action; false when ctx ended first.
func (s *Sim) waitGates(ctx context.Context, action string) bool {
	s.mu.Lock()
	var open []chan struct{}
	for _, g := range s.gates {
		if g.action == AnyAction || g.action == action {
			open = append(open, g.open)
		}
	}
	if len(open) == 0 {
		s.mu.Unlock()
		return true
	}
	s.held[action]++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.held[action]--
		s.mu.Unlock()
	}()
	for _, ch := range open {
		select {
		case <-ch:
		case <-ctx.Done():
			return false
		}
	}
	return true
}
