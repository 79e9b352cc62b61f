package bot

import (
	"context"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// RefreshOpen reads every open meeting's state from YTX once, stores what
// changed and edits those cards. It returns how many meetings are still
// open and how many of those still have someone ringing.
func (b *Bot) RefreshOpen(ctx context.Context) (open, ringing int, err error) {
	ms, err := b.store.Meetings(ctx, MeetingFilter{ActiveOnly: true})
	if err != nil {
		return 0, 0, err
	}
	for _, m := range ms {
		if m.YTXID == "" || (m.State == ytx.MeetingBooked && b.now().Before(m.BookedFor)) {
			open++
			continue
		}
		before := b.stateText(m)
		t := &turn{b: b, req: &Request{Platform: m.Platform, Workspace: m.Workspace, Channel: m.Channel}, loc: b.cfg.Locale}
		t.refresh(ctx, m)
		if err := b.store.PutMeeting(ctx, m); err != nil {
			return open, ringing, err
		}
		// Edit on evidence only: the clock alone never triggers an edit.
		if b.stateText(m) != before || !MeetingOpen(m.State) {
			b.editCard(ctx, m.Card, MeetingCard(m, b.cfg.Locale, b.now()))
		}
		if MeetingOpen(m.State) {
			open++
			for _, p := range m.Parties {
				if partyRank(p.State) < partyRank(ytx.PartyJoined) {
					ringing++
					break
				}
			}
		}
	}
	return open, ringing, nil
}

// Poll refreshes open meetings every interval until ctx is done. It is the
// simple form of status tracking: queryMeeting on a timer.
func (b *Bot) Poll(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if _, _, err := b.RefreshOpen(ctx); err != nil && ctx.Err() == nil {
				b.log.WarnContext(ctx, "poll", "err", err)
			}
		}
	}
}

// stateText renders what a meeting card says apart from the clock.
func (b *Bot) stateText(m *Meeting) string {
	c := MeetingCard(m, b.cfg.Locale, m.Started)
	c.Elapsed = 0
	return c.Text()
}
