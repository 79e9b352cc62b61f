package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// HandlePush applies a YTX status push to the meeting or call it belongs to
// and brings its card up to date. Pushes arrive duplicated and out of order:
// applying one twice changes nothing, and a state never goes back (a late
// "alerting" does not undo "answer"). A push that matches nothing is kept
// in the store; matched reports which happened.
func (b *Bot) HandlePush(ctx context.Context, p *ytx.Push) (matched bool, err error) {
	switch p.Kind {
	case ytx.PushCallState, ytx.PushCDR:
		c, err := b.pushCall(ctx, p)
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return false, err
		}
		// Pushes about one call arrive together: apply them one at a time
		// to the record as stored, or one would overwrite another.
		unlock, err := b.records.lockCtx(ctx, "c", c.ID)
		if err != nil {
			return false, fmt.Errorf("bot: push: call %d busy: %w", c.ID, err)
		}
		defer unlock()
		if c, err = b.store.Call(ctx, c.ID); err != nil {
			return false, err
		}
		before := CallCard(c, b.cfg.Locale, c.Created).Text()
		if p.Kind == ytx.PushCDR {
			for _, r := range p.Records {
				applyRecord(c, r)
			}
		} else {
			applyLegEvent(c, p.State, b.now())
		}
		if CallCard(c, b.cfg.Locale, c.Created).Text() == before && p.Kind != ytx.PushCDR {
			return true, nil // a duplicate or a late, older event
		}
		// The card is a view: it need not wait for the fsync (the record
		// lock keeps edits in order); the push is acknowledged after it.
		b.editCard(ctx, c.Card, CallCard(c, b.cfg.Locale, b.now()))
		if err := b.store.PutCall(ctx, c); err != nil {
			return true, err
		}
		return true, nil
	case ytx.PushMeeting:
		m, err := b.pushMeeting(ctx, p)
		if errors.Is(err, ErrNotFound) {
			break
		}
		if err != nil {
			return false, err
		}
		unlock, err := b.records.lockCtx(ctx, "m", m.ID)
		if err != nil {
			return false, fmt.Errorf("bot: push: meeting %d busy: %w", m.ID, err)
		}
		defer unlock()
		if m, err = b.store.Meeting(ctx, m.ID); err != nil {
			return false, err
		}
		before := b.evidence(m)
		applyMeetingEvent(m, p.Meeting, b.now())
		if b.evidence(m) == before {
			return true, nil
		}
		b.editCard(ctx, m.Card, MeetingCard(m, b.cfg.Locale, b.now())) // as for calls
		if err := b.store.PutMeeting(ctx, m); err != nil {
			return true, err
		}
		return true, b.summarize(ctx, m)
	}
	if err := b.store.AddPush(ctx, UnmatchedPush{At: b.now(), Body: p.Raw}); err != nil {
		return false, err
	}
	// A push may overtake the answer of the request it is about, and so the
	// requestId the record is found by. Look once more now that the push is
	// kept: either the record has it by now, or the request's settling will
	// find the kept push (replayPushes).
	if p.Kind == ytx.PushCallState || p.Kind == ytx.PushCDR {
		if _, err := b.pushCall(ctx, p); err == nil {
			return b.HandlePush(ctx, p)
		}
	}
	return false, nil
}

// replayPushes applies the kept pushes about a call that arrived before its
// requestId was stored.
func (b *Bot) replayPushes(ctx context.Context, c *Call) {
	ps, err := b.store.Pushes(ctx, c.Created)
	if err != nil {
		b.log.WarnContext(ctx, "replay pushes", "call", c.ID, "err", err)
		return
	}
	for _, kept := range ps {
		p, err := ytx.ParsePush(kept.Body)
		mine := (c.RequestID != "" && p.RequestID == c.RequestID) || (c.CustomParm != "" && p.CustomParm == c.CustomParm)
		if err != nil || !mine { // an empty id matches nothing: meeting pushes have none
			continue
		}
		if _, err := b.HandlePush(ctx, p); err != nil {
			b.log.WarnContext(ctx, "replay push", "call", c.ID, "err", err)
		}
	}
}

