package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// ErrNotInChannel is what a Notifier wraps when the bot may not post in the
// channel (Slack not_in_channel): the person is asked to invite the bot.
var ErrNotInChannel = errors.New("bot is not in the channel")

// maxHangupButtons: beyond this many rows a card gets no per-row buttons
// (SPEC §11), so it stays within the platforms' block limits.
const maxHangupButtons = 10

// MeetingCard builds the card of a meeting as of now, in loc.
func MeetingCard(m *Meeting, loc string, now time.Time) *Card {
	c := &Card{Kind: MeetingKind, Locale: loc, Title: MaskText(m.Title), Ref: "#" + strconv.FormatInt(m.ID, 10),
		Room: m.YTXID, CallerID: m.CallerID, BookedFor: m.BookedFor, Status: stateText(loc, m.State), Updated: now}
	final := !MeetingOpen(m.State)
	c.Final = final
	switch {
	case final && !m.Started.IsZero() && !m.Ended.IsZero():
		c.Duration = m.Ended.Sub(m.Started)
	case m.State == ytx.MeetingActive && !m.Started.IsZero():
		c.Elapsed = now.Sub(m.Started)
	}
	if m.Unreadable {
		c.Note = tr(loc, msgStateUnknown, m.Refreshed.Format("15:04"))
	}
	id := strconv.FormatInt(m.ID, 10)
	for i, p := range m.Parties {
		row := CardRow{Name: MaskText(p.Name), Number: MaskPhone(p.Phone), State: stateText(loc, p.State), Reason: p.Reason}
		if m.State == ytx.MeetingActive && partyRank(p.State) < 4 && len(m.Parties) <= maxHangupButtons {
			row.Hangup = &Button{ID: "m:" + id + ":hangup:" + strconv.Itoa(i), Label: tr(loc, msgBtnHangup), Style: "danger"}
		}
		c.Rows = append(c.Rows, row)
	}
	switch m.State {
	case ytx.MeetingActive:
		c.Buttons = []Button{
			{ID: "m:" + id + ":invite", Label: tr(loc, msgBtnInvite), Style: "primary"},
			{ID: "m:" + id + ":end", Label: tr(loc, msgBtnEnd), Style: "danger"},
			{ID: "m:" + id + ":refresh", Label: tr(loc, msgBtnRefresh)},
		}
	case ytx.MeetingBooked:
		c.Buttons = []Button{{ID: "m:" + id + ":refresh", Label: tr(loc, msgBtnRefresh)}}
	case MeetingUnknown:
		c.Note = tr(loc, msgCardUnknown)
		c.Buttons = []Button{{ID: "m:" + id + ":check", Label: tr(loc, msgBtnCheck)}}
	}
	return c
}

// CallCard builds the card of a dial-back call.
func CallCard(cl *Call, loc string, now time.Time) *Card {
	id := strconv.FormatInt(cl.ID, 10)
	c := &Card{Kind: CallKind, Locale: loc, Title: tr(loc, msgCallTitle, MaskText(cl.From.Name), MaskText(cl.To.Name)),
		Ref: "c" + id, Status: stateText(loc, cl.State), Duration: cl.Duration, Updated: now}
	c.Rows = []CardRow{
		{Name: MaskText(cl.From.Name), Number: MaskPhone(cl.From.Phone), State: stateText(loc, cl.From.State), Reason: cl.From.Reason},
		{Name: MaskText(cl.To.Name), Number: MaskPhone(cl.To.Phone), State: stateText(loc, cl.To.State), Reason: cl.To.Reason},
	}
	switch cl.State {
	case CallUnknown:
		c.Note = tr(loc, msgCardUnknown)
		c.Buttons = []Button{{ID: "c:" + id + ":check", Label: tr(loc, msgBtnCheck)}}
	case CallEnded, CallFailed:
		c.Final = true
		c.Buttons = []Button{{ID: "c:" + id + ":again", Label: tr(loc, msgBtnCallAgain)}}
	default:
		c.Buttons = []Button{{ID: "c:" + id + ":again", Label: tr(loc, msgBtnCallAgain)}, {ID: "c:" + id + ":refresh", Label: tr(loc, msgBtnRefresh)}}
	}
	return c
}

// postMeetingCard posts a meeting's card; stored says the record is already
// in the store as the card shows it (else it is stored first: a click on the
// fresh card must find the meeting as the card says it is).
func (t *turn) postMeetingCard(ctx context.Context, m *Meeting, stored bool) (Reply, error) {
	if !stored {
		if err := t.b.store.PutMeeting(ctx, m); err != nil {
			return Reply{}, err
		}
	}
	card := MeetingCard(m, t.b.cfg.Locale, t.now())
	posted := t.b.evidence(m)
	rep, ref := t.post(ctx, card)
	// While the card was on its way, a push or the poller may have stored
	// what it learned (the record has its YTX id by now): add the card to
	// the record as stored, under its lock, rather than overwrite it, or
	// the card reference or the news would be lost. (A command that read
	// the meeting through t.meeting holds the lock already.)
	fresh, err := t.hold(ctx, m.ID)
	var busy *Error
	if errors.As(err, &busy) && busy.Code == "busy" {
		// Another command has held it too long: the card is out, so keep
		// its reference rather than lose it to a refusal.
		fresh, err = t.b.store.Meeting(ctx, m.ID)
	}
	if err != nil {
		return Reply{}, err
	}
	*m = *fresh
	if ref != nil {
		m.Card = ref
		m.Channel = ref.Channel // a Telegram group may have moved while posting
	}
	if err := t.b.store.PutMeeting(ctx, m); err != nil {
		return Reply{}, err
	}
	if ref != nil && t.b.evidence(m) != posted {
		t.b.editCard(ctx, m.Card, MeetingCard(m, t.b.cfg.Locale, t.now())) // the news came after the card
	}
	rep.Card = m.Card
	return rep, nil
}

