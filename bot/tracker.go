package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// MeetingExpired marks a meeting tracked for longer than tracker.max_age:
// the bot stops asking YTX about it and its card says so.
const MeetingExpired = "expired"

// Polling schedule: a meeting whose state did not change is asked about
// less often (up to maxBackoff × the interval); a change resets it. A -104
// from YTX pauses all polling for rateLimitPause.
const (
	maxBackoff      = 8
	rateLimitPause  = time.Minute
	defaultPollJobs = 8
)

// poller is the tracker's schedule, in memory: after a restart every open
// meeting is simply due again.
type poller struct {
	mu      sync.Mutex
	every   map[int64]time.Duration
	next    map[int64]time.Time
	paused  time.Time
	adopted map[int64]bool // cardless meetings whose card this process tried to post
}

// RefreshOpen reads every open meeting's state from YTX now, whatever the
// schedule. It returns how many meetings are open and how many of those
// still have someone ringing.
func (b *Bot) RefreshOpen(ctx context.Context) (open, ringing int, err error) {
	return b.PollDue(ctx, 0, true)
}

// Tracked is the number of open meetings the poller found at its last
// round (a gauge for /metrics).
func (b *Bot) Tracked() int { return int(b.tracked.Load()) }

// Poll tracks open meetings until ctx is done: queryMeeting on a schedule
// that backs off while nothing changes, with bounded concurrency so a
// thousand meetings do not flood YTX.
func (b *Bot) Poll(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			open, _, err := b.PollDue(ctx, interval, false)
			if err != nil && ctx.Err() == nil {
				b.log.WarnContext(ctx, "poll", "err", err)
			} else if err == nil {
				b.tracked.Store(int64(open))
			}
			if err := b.PollCalls(ctx); err != nil && ctx.Err() == nil {
				b.log.WarnContext(ctx, "poll calls", "err", err)
			}
		}
	}
}

// PollDue queries the meetings whose turn has come (all of them when
// force), then schedules each one's next turn from interval. Poll calls it
// on a ticker; tests call it on a fake clock.
func (b *Bot) PollDue(ctx context.Context, interval time.Duration, force bool) (open, ringing int, err error) {
	now := b.now()
	p := &b.polls
	p.mu.Lock()
	if p.every == nil {
		p.every, p.next, p.adopted = map[int64]time.Duration{}, map[int64]time.Time{}, map[int64]bool{}
	}
	if !force && now.Before(p.paused) {
		p.mu.Unlock()
		return 0, 0, nil
	}
	p.mu.Unlock()
	ms, err := b.store.Meetings(ctx, MeetingFilter{ActiveOnly: true})
	if err != nil {
		return 0, 0, err
	}
	var due []*Meeting
	for _, m := range ms {
		switch {
		case b.cfg.MaxAge > 0 && now.Sub(latestTime(m.Created, m.Started, m.BookedFor)) > b.cfg.MaxAge:
			if err := b.expire(ctx, m.ID, now); err != nil {
				return open, ringing, err
			}
			continue
		case m.Card == nil && now.Sub(m.Created) > b.orphanAge() && b.firstAdoption(m.ID):
			// Its command never finished (a crash between asking YTX and
			// storing the answer): find the room and show the card.
			if err := b.adopt(ctx, m.ID); err != nil {
				return open, ringing, err
			}
			open++
			continue
		case m.YTXID == "" || (m.State == ytx.MeetingBooked && now.Before(m.BookedFor)):
			open++
			continue
		}
		p.mu.Lock()
		next := p.next[m.ID]
		p.mu.Unlock()
		if force || !now.Before(next) {
			due = append(due, m)
		} else {
			open++
			ringing += stillRinging(m)
		}
	}
	jobs := b.cfg.PollConcurrency
	if jobs <= 0 {
		jobs = defaultPollJobs
	}
	sem := make(chan struct{}, jobs)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	for _, m := range due {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			changed, rerr := b.pollMeeting(ctx, m)
			if errors.Is(rerr, errRecordBusy) {
				changed, rerr = true, nil // its turn comes again soon
			}
			b.schedule(m.ID, interval, changed, ytx.IsCode(rerr, ytx.CodeRateLimited), now)
			mu.Lock()
			defer mu.Unlock()
			if rerr != nil && !isYTX(rerr) && firstErr == nil {
				firstErr = rerr
			}
			if MeetingOpen(m.State) {
				open++
				ringing += stillRinging(m)
			} else {
				b.forget(m.ID)
			}
		})
	}
	wg.Wait()
	return open, ringing, firstErr
}

