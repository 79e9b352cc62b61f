package storage

import (
	"sync"

	"github.com/ytxbot/ytxbot/bot"
)

// recordCache keeps the latest committed version of recently written
// meetings and calls, decoded. The tracker reads an active record on every
// push and poll, and decoding its JSON was most of the cost of a push
// (BenchmarkTrack1000Meetings). Only commits fill it, in commit order (the
// group committer applies them), never reads: a read that raced a commit
// could otherwise put back the version the commit replaced. Callers get
// copies. It is bounded: beyond maxCached records the oldest entries go.
type recordCache struct {
	mu       sync.Mutex
	meetings map[int64]*bot.Meeting
	calls    map[int64]*bot.Call
	byYTX    map[string]int64 // YTX id → meeting id, of cached meetings
	order    []cacheKey       // insertion order, for eviction
}

type cacheKey struct {
	call bool
	id   int64
}

// maxCached bounds the cache: more than the active meetings and calls of
// any team we plan for (SPEC §10: 1,000 meetings).
const maxCached = 4096

func newRecordCache() *recordCache {
	return &recordCache{meetings: map[int64]*bot.Meeting{}, calls: map[int64]*bot.Call{}, byYTX: map[string]int64{}}
}

// put is one committed record: a *bot.Meeting or *bot.Call, already a copy
// owned by the cache.
type put struct {
	meeting *bot.Meeting
	call    *bot.Call
}

func (c *recordCache) apply(puts []put) {
	if len(puts) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range puts {
		switch {
		case p.meeting != nil:
			old, ok := c.meetings[p.meeting.ID]
			if !ok {
				c.order = append(c.order, cacheKey{id: p.meeting.ID})
			} else if old.YTXID != p.meeting.YTXID {
				delete(c.byYTX, old.YTXID)
			}
			c.meetings[p.meeting.ID] = p.meeting
			if p.meeting.YTXID != "" {
				c.byYTX[p.meeting.YTXID] = p.meeting.ID
			}
		case p.call != nil:
			if _, ok := c.calls[p.call.ID]; !ok {
				c.order = append(c.order, cacheKey{call: true, id: p.call.ID})
			}
			c.calls[p.call.ID] = p.call
		}
	}
	for len(c.order) > maxCached {
		k := c.order[0]
		c.order = c.order[1:]
		if k.call {
			delete(c.calls, k.id)
		} else {
			c.forgetMeeting(k.id)
		}
	}
}

func (c *recordCache) forgetMeeting(id int64) {
	if m, ok := c.meetings[id]; ok {
		if c.byYTX[m.YTXID] == id {
			delete(c.byYTX, m.YTXID)
		}
		delete(c.meetings, id)
	}
}

// meetingByYTX is the cached meeting YTX knows by ytxID, if any.
func (c *recordCache) meetingByYTX(ytxID string) (*bot.Meeting, bool) {
	c.mu.Lock()
	id, ok := c.byYTX[ytxID]
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	return c.meeting(id)
}

func (c *recordCache) meeting(id int64) (*bot.Meeting, bool) {
	c.mu.Lock()
	m, ok := c.meetings[id]
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	return cloneMeeting(m), true
}

func (c *recordCache) call(id int64) (*bot.Call, bool) {
	c.mu.Lock()
	cl, ok := c.calls[id]
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	return cloneCall(cl), true
}

// drop forgets records the sweeper deleted.
func (c *recordCache) drop(calls bool, ids []int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if calls {
			delete(c.calls, id)
		} else {
			c.forgetMeeting(id)
		}
	}
}

// cloneMeeting copies m deeply (its parties and card reference), as a
// JSON round trip would, without the monotonic clock readings a decoded
// record never has.
func cloneMeeting(m *bot.Meeting) *bot.Meeting {
	c := *m
	c.Parties = append([]bot.Participant(nil), m.Parties...)
	for i := range c.Parties {
		p := &c.Parties[i]
		p.Joined, p.Left = p.Joined.Round(0), p.Left.Round(0)
	}
	if m.Card != nil {
		card := *m.Card
		c.Card = &card
	}
	c.BookedFor, c.Created, c.Started, c.Ended, c.Refreshed = c.BookedFor.Round(0), c.Created.Round(0), c.Started.Round(0), c.Ended.Round(0), c.Refreshed.Round(0)
	return &c
}

func cloneCall(cl *bot.Call) *bot.Call {
	c := *cl
	if cl.Card != nil {
		card := *cl.Card
		c.Card = &card
	}
	c.From.Joined, c.From.Left = c.From.Joined.Round(0), c.From.Left.Round(0)
	c.To.Joined, c.To.Left = c.To.Joined.Round(0), c.To.Left.Round(0)
	c.Created, c.Ended = c.Created.Round(0), c.Ended.Round(0)
	return &c
}