// post puts a card in the request's channel. When it cannot, the person
// still learns the result privately.
func (t *turn) post(ctx context.Context, card *Card) (Reply, *CardRef) {
	n := t.b.notifier(t.req.Platform)
	if n == nil {
		return Reply{Text: card.Text()}, nil
	}
	ref, err := n.PostCard(ctx, Destination{Platform: t.req.Platform, Workspace: t.req.Workspace, Channel: t.req.Channel}, card)
	if err != nil {
		if errors.Is(err, ErrNotInChannel) {
			return Reply{Text: joinLines(tr(t.loc, msgInviteMe), card.Text())}, nil
		}
		t.b.log.ErrorContext(ctx, "post card", "platform", t.req.Platform, "err", err)
		return Reply{Text: joinLines(tr(t.loc, msgCardFailed), card.Text())}, nil
	}
	return Reply{}, ref
}

// saveAndEdit stores a meeting and brings its card up to date. A failed
// edit is logged: the record is what matters, the next edit catches up.
func (t *turn) saveAndEdit(ctx context.Context, m *Meeting) error {
	if err := t.b.store.PutMeeting(ctx, m); err != nil {
		return err
	}
	t.b.editCard(ctx, m.Card, MeetingCard(m, t.b.cfg.Locale, t.now()))
	return t.b.summarize(ctx, m)
}

// summarize posts the end-of-meeting summary once: how long it lasted and
// who attended (SPEC §5). Attendance without any evidence says so.
func (b *Bot) summarize(ctx context.Context, m *Meeting) error {
	if m.State != ytx.MeetingEnded || m.Summarized || m.Card == nil {
		return nil
	}
	loc := b.cfg.Locale
	c := &Card{Kind: MeetingKind, Locale: loc, Title: tr(loc, msgSummaryTitle, MaskText(m.Title)),
		Ref: "#" + strconv.FormatInt(m.ID, 10), Status: stateText(loc, m.State), Final: true, Updated: b.now()}
	if !m.Started.IsZero() && m.Ended.After(m.Started) {
		c.Duration = m.Ended.Sub(m.Started)
	}
	var attended []string
	evidence := false
	for _, p := range m.Parties {
		if p.State != PartyInvited {
			evidence = true
		}
		if !p.Joined.IsZero() || p.State == ytx.PartyJoined {
			attended = append(attended, MaskText(p.Name))
		}
	}
	switch {
	case !evidence:
		c.Note = tr(loc, msgAttendanceUnknown)
	case len(attended) == 0:
		c.Note = tr(loc, msgAttendedNobody)
	default:
		c.Note = tr(loc, msgAttended, strings.Join(attended, ", "))
	}
	n := b.notifier(m.Card.Platform)
	if n == nil {
		return nil
	}
	// Posted, then marked: a failed post is tried again at the meeting's
	// next change or refresh (its callers hold the record's lock, so two
	// cannot both post); a crash in between may post it twice, which is
	// better than never.
	if _, err := n.PostCard(ctx, Destination{Platform: m.Card.Platform, Workspace: m.Card.Workspace, Channel: m.Card.Channel}, c); err != nil {
		b.log.WarnContext(ctx, "post summary", "meeting", m.ID, "err", err)
		return nil
	}
	m.Summarized = true
	return b.store.PutMeeting(ctx, m)
}

func (b *Bot) editCard(ctx context.Context, ref *CardRef, card *Card) {
	if ref == nil {
		return
	}
	b.edits.edit(ctx, ref, card)
}

// sendEdit hands one edit to the platform.
func (b *Bot) sendEdit(ctx context.Context, ref *CardRef, card *Card) {
	n := b.notifier(ref.Platform)
	if n == nil {
		return
	}
	if err := n.EditCard(ctx, ref, card); err != nil {
		b.log.WarnContext(ctx, "edit card", "platform", ref.Platform, "err", err)
	}
}

// stateText names a meeting, call or participant state in loc.
func stateText(loc, state string) string {
	key, ok := stateKeys[state]
	if !ok {
		return state
	}
	return tr(loc, key)
}

var stateKeys = map[string]msgKey{
	ytx.MeetingBooked: msgStBooked, ytx.MeetingActive: msgStActive, ytx.MeetingEnded: msgStEnded,
	ytx.MeetingCancelled: msgStCancelled, MeetingUnknown: msgStUnknown, MeetingExpired: msgStExpired, MeetingFailed: msgStFailed, // the same words as the call states
	PartyInvited: msgStInvited, ytx.PartyCalling: msgStRinging, ytx.PartyRinging: msgStRinging, ytx.PartyJoined: msgStJoined,
	ytx.PartyLeft: msgStLeft, ytx.PartyNoAnswer: msgStNoAnswer, ytx.PartyBusy: msgStBusy,
	CallPlaced: msgStPlaced, CallUntracked: msgStUntracked, CallConnected: msgStConnected,
}
