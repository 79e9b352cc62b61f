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
// Each record changes under its lock, as stored then, so that no push or
// poll meanwhile is undone. The adapter calls this from inside a card post
// or edit, which the core may be making under one of those very locks: a
// record that is held is moved in the background once it is let go (the
// adapter redirects its card in the meantime).
func (b *Bot) MigrateChat(ctx context.Context, p Platform, oldID, newID string) error {
	ms, err := b.store.Meetings(ctx, MeetingFilter{Platform: p, Channel: oldID})
	if err != nil {
		return err
	}
	cs, err := b.store.Calls(ctx, CallFilter{Platform: p, Channel: oldID})
	if err != nil {
		return err
	}
	type record struct {
		kind string
		id   int64
	}
	var rs []record
	for _, m := range ms {
		rs = append(rs, record{"m", m.ID})
	}
	for _, c := range cs {
		rs = append(rs, record{"c", c.ID})
	}
	for _, r := range rs {
		if unlock, ok := b.records.tryLock(r.kind, r.id); ok {
			err := b.moveRecord(ctx, r.kind, r.id, oldID, newID)
			unlock()
			if err != nil {
				return err
			}
			continue
		}
		bctx := context.WithoutCancel(ctx)
		b.inflight.Go(func() {
			unlock := b.records.lock(r.kind, r.id)
			defer unlock()
			if err := b.moveRecord(bctx, r.kind, r.id, oldID, newID); err != nil {
				b.log.ErrorContext(bctx, "migrate chat", "err", err)
			}
		})
	}
	return nil
}

// moveRecord moves one meeting ("m") or call ("c") from chat oldID to
// newID, under its lock (the caller's).
func (b *Bot) moveRecord(ctx context.Context, kind string, id int64, oldID, newID string) error {
	move := func(channel *string, card *CardRef) {
		if *channel == oldID {
			*channel = newID
		}
		if card != nil && card.Channel == oldID {
			card.Channel = newID
		}
	}
	if kind == "m" {
		m, err := b.store.Meeting(ctx, id)
		if err == nil {
			move(&m.Channel, m.Card)
			err = b.store.PutMeeting(ctx, m)
		}
		if err != nil {
			return fmt.Errorf("migrate meeting %d: %w", id, err)
		}
		return nil
	}
	c, err := b.store.Call(ctx, id)
	if err == nil {
		move(&c.Channel, c.Card)
		err = b.store.PutCall(ctx, c)
	}
	if err != nil {
		return fmt.Errorf("migrate call %d: %w", id, err)
	}
	return nil
}
