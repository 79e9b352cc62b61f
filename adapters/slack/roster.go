package slack

import (
	"context"
	"fmt"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/ytxbot/ytxbot/bot"
)

// The adapter is the core's Roster for Slack: deactivated accounts are
// offboarded, and with Config.ProfilePhoneFallback an unmapped person is
// rung on their profile's phone.

// Active is false for a deactivated account (users.info, cached).
func (a *Adapter) Active(ctx context.Context, workspace, userID string) (bool, error) {
	if err := a.checkDestination(bot.Slack, workspace); err != nil {
		return false, err
	}
	u, err := a.lookupUser(ctx, workspace, userID)
	if err != nil && !u.known {
		return false, fmt.Errorf("slack: users.info %s: %w", userID, err)
	}
	return !u.deleted, nil
}

// ProfilePhone is the phone field of an active person's profile, when the
// fallback is on.
func (a *Adapter) ProfilePhone(ctx context.Context, workspace, userID string) (string, error) {
	if !a.cfg.ProfilePhoneFallback {
		return "", nil
	}
	if err := a.checkDestination(bot.Slack, workspace); err != nil {
		return "", err
	}
	u, err := a.lookupUser(ctx, workspace, userID)
	if err != nil && !u.known {
		return "", fmt.Errorf("slack: users.info %s: %w", userID, err)
	}
	if u.deleted {
		return "", nil
	}
	return u.phone, nil
}

// Person is one account of the workspace as users.list shows it.
type Person struct {
	TeamID  string
	UserID  string
	Name    string
	Phone   string // the profile's phone field, as typed
	Deleted bool
	Bot     bool
}

// People lists the workspace's accounts (users.list, paginated, Slack's
// rate limits waited out) and refreshes the users.info cache with them.
func (a *Adapter) People(ctx context.Context) ([]Person, error) {
	us, err := a.api.GetUsersContext(ctx, slackgo.GetUsersOptionLimit(200))
	if err != nil {
		return nil, fmt.Errorf("slack: users.list: %w", scrub(err))
	}
	team := a.teamID()
	now := a.now()
	out := make([]Person, 0, len(us))
	cache := make(map[string]userInfo, len(us))
	for i := range us {
		su := &us[i]
		if team == "" {
			team = su.TeamID
		}
		out = append(out, Person{TeamID: team, UserID: su.ID, Name: displayName(su), Phone: strings.TrimSpace(su.Profile.Phone), Deleted: su.Deleted, Bot: su.IsBot || su.ID == "USLACKBOT"})
		cache[team+":"+su.ID] = newUserInfo(su, now)
	}
	if len(cache) <= maxUsers { // a bigger workspace would only thrash the cache
		a.cacheUsers(now, cache)
	}
	return out, nil
}

// peopleEvery is how often Run refills the users.info cache from
// users.list: a little before its entries expire, so that looking up a
// party (is the account still active?) rarely costs a Slack round trip.
// 10,000 people are 50 pages: well within users.list's rate limit.
const peopleEvery = userTTL - time.Minute

// keepPeople refills the cache until ctx ends. A failure costs only
// users.info lookups later.
func (a *Adapter) keepPeople(ctx context.Context) {
	for {
		if _, err := a.People(ctx); err != nil && ctx.Err() == nil {
			a.log.WarnContext(ctx, "slack: users.list failed; people are looked up one by one", "err", err)
		}
		t := time.NewTimer(peopleEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Refresh fills the users.info cache with one users.list, so that judging
// every mapping (ytxbot phone export --stale) is not a lookup per person.
func (a *Adapter) Refresh(ctx context.Context) error {
	_, err := a.People(ctx)
	return err
}

// incident tells the core about a request refused before it reached it, in
// the background: the refusal must not wait for an alert to be posted.
func (a *Adapter) incident(ctx context.Context, kind, detail string) {
	r, ok := a.h.(bot.IncidentReporter)
	if !ok {
		return
	}
	a.background(ctx, func(ctx context.Context) { r.Incident(ctx, bot.Slack, kind, detail) })
}
