package bot

import (
	"context"
	"errors"
	"strings"
)

// Roster is what a platform knows of its people that the store does not.
// Adapters provide one (RegisterRoster); without it every stored mapping
// counts and there is no profile fallback.
type Roster interface {
	// Active is false for an account that is gone: a deactivated Slack
	// user, a Telegram user who left every allowed chat. Their mapping is
	// then treated as absent (offboarding) until they come back.
	Active(ctx context.Context, workspace, userID string) (bool, error)
	// ProfilePhone is the number the platform's profile shows, or "" when
	// there is none or the fallback is off (slack.profile_phone_fallback).
	ProfilePhone(ctx context.Context, workspace, userID string) (string, error)
}

// WithRoster registers a platform's roster.
func WithRoster(p Platform, r Roster) Option {
	return func(b *Bot) error { b.RegisterRoster(p, r); return nil }
}

// RegisterRoster sets a platform's roster; like RegisterNotifier it may be
// called after New.
func (b *Bot) RegisterRoster(p Platform, r Roster) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rosters[p] = r
}

func (b *Bot) roster(p Platform) Roster {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.rosters[p]
}

// SplitIdentity is IdentityOf backwards.
func SplitIdentity(identity string) (p Platform, workspace, userID string) {
	ps, rest, _ := strings.Cut(identity, ":")
	p = Platform(ps)
	if p == Slack {
		workspace, userID, _ = strings.Cut(rest, ":")
		return p, workspace, userID
	}
	return p, "", rest
}

// Active reports whether identity's account is still there. A roster that
// cannot tell (the platform is unreachable) counts as yes: the mapping was
// made by a person, and an outage of Slack must not stop calls.
func (b *Bot) Active(ctx context.Context, identity string) bool {
	p, ws, uid := SplitIdentity(identity)
	r := b.roster(p)
	if r == nil {
		return true
	}
	ok, err := r.Active(ctx, ws, uid)
	if err != nil {
		b.log.WarnContext(ctx, "roster: cannot tell whether an account is active", "platform", p, "err", err)
		return true
	}
	return ok
}

// errOffboarded marks a mapping whose account is gone.
var errOffboarded = errors.New("account gone")

// mapped returns identity's user with a number to ring: the stored
// mapping unless the account is gone, else the number on the platform
// profile when the adapter offers one (used, never stored). ErrNotFound
// when there is none; errOffboarded when the account is gone.
func (b *Bot) mapped(ctx context.Context, identity string) (*User, error) {
	u, err := b.store.User(ctx, identity)
	switch {
	case errors.Is(err, ErrNotFound) || (err == nil && u.Phone == ""):
	case err != nil:
		return nil, err
	default:
		if !b.Active(ctx, identity) {
			return nil, errOffboarded
		}
		return u, nil
	}
	p, ws, uid := SplitIdentity(identity)
	r := b.roster(p)
	if r == nil {
		return nil, ErrNotFound
	}
	raw, perr := r.ProfilePhone(ctx, ws, uid)
	if perr != nil || raw == "" {
		if perr != nil {
			b.log.WarnContext(ctx, "roster: profile phone", "platform", p, "err", perr)
		}
		return nil, ErrNotFound
	}
	phone, perr := NormalizePhone(raw, PhoneOptions{AllowInternational: b.cfg.Policy.AllowInternational})
	if perr != nil {
		return nil, ErrNotFound // a profile number we cannot ring is no number
	}
	if u == nil {
		u = &User{Identity: identity}
	}
	u.Phone = phone
	return u, nil
}

// StaleUsers returns the mapped users whose accounts are gone, asking each
// platform's roster (for `ytxbot phone export --stale`). Identities of a
// platform without a roster are not judged.
func StaleUsers(ctx context.Context, users []*User, rosters map[Platform]Roster) ([]*User, error) {
	for _, r := range rosters {
		// One bulk listing beats a lookup per person (Slack users.list).
		if rf, ok := r.(interface{ Refresh(context.Context) error }); ok {
			if err := rf.Refresh(ctx); err != nil {
				return nil, err
			}
		}
	}
	var out []*User
	for _, u := range users {
		if u.Phone == "" {
			continue
		}
		p, ws, uid := SplitIdentity(u.Identity)
		r := rosters[p]
		if r == nil {
			continue
		}
		ok, err := r.Active(ctx, ws, uid)
		if err != nil {
			return nil, err
		}
		if !ok {
			out = append(out, u)
		}
	}
	return out, nil
}
