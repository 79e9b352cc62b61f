package bot

import (
	"context"
	"sync"
	"time"
)

// DefaultEditIntervals space card edits per channel: Slack allows about one
// message a second per channel, Telegram about 20 a minute per group.
var DefaultEditIntervals = map[Platform]time.Duration{
	Slack:    time.Second,
	Telegram: 3 * time.Second,
	Console:  0,
}

// DefaultWorkspaceEditIntervals space card edits per Slack workspace
// (chat.update is a Tier 3 method: about 50 a minute) and per Telegram bot
// (about 30 messages a second overall).
var DefaultWorkspaceEditIntervals = map[Platform]time.Duration{
	Slack:    1200 * time.Millisecond,
	Telegram: 35 * time.Millisecond,
	Console:  0,
}

// editor coalesces card edits per card and spaces them per channel. An edit
// goes out at once when its channel is quiet; edits arriving within the
// interval wait, and only the latest version of each card is sent, so the
// final state always lands and nothing is edited twice for nothing.
type editor struct {
	intervals   map[Platform]time.Duration // per channel
	wsIntervals map[Platform]time.Duration // per workspace (Slack) or bot (Telegram)
	send        func(ctx context.Context, ref *CardRef, c *Card)

	mu     sync.Mutex
	chans  map[string]*channelEdits
	wsNext map[string]time.Time // when a workspace may take its next edit
	wg     sync.WaitGroup
}

type channelEdits struct {
	last      time.Time
	scheduled bool
	timer     *time.Timer
	order     []string // message ids in arrival order of their first pending edit
	pending   map[string]pendingEdit
}

type pendingEdit struct {
	ctx  context.Context
	ref  *CardRef
	card *Card
}

func newEditor(intervals, wsIntervals map[Platform]time.Duration, send func(context.Context, *CardRef, *Card)) *editor {
	return &editor{intervals: intervals, wsIntervals: wsIntervals, send: send,
		chans: map[string]*channelEdits{}, wsNext: map[string]time.Time{}}
}

func wsKey(r *CardRef) string { return string(r.Platform) + "\x00" + r.Workspace }

func chanKey(r *CardRef) string {
	return string(r.Platform) + "\x00" + r.Workspace + "\x00" + r.Channel
}

// edit sends or schedules an edit of ref to card.
func (e *editor) edit(ctx context.Context, ref *CardRef, card *Card) {
	interval := e.intervals[ref.Platform]
	e.mu.Lock()
	key := chanKey(ref)
	ch := e.chans[key]
	if ch == nil {
		ch = &channelEdits{pending: map[string]pendingEdit{}}
		e.chans[key] = ch
	}
	now := time.Now()
	wsWait := e.wsNext[wsKey(ref)].Sub(now)
	if !ch.scheduled && now.Sub(ch.last) >= interval && wsWait <= 0 {
		ch.last = now
		e.wsNext[wsKey(ref)] = now.Add(e.wsIntervals[ref.Platform])
		e.mu.Unlock()
		e.send(ctx, ref, card)
		return
	}
	if _, ok := ch.pending[ref.MessageID]; !ok {
		ch.order = append(ch.order, ref.MessageID)
	}
	// Keep the request's values but not its cancellation: the edit goes out
	// after the request has returned.
	ch.pending[ref.MessageID] = pendingEdit{ctx: context.WithoutCancel(ctx), ref: ref, card: card}
	if !ch.scheduled {
		ch.scheduled = true
		e.wg.Add(1)
		ch.timer = time.AfterFunc(max(interval-now.Sub(ch.last), wsWait), func() { e.flush(key, ref, interval) })
	}
	e.mu.Unlock()
}

// flush sends the oldest pending card of a channel when its workspace has
// room, and reschedules itself while more are waiting.
func (e *editor) flush(key string, ref *CardRef, interval time.Duration) {
	defer e.wg.Done()
	e.mu.Lock()
	ch := e.chans[key]
	if ch == nil { // drained meanwhile
		e.mu.Unlock()
		return
	}
	if len(ch.order) == 0 {
		ch.scheduled = false
		e.mu.Unlock()
		return
	}
	now := time.Now()
	if wait := e.wsNext[wsKey(ref)].Sub(now); wait > 0 { // another channel took the workspace's turn
		e.wg.Add(1)
		ch.timer = time.AfterFunc(wait, func() { e.flush(key, ref, interval) })
		e.mu.Unlock()
		return
	}
	id := ch.order[0]
	ch.order = ch.order[1:]
	p := ch.pending[id]
	delete(ch.pending, id)
	ch.last = now
	wsInterval := e.wsIntervals[ref.Platform]
	e.wsNext[wsKey(ref)] = now.Add(wsInterval)
	if len(ch.order) > 0 {
		e.wg.Add(1)
		ch.timer = time.AfterFunc(max(interval, wsInterval), func() { e.flush(key, ref, interval) })
	} else {
		ch.scheduled = false
		delete(e.chans, key) // nothing left: forget the channel
	}
	e.mu.Unlock()
	e.send(p.ctx, p.ref, p.card)
}

// drain sends every waiting edit now (shutdown: final states must land)
// and stops the timers that would have sent them.
func (e *editor) drain() {
	e.mu.Lock()
	var all []pendingEdit
	for key, ch := range e.chans {
		for _, id := range ch.order {
			all = append(all, ch.pending[id])
		}
		if ch.timer != nil && ch.timer.Stop() {
			e.wg.Done() // that flush will not run
		}
		delete(e.chans, key)
	}
	e.mu.Unlock()
	for _, p := range all {
		e.send(p.ctx, p.ref, p.card)
	}
	e.wg.Wait() // flushes already running
}