// pollMeeting refreshes one meeting; changed reports new evidence. A YTX
// error is returned for the schedule but the record still stores the
// "state unknown" mark.
func (b *Bot) pollMeeting(ctx context.Context, m *Meeting) (changed bool, err error) {
	// A command changing the meeting holds it, maybe through a slow YTX
	// request: pass it by rather than hold up the whole round.
	unlock, ok := b.records.tryLock("m", m.ID)
	if !ok {
		return false, errRecordBusy
	}
	defer unlock()
	fresh, err := b.store.Meeting(ctx, m.ID) // a push may have changed it meanwhile
	if err != nil {
		return false, err
	}
	*m = *fresh
	before := b.evidence(m)
	t := b.meetingTurn(m)
	qerr := t.refresh(ctx, m)
	if err := b.store.PutMeeting(ctx, m); err != nil {
		return false, err
	}
	// Edit on evidence only: the clock alone never triggers an edit.
	changed = b.evidence(m) != before
	if changed || !MeetingOpen(m.State) {
		b.editCard(ctx, m.Card, MeetingCard(m, b.cfg.Locale, b.now()))
	}
	if err := b.summarize(ctx, m); err != nil {
		return changed, err
	}
	return changed, qerr
}

// expire stops tracking a meeting older than tracker.max_age, under its
// record lock (a push may be applying at the same time).
func (b *Bot) expire(ctx context.Context, id int64, now time.Time) error {
	unlock, ok := b.records.tryLock("m", id)
	if !ok {
		return nil // a command holds it; the next round expires it
	}
	defer unlock()
	m, err := b.store.Meeting(ctx, id)
	if err != nil {
		return err
	}
	if MeetingOpen(m.State) {
		m.State, m.Ended = MeetingExpired, now
		if err := b.store.PutMeeting(ctx, m); err != nil {
			return err
		}
		b.editCard(ctx, m.Card, MeetingCard(m, b.cfg.Locale, now))
	}
	b.forget(m.ID)
	return nil
}

// orphanAge is how old an open meeting without a card must be before the
// poller takes it for one whose command never finished: longer than any
// command takes (its YTX request is bounded by cfg.Timeout).
func (b *Bot) orphanAge() time.Duration { return 2*b.cfg.Timeout + time.Minute }

// firstAdoption reports whether this process has not yet tried to adopt
// meeting id (once each: a card that cannot be posted, not_in_channel say,
// is not tried every round).
func (b *Bot) firstAdoption(id int64) bool {
	b.polls.mu.Lock()
	defer b.polls.mu.Unlock()
	if b.polls.adopted[id] {
		return false
	}
	b.polls.adopted[id] = true
	return true
}

// adopt finishes what a meeting's command could not: it looks for the room
// among YTX's meetings when the record has none (as Check again does),
// posts the card (with Check again when the room is still unknown) and,
// when the room is found, settles the intent.
func (b *Bot) adopt(ctx context.Context, id int64) error {
	unlock, ok := b.records.tryLock("m", id)
	if !ok {
		return nil
	}
	defer unlock()
	m, err := b.store.Meeting(ctx, id)
	if err != nil {
		return err
	}
	if m.Card != nil || !MeetingOpen(m.State) {
		return nil
	}
	t := b.meetingTurn(m)
	if m.YTXID == "" {
		t.reconcileMeeting(ctx, m)
	}
	_, ref := t.post(ctx, MeetingCard(m, b.cfg.Locale, b.now()))
	if ref != nil {
		m.Card, m.Channel = ref, ref.Channel
	}
	if err := b.store.PutMeeting(ctx, m); err != nil {
		return err
	}
	b.log.InfoContext(ctx, "meeting adopted after its command did not finish", "meeting", m.ID, "room_found", m.YTXID != "", "card", ref != nil)
	if m.YTXID == "" || m.IntentID == "" {
		return nil
	}
	in, err := b.store.Intent(ctx, m.IntentID)
	if err != nil || in.Outcome != "pending" {
		return nil
	}
	in.Outcome = "done"
	return b.store.PutIntent(ctx, in)
}

// meetingTurn is a turn for the bot's own work on meeting m (polls,
// adoption): in m's channel, as its creator, in the default language.
func (b *Bot) meetingTurn(m *Meeting) *turn {
	return &turn{b: b, req: &Request{Platform: m.Platform, Workspace: m.Workspace, Channel: m.Channel}, loc: b.cfg.Locale, identity: m.Creator}
}

