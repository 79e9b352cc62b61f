package bot

import (
	"fmt"
	"strings"
	"time"
)

// Reply is what the person who asked is told, always privately: a Slack
// ephemeral message, a Telegram private chat (or a masked group reply), a
// console line. Cards go to the channel separately, through the Notifier.
//
// Text may hold full phone numbers, for their owner or an admin. An adapter
// that has to show it where others can read (a Telegram group when no
// private chat exists) must pass it through MaskText first.
type Reply struct {
	Text          string
	Buttons       []Button // e.g. "Create anyway", "Check again"
	Silent        bool     // nothing to say: a redelivered request, a command for another bot
	DeleteCommand bool     // the command carried a phone number: delete it where others can see it
	Card          *CardRef // the card this command posted, if any
	SharePhone    bool     // Telegram: offer the "Share my phone number" keyboard
}

// Button is a clickable action. ID is opaque and looked up in the store when
// clicked; it never carries a phone number.
type Button struct {
	ID    string
	Label string
	Style string // "", "primary", "danger"
}

// Error is a refusal or failure whose Message can be shown to the person.
// Every other error is logged and shown as "internal error".
type Error struct {
	Code    string // stable, for tests and metrics: "not_mapped", "rate_limited", …
	Message string // localised, complete, no secret, numbers masked
	Buttons []Button
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// CardKind tells a meeting card from a call card.
type CardKind int

// Card kinds.
const (
	MeetingKind CardKind = iota
	CallKind
	AlertKind // an incident for the admins' alert channel
)

// Card is the live status message of one meeting or call, platform-neutral.
// Adapters render it (Block Kit, Telegram HTML, console text); Text renders
// it as plain text for the console and for notification fallbacks.
type Card struct {
	Kind      CardKind
	Locale    string
	Title     string
	Ref       string // "#12" or "c42"
	Room      string // the YTX meeting id
	CallerID  string // the number the room calls from (provider number: unmasked)
	BookedFor time.Time
	Status    string // localised headline: "in progress", "ended", "placed", …
	Rows      []CardRow
	Elapsed   time.Duration // as of the last edit
	Duration  time.Duration // at the end
	Note      string        // e.g. "state unknown · refreshed 10:42"
	Final     bool
	Buttons   []Button
	Updated   time.Time
}

// CardRow is one participant line.
type CardRow struct {
	Name   string
	Number string // masked
	State  string // localised
	Reason string
	Hangup *Button // per-participant Hang up button, when allowed
}

// Text renders the card as plain lines, the way the console shows it.
func (c *Card) Text() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "[%s] %s", c.Ref, c.Title)
	if c.Status != "" {
		fmt.Fprintf(&sb, " · %s", c.Status)
	}
	sb.WriteString("\n")
	var meta []string
	if c.Room != "" {
		meta = append(meta, tr(c.Locale, msgCardRoom, c.Room))
	}
	if c.CallerID != "" {
		meta = append(meta, tr(c.Locale, msgCardCallsFrom, c.CallerID))
	}
	if !c.BookedFor.IsZero() {
		meta = append(meta, tr(c.Locale, msgCardBooked, c.BookedFor.Format("2006-01-02 15:04")))
	}
	if c.Duration > 0 {
		meta = append(meta, tr(c.Locale, msgCardDuration, fmtDuration(c.Duration)))
	} else if c.Elapsed > 0 {
		meta = append(meta, tr(c.Locale, msgCardElapsed, fmtDuration(c.Elapsed)))
	}
	if len(meta) > 0 {
		sb.WriteString("  " + strings.Join(meta, " · ") + "\n")
	}
	for _, r := range c.Rows {
		line := fmt.Sprintf("  - %s %s: %s", r.Name, r.Number, r.State)
		if r.Reason != "" {
			line += " (" + r.Reason + ")"
		}
		sb.WriteString(line + "\n")
	}
	if c.Note != "" {
		sb.WriteString("  " + c.Note + "\n")
	}
	if len(c.Buttons) > 0 {
		var labels []string
		for _, b := range c.Buttons {
			labels = append(labels, "["+b.Label+"]")
		}
		sb.WriteString("  " + strings.Join(labels, " ") + "\n")
	}
	return strings.TrimRight(sb.String(), "\n")
}

func fmtDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}
