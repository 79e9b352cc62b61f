package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// action runs a button click or a submitted form. Button ids are opaque:
// "m:<meeting>:<verb>[:<row>]", "c:<call>:<verb>", "confirm:<draft>". The
// records they name are loaded and the click is authorized like the
// equivalent command.
func (t *turn) action(ctx context.Context) (Reply, error) {
	if t.req.Contact != nil {
		return t.contact(ctx)
	}
	parts := strings.Split(t.req.Action.ID, ":")
	bad := t.refuse("stale_button", msgStaleButton)
	switch {
	case len(parts) == 2 && parts[0] == "confirm":
		return t.confirm(ctx, parts[1])
	case len(parts) >= 3 && parts[0] == "m":
		id, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			return Reply{}, bad
		}
		m, err := t.b.store.Meeting(ctx, id)
		if errors.Is(err, ErrNotFound) || (err == nil && (m.Platform != t.req.Platform || m.Workspace != t.req.Workspace)) {
			return Reply{}, bad
		}
		if err != nil {
			return Reply{}, err
		}
		if m, err = t.hold(ctx, id); err != nil {
			return Reply{}, err
		}
		return t.meetingAction(ctx, m, parts[2], parts[3:])
	case len(parts) == 3 && parts[0] == "c":
		id, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			return Reply{}, bad
		}
		c, err := t.b.store.Call(ctx, id)
		if errors.Is(err, ErrNotFound) || (err == nil && (c.Platform != t.req.Platform || c.Workspace != t.req.Workspace)) {
			return Reply{}, bad
		}
		if err != nil {
			return Reply{}, err
		}
		return t.callAction(ctx, c, parts[2])
	}
	return Reply{}, bad
}

func (t *turn) meetingAction(ctx context.Context, m *Meeting, verb string, rest []string) (Reply, error) {
	switch verb {
	case "invite":
		me, err := t.me(ctx)
		if err != nil {
			return Reply{}, err
		}
		return t.invite(ctx, me, m, t.req.Action.Parties)
	case "hangup":
		if len(rest) != 1 {
			break
		}
		i, err := strconv.Atoi(rest[0])
		if err != nil || i < 0 || i >= len(m.Parties) {
			break
		}
		return t.hangup(ctx, m, i)
	case "end":
		return t.end(ctx, m)
	case "refresh", "check":
		if _, err := t.me(ctx); err != nil && !t.admin(ctx) {
			return Reply{}, err
		}
		if m.State == MeetingUnknown && m.YTXID == "" {
			t.reconcileMeeting(ctx, m)
		}
		t.refresh(ctx, m)
		if err := t.saveAndEdit(ctx, m); err != nil {
			return Reply{}, err
		}
		return Reply{Text: tr(t.loc, msgRefreshed, "#"+strconv.FormatInt(m.ID, 10), stateText(t.loc, m.State))}, nil
	}
	return Reply{}, t.refuse("stale_button", msgStaleButton)
}

// reconcileMeeting looks for a meeting whose create answer was lost among
// the account's recent meetings, by name and creator, created after the
// request.
func (t *turn) reconcileMeeting(ctx context.Context, m *Meeting) {
	yctx, cancel := t.ytxCtx(ctx)
	defer cancel()
	infos, err := t.b.tel.ListMeetings(yctx, 20)
	if err != nil {
		return
	}
	creator := m.creatorPhone()
	for _, info := range infos {
		if info.Name != m.Title || (info.Creator != "" && info.Creator != creator) {
			continue
		}
		if !info.StartTime.IsZero() && info.StartTime.Before(m.Created.Add(-time.Minute)) {
			continue
		}
		if other, err := t.b.store.MeetingByYTXID(ctx, info.ID); err == nil && other.ID != m.ID {
			continue // already someone else's
		}
		m.YTXID = info.ID
		m.State = ytx.MeetingActive
		if !m.BookedFor.IsZero() {
			m.State = ytx.MeetingBooked
		}
		if m.Started.IsZero() && m.State == ytx.MeetingActive {
			m.Started = orNow(info.StartTime, t.now())
		}
		return
	}
}

func (t *turn) callAction(ctx context.Context, c *Call, verb string) (Reply, error) {
	switch verb {
	case "again":
		if c.Caller != t.identity && !t.admin(ctx) {
			return Reply{}, t.refuse("forbidden", msgNotYourCall)
		}
		to := PartyRef{Kind: PartyPhone, ID: c.To.Phone, Label: MaskPhone(c.To.Phone)}
		if c.To.Identity != "" {
			to = t.refOf(c.To.Identity, c.To.Name)
		}
		cmd := &Command{Root: RootCall, Sub: "dialback", Parties: []PartyRef{to}, Max: c.Max}
		if c.From.Identity != t.identity {
			from := PartyRef{Kind: PartyPhone, ID: c.From.Phone, Label: MaskPhone(c.From.Phone)}
			if c.From.Identity != "" {
				from = t.refOf(c.From.Identity, c.From.Name)
			}
			cmd.From = &from
		}
		return t.callDialBack(ctx, cmd)
	case "refresh", "check":
		c, err := t.b.checkCall(ctx, c.ID)
		if err != nil {
			return Reply{}, err
		}
		t.b.editCard(ctx, c.Card, CallCard(c, t.b.cfg.Locale, t.now()))
		return Reply{Text: tr(t.loc, msgRefreshed, "c"+strconv.FormatInt(c.ID, 10), stateText(t.loc, c.State))}, nil
	}
	return Reply{}, t.refuse("stale_button", msgStaleButton)
}

// refOf turns a stored identity back into a party reference of this
// platform; identities of another platform are rung by number.
func (t *turn) refOf(identity, name string) PartyRef {
	prefix := IdentityOf(t.req.Platform, t.req.Workspace, "")
	if uid, ok := strings.CutPrefix(identity, prefix); ok && t.req.Platform != Console {
		return PartyRef{Kind: PartyUser, ID: uid, Label: name}
	}
	if name, ok := strings.CutPrefix(identity, "console:"); ok && t.req.Platform == Console {
		return PartyRef{Kind: PartyUsername, ID: name, Label: "@" + name}
	}
	return PartyRef{Kind: PartyUser, ID: identity, Label: name}
}

// confirm replays a command the duplicate guard held back, for its author.
func (t *turn) confirm(ctx context.Context, draftID string) (Reply, error) {
	in, err := t.b.store.Intent(ctx, draftID)
	if errors.Is(err, ErrNotFound) || (err == nil && (in.Outcome != "draft" || in.Identity != t.identity)) {
		return Reply{}, t.refuse("stale_button", msgStaleButton)
	}
	if err != nil {
		return Reply{}, err
	}
	in.Outcome = "done"
	if err := t.b.store.PutIntent(ctx, in); err != nil {
		return Reply{}, err
	}
	// The replay is this request: its refusals are audited and its dedupe
	// key goes with the ringing write, like a typed command's.
	req := *t.req
	req.Action, req.Text = nil, in.Command+" --confirm"
	t.req = &req
	return t.command(ctx)
}