// pushCall finds a push's call: by requestId, else by the CustomParm the
// bot set ("c<id>-…").
func (b *Bot) pushCall(ctx context.Context, p *ytx.Push) (*Call, error) {
	if p.RequestID != "" {
		c, err := b.store.CallByRequestID(ctx, p.RequestID)
		if !errors.Is(err, ErrNotFound) {
			return c, err
		}
	}
	if id, ok := parmID(p.CustomParm, "c"); ok {
		c, err := b.store.Call(ctx, id)
		if err == nil && c.CustomParm == p.CustomParm {
			return c, nil
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	return nil, ErrNotFound
}

func (b *Bot) pushMeeting(ctx context.Context, p *ytx.Push) (*Meeting, error) {
	if id, ok := parmID(p.CustomParm, "m"); ok {
		m, err := b.store.Meeting(ctx, id)
		if err == nil && (m.CustomParm == p.CustomParm || strings.HasPrefix(p.CustomParm, "m"+strconv.FormatInt(id, 10)+"-")) {
			return m, nil
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	if p.ConfID != "" {
		return b.store.MeetingByYTXID(ctx, p.ConfID)
	}
	return nil, ErrNotFound
}

// parmID reads the record id out of a CustomParm the bot issued:
// "<prefix><id>-<random>".
func parmID(parm, prefix string) (int64, bool) {
	rest, ok := strings.CutPrefix(parm, prefix)
	if !ok {
		return 0, false
	}
	num, _, ok := strings.Cut(rest, "-")
	id, err := strconv.ParseInt(num, 10, 64)
	return id, ok && err == nil && id > 0
}

// sameNumber compares a pushed number (which may lack +86, 86 or the trunk
// 0) with a stored one.
func sameNumber(pushed, stored string) bool {
	if pushed == "" || stored == "" {
		return false
	}
	if n, err := NormalizePhone(pushed, PhoneOptions{AllowExtension: true, AllowInternational: true}); err == nil && n == stored {
		return true
	}
	d := strings.TrimLeft(pushed, "+")
	return strings.HasSuffix(stored, strings.TrimPrefix(d, "86")) && len(d) >= 7
}

// legState applies one state event to a participant, never backwards. The
// state says what happened; YTX's stateDesc ("用户忙") only tells busy from
// no answer.
func legState(p *Participant, state, desc string, at time.Time) {
	switch state {
	case ytx.StateCallout:
		raise(p, ytx.PartyCalling)
	case ytx.StateAlerting:
		raise(p, ytx.PartyRinging)
	case ytx.StateAnswer:
		if p.State == ytx.PartyNoAnswer && p.Joined.IsZero() {
			// The hang-up overtook the answer: they did talk.
			p.State = ytx.PartyLeft
		} else {
			raise(p, ytx.PartyJoined)
		}
		if p.Joined.IsZero() {
			p.Joined = at
		}
	case ytx.StateDisconnect, "end":
		if partyRank(p.State) >= partyRank(ytx.PartyLeft) {
			return
		}
		switch {
		case p.State == ytx.PartyJoined || !p.Joined.IsZero():
			p.State = ytx.PartyLeft
		case strings.Contains(desc, "忙") || strings.Contains(strings.ToLower(desc), "busy"):
			p.State = ytx.PartyBusy
		default:
			p.State = ytx.PartyNoAnswer
		}
		p.Left = at
	}
}

func raise(p *Participant, state string) {
	if partyRank(state) > partyRank(p.State) {
		p.State = state
	}
}

func applyLegEvent(c *Call, ev *ytx.StateEvent, now time.Time) {
	if ev == nil {
		return
	}
	at := ev.At
	if at.IsZero() {
		at = now
	}
	switch {
	case sameNumber(ev.Number, c.From.Phone):
		legState(&c.From, ev.State, ev.Desc, at)
	case sameNumber(ev.Number, c.To.Phone):
		legState(&c.To, ev.State, ev.Desc, at)
	default:
		return
	}
	settleCall(c)
}

// settleCall derives the call's state from its legs.
func settleCall(c *Call) {
	if c.State == CallEnded || c.State == CallFailed {
		return
	}
	final := func(p Participant) bool { return partyRank(p.State) >= partyRank(ytx.PartyLeft) }
	switch {
	case final(c.From) && (final(c.To) || partyRank(c.To.State) == 0):
		// Both legs are done, or the first failed and the second was never rung.
		c.State = CallEnded
		c.Ended = latestTime(c.From.Left, c.To.Left)
		if !c.From.Joined.IsZero() && !c.To.Joined.IsZero() {
			c.Duration = c.Ended.Sub(latestTime(c.From.Joined, c.To.Joined))
		}
	case final(c.To):
		c.State = CallEnded
		c.Ended = c.To.Left
	case c.From.State == ytx.PartyJoined && c.To.State == ytx.PartyJoined:
		c.State = CallConnected
	default:
		c.State = CallRinging
	}
}

func latestTime(ts ...time.Time) time.Time {
	var l time.Time
	for _, t := range ts {
		if t.After(l) {
			l = t
		}
	}
	return l
}

// applyRecord settles a call from its call-detail record: the authority on
// times, duration, cost and recording.
func applyRecord(c *Call, r ytx.CallRecord) {
	if c.RequestID == "" {
		c.RequestID = r.RequestID // an answer lost, the record matched by CustomParm
	}
	legRecord(&c.From, r.CallerStart, r.CallerEnd)
	legRecord(&c.To, r.CalledStart, r.CalledEnd)
	c.State = CallEnded
	c.Ended = latestTime(r.CallerEnd, r.CalledEnd, c.Ended)
	if r.Duration > 0 {
		c.Duration = r.Duration
	}
	c.Recording, c.Cost = r.RecordingURL, r.Amount
}

func legRecord(p *Participant, start, end time.Time) {
	switch {
	case !start.IsZero():
		p.Joined = start
		p.State = ytx.PartyLeft
		if !end.IsZero() {
			p.Left = end
		}
	case partyRank(p.State) < partyRank(ytx.PartyLeft):
		p.State = ytx.PartyNoAnswer
		p.Left = end
	}
}

// applyMeetingEvent applies a meeting push: a participant's state, or the
// meeting's end.
func applyMeetingEvent(m *Meeting, ev *ytx.MeetingEvent, now time.Time) {
	if ev == nil {
		return
	}
	at := ev.At
	if at.IsZero() {
		at = now
	}
	if ev.State == "end" && ev.Phone == "" {
		if MeetingOpen(m.State) {
			m.State, m.Ended = ytx.MeetingEnded, at
			for i := range m.Parties {
				legState(&m.Parties[i], ytx.StateDisconnect, "", at)
			}
		}
		return
	}
	for i := range m.Parties {
		if sameNumber(ev.Phone, m.Parties[i].Phone) {
			legState(&m.Parties[i], ev.State, ev.Desc, at)
		}
	}
	if m.State == MeetingUnknown || m.State == ytx.MeetingBooked {
		m.State = ytx.MeetingActive
		if m.Started.IsZero() {
			m.Started = at
		}
	}
}

// recordLocks serialises the read-modify-write of one meeting or call
// between concurrent pushes, polls and commands: striped, so memory stays
// fixed. A stripe is a channel of capacity one, so that a command can give
// up waiting (lockCtx) and the poller can pass a busy record by (tryLock).
type recordLocks struct {
	once    sync.Once
	stripes [1024]chan struct{}
}

// stripe is the lock of one record; two records may share one.
type stripe chan struct{}

func (l *recordLocks) stripe(kind string, id int64) stripe {
	l.once.Do(func() {
		for i := range l.stripes {
			l.stripes[i] = make(chan struct{}, 1)
		}
	})
	i := uint64(id) % uint64(len(l.stripes))
	if kind == "m" {
		i = (i + 512) % uint64(len(l.stripes))
	}
	return l.stripes[i]
}

func (l *recordLocks) lock(kind string, id int64) (unlock func()) {
	s := l.stripe(kind, id)
	s <- struct{}{}
	return s.unlock
}

// lockCtx is lock, giving up when ctx is done.
func (l *recordLocks) lockCtx(ctx context.Context, kind string, id int64) (unlock func(), err error) {
	s := l.stripe(kind, id)
	select {
	case s <- struct{}{}:
		return s.unlock, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// tryLock is lock if the record is free at once.
func (l *recordLocks) tryLock(kind string, id int64) (unlock func(), ok bool) {
	s := l.stripe(kind, id)
	select {
	case s <- struct{}{}:
		return s.unlock, true
	default:
		return nil, false
	}
}

func (s stripe) unlock() { <-s }