// errRecordBusy: a command holds the record; it was passed by.
var errRecordBusy = errors.New("bot: record busy")

// isYTX tells YTX's failures (already marked on the card) from the store's.
func isYTX(err error) bool {
	var ae *ytx.APIError
	return errors.As(err, &ae) || errors.Is(err, ytx.ErrTransport) || errors.Is(err, context.DeadlineExceeded)
}

// schedule sets a meeting's next poll: soon after a change, later and later
// while nothing changes; a -104 pauses every poll.
func (b *Bot) schedule(id int64, interval time.Duration, changed, limited bool, now time.Time) {
	p := &b.polls
	p.mu.Lock()
	defer p.mu.Unlock()
	if limited {
		p.paused = now.Add(rateLimitPause)
	}
	every := p.every[id]
	switch {
	case changed || every == 0:
		every = interval
	case every < maxBackoff*interval:
		every *= 2
	}
	p.every[id], p.next[id] = every, now.Add(every)
}

func (b *Bot) forget(id int64) {
	b.polls.mu.Lock()
	defer b.polls.mu.Unlock()
	delete(b.polls.every, id)
	delete(b.polls.next, id)
}

func stillRinging(m *Meeting) int {
	for _, p := range m.Parties {
		if partyRank(p.State) < partyRank(ytx.PartyJoined) {
			return 1
		}
	}
	return 0
}

// evidence renders what a meeting card says apart from the clock, to tell
// new evidence from a mere refresh.
func (b *Bot) evidence(m *Meeting) string {
	c := MeetingCard(m, b.cfg.Locale, m.Started)
	c.Elapsed = 0
	return c.Text()
}

// CallRecorder is the optional call-record query (ytx-protocol §6);
// *ytx.Client has it.
type CallRecorder interface {
	CallRecord(ctx context.Context, requestID string) (*ytx.CallRecord, error)
}

// PollCalls settles open dial-back calls from YTX's call records, for
// accounts whose pushes do not arrive (ytx.cdr_query). A call without a
// record yet stays as it is.
func (b *Bot) PollCalls(ctx context.Context) error {
	rec, ok := b.tel.(CallRecorder)
	if !ok || !b.cfg.CDRQuery {
		return nil
	}
	cs, err := b.store.Calls(ctx, CallFilter{OpenOnly: true})
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.RequestID == "" {
			continue
		}
		err := b.settleFromRecord(ctx, rec, c.ID)
		switch {
		case ytx.IsCode(err, ytx.CodeRateLimited):
			return nil // try the rest next round
		case errors.Is(err, errStore):
			return err
		case err != nil:
			b.log.WarnContext(ctx, "call record", "call", c.ID, "err", err)
		}
	}
	return nil
}

// errStore marks a store failure among YTX ones.
var errStore = errors.New("store")

// settleFromRecord asks YTX for call id's record and applies it, under the
// record's lock (pushes may be applying at the same time). No record yet
// is no error.
func (b *Bot) settleFromRecord(ctx context.Context, rec CallRecorder, id int64) error {
	unlock := b.records.lock("c", id)
	defer unlock()
	c, err := b.store.Call(ctx, id)
	if err != nil {
		return fmt.Errorf("%w: %w", errStore, err)
	}
	if !CallOpen(c.State) || c.RequestID == "" {
		return nil
	}
	r, err := rec.CallRecord(ctx, c.RequestID)
	if errors.Is(err, ytx.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	applyRecord(c, *r)
	b.editCard(ctx, c.Card, CallCard(c, b.cfg.Locale, b.now()))
	if err := b.store.PutCall(ctx, c); err != nil {
		return fmt.Errorf("%w: %w", errStore, err)
	}
	return nil
}

// checkCall is *Check again* on a call: what was kept of its pushes is
// applied again (a push may have come before the answer that names the
// call), and with ytx.cdr_query its record is asked for.
func (b *Bot) checkCall(ctx context.Context, id int64) (*Call, error) {
	c, err := b.store.Call(ctx, id)
	if err != nil {
		return nil, err
	}
	b.replayPushes(ctx, c)
	if rec, ok := b.tel.(CallRecorder); ok && b.cfg.CDRQuery {
		if err := b.settleFromRecord(ctx, rec, id); errors.Is(err, errStore) {
			return nil, err
		} else if err != nil {
			b.log.WarnContext(ctx, "call record", "call", id, "err", err)
		}
	}
	return b.store.Call(ctx, id)
}
