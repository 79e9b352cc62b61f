package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/ytxbot/ytxbot/bot"
)

// PostCard posts a card with chat.postMessage: Block Kit plus a plain-text
// fallback. It is never retried: a post whose answer was lost may have been
// accepted, and a second one would be a duplicate card. When the bot may not
// post in the channel the error wraps bot.ErrNotInChannel, so the core asks
// the person to invite it.
func (a *Adapter) PostCard(ctx context.Context, to bot.Destination, c *bot.Card) (*bot.CardRef, error) {
	if err := a.checkDestination(to.Platform, to.Workspace); err != nil {
		return nil, err
	}
	ch, ts, err := a.api.PostMessageContext(ctx, to.Channel, cardOptions(c)...)
	if err != nil {
		var se slackgo.SlackErrorResponse
		if errors.As(err, &se) && (se.Err == "not_in_channel" || (se.Err == "channel_not_found" && !strings.HasPrefix(to.Channel, "D"))) {
			return nil, fmt.Errorf("slack: post card: %w (%s)", bot.ErrNotInChannel, se.Err)
		}
		return nil, fmt.Errorf("slack: post card: %w", scrub(err))
	}
	if ch == "" {
		ch = to.Channel
	}
	return &bot.CardRef{Platform: bot.Slack, Workspace: to.Workspace, Channel: ch, MessageID: ts}, nil
}

// editSlot orders the edits of one card: one chat.update at a time, and an
// edit that a newer one overtook while it waited is dropped, so the latest
// state always lands last.
type editSlot struct {
	lock   chan struct{} // capacity 1: held while an update is sent
	latest uint64        // sequence of the newest edit asked for
	users  int           // edits in flight (the slot is dropped at zero)
}

// EditCard brings a posted card up to date with chat.update (same blocks as
// PostCard). A 429 is waited out once, for at most 30 s (Retry-After);
// message_not_found, cant_update_message and other failures are returned.
// Concurrent edits of one card are coalesced: when several wait, only the
// newest is sent.
func (a *Adapter) EditCard(ctx context.Context, ref *bot.CardRef, c *bot.Card) error {
	if ref == nil {
		return errors.New("slack: edit card: no card reference")
	}
	if err := a.checkDestination(ref.Platform, ref.Workspace); err != nil {
		return err
	}
	key := ref.Channel + "/" + ref.MessageID
	a.editMu.Lock()
	s := a.edits[key]
	if s == nil {
		s = &editSlot{lock: make(chan struct{}, 1)}
		a.edits[key] = s
	}
	s.latest++
	mine := s.latest
	s.users++
	a.editMu.Unlock()
	defer func() {
		a.editMu.Lock()
		s.users--
		if s.users == 0 {
			delete(a.edits, key)
		}
		a.editMu.Unlock()
	}()

	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("slack: edit card: %w", context.Cause(ctx))
	}
	defer func() { <-s.lock }()
	a.editMu.Lock()
	overtaken := s.latest != mine
	a.editMu.Unlock()
	if overtaken {
		return nil // a newer version of this card is about to be sent
	}
	return a.update(ctx, ref, c)
}

func (a *Adapter) update(ctx context.Context, ref *bot.CardRef, c *bot.Card) error {
	opts := cardOptions(c)
	for attempt := 0; ; attempt++ {
		_, _, _, err := a.api.UpdateMessageContext(ctx, ref.Channel, ref.MessageID, opts...)
		if err == nil {
			return nil
		}
		var rl *slackgo.RateLimitedError
		if attempt > 0 || !errors.As(err, &rl) || rl.RetryAfter > maxRateLimitWait {
			return fmt.Errorf("slack: edit card: %w", scrub(err))
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < rl.RetryAfter {
			return fmt.Errorf("slack: edit card: %w", err) // no time left to wait it out
		}
		a.log.InfoContext(ctx, "slack: chat.update rate limited; waiting", "retry_after", rl.RetryAfter)
		t := time.NewTimer(rl.RetryAfter)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("slack: edit card: %w", context.Cause(ctx))
		case <-t.C:
		}
	}
}

// GroupMembers returns the user ids of a Slack user group
// (usergroups.users.list), for <!subteam^S…> parties.
func (a *Adapter) GroupMembers(ctx context.Context, workspace, groupID string) ([]string, error) {
	if err := a.checkDestination(bot.Slack, workspace); err != nil {
		return nil, err
	}
	ids, err := a.api.GetUserGroupMembersContext(ctx, groupID)
	if err != nil {
		return nil, fmt.Errorf("slack: user group %s: %w", groupID, scrub(err))
	}
	return ids, nil
}

// checkDestination refuses what belongs to another platform or workspace:
// one adapter serves one workspace.
func (a *Adapter) checkDestination(p bot.Platform, workspace string) error {
	if p != "" && p != bot.Slack {
		return fmt.Errorf("slack: not a Slack destination (%s)", p)
	}
	if team := a.teamID(); workspace != "" && team != "" && workspace != team {
		return fmt.Errorf("slack: workspace %s is not the one served (%s)", workspace, team)
	}
	return nil
}
