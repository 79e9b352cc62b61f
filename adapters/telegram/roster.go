package telegram

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/ytxbot/ytxbot/bot"
)

// The adapter is the core's Roster for Telegram: a user who left every
// allowed chat is offboarded. Telegram shows no profile phone to bots; a
// number comes from /phone share.

var _ bot.Roster = (*Adapter)(nil)

// Active is false for a user getChatMember finds in none of the allowed
// chats. With no allowed chat configured there is nothing to judge by.
func (a *Adapter) Active(ctx context.Context, _, userID string) (bool, error) {
	id, err := strconv.ParseInt(userID, 10, 64)
	if err != nil {
		return false, fmt.Errorf("telegram: user id %q: %w", userID, err)
	}
	if len(a.allowedChats(0)) == 0 {
		return true, nil
	}
	return a.member(ctx, id, 0)
}

// ProfilePhone is always "": the Bot API does not show a user's number.
func (a *Adapter) ProfilePhone(context.Context, string, string) (string, error) { return "", nil }

// incidentTimeout bounds reporting an incident (it may post an alert).
const incidentTimeout = 5 * time.Second

// incident tells the core about a request refused before it reached it.
func (a *Adapter) incident(ctx context.Context, kind, detail string) {
	r, ok := a.core.(bot.IncidentReporter)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), incidentTimeout)
	defer cancel()
	r.Incident(ctx, bot.Telegram, kind, detail)
}
