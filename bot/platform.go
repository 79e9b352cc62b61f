package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// The methods here serve adapters: what a platform learns or must ask the
// core outside a command.

// LearnUsername records that @username is identity on platform p. Telegram
// cannot resolve usernames, so the adapter calls this for every update it
// sees, in update order, before dispatch; the latest wins after a rename.
func (b *Bot) LearnUsername(ctx context.Context, p Platform, username, identity string) error {
	username = strings.ToLower(strings.TrimPrefix(username, "@"))
	if username == "" || identity == "" {
		return nil
	}
	if cur, err := b.store.Username(ctx, p, username); err == nil && cur == identity {
		return nil // the common case: no write
	}
	return b.store.PutUsername(ctx, p, username, identity)
}

// Known reports whether identity is admitted by the core: a configured or
// granted admin, or someone an admin (or they themselves) mapped.
func (b *Bot) Known(ctx context.Context, identity string) (bool, error) {
	if b.admins[identity] {
		return true, nil
	}
	u, err := b.store.User(ctx, identity)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return u.Phone != "" || u.Admin, nil
}

// FirstTime reports whether key is new, recording it: for notes that go
// at most once per chat per day (dedupe keys live 24 h in the store).
func (b *Bot) FirstTime(ctx context.Context, key string) (bool, error) {
	return b.store.MarkSeen(ctx, "once:"+key, b.now())
}

// MigrateChat moves every meeting and call of a chat to its new id (a
// Telegram group upgraded to a supergroup), so their cards keep updating.
// It takes no record lock: the adapter calls it from inside a card post or
// edit, which the core may be making under that very lock. A record a push
// writes back meanwhile keeps the old id, which the adapter redirects (and
// learns again after a restart).
func (b *Bot) MigrateChat(ctx context.Context, p Platform, oldID, newID string) error {
	ms, err := b.store.Meetings(ctx, MeetingFilter{Platform: p, Channel: oldID})
	if err != nil {
		return err
	}
	for _, m := range ms {
		m.Channel = newID
		if m.Card != nil && m.Card.Channel == oldID {
			m.Card.Channel = newID
		}
		if err := b.store.PutMeeting(ctx, m); err != nil {
			return fmt.Errorf("migrate meeting %d: %w", m.ID, err)
		}
	}
	cs, err := b.store.Calls(ctx, CallFilter{Platform: p, Channel: oldID})
	if err != nil {
		return err
	}
	for _, c := range cs {
		c.Channel = newID
		if c.Card != nil && c.Card.Channel == oldID {
			c.Card.Channel = newID
		}
		if err := b.store.PutCall(ctx, c); err != nil {
			return fmt.Errorf("migrate call %d: %w", c.ID, err)
		}
	}
	return nil
}
