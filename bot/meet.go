package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// MeetingOpen reports whether a meeting state may still change.
func MeetingOpen(state string) bool {
	switch state {
	case ytx.MeetingBooked, ytx.MeetingActive, MeetingUnknown:
		return true
	}
	return false
}

// lookupMeeting finds a meeting of this workspace by "#12", "12" or its YTX id.
func (t *turn) lookupMeeting(ctx context.Context, ref string) (*Meeting, error) {
	ref = strings.TrimPrefix(ref, "#")
	var m *Meeting
	var err error
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil && id > 0 {
		m, err = t.b.store.Meeting(ctx, id)
	} else {
		err = ErrNotFound
	}
	if errors.Is(err, ErrNotFound) && ref != "" {
		m, err = t.b.store.MeetingByYTXID(ctx, ref)
	}
	if err != nil {
		return nil, err
	}
	if m.Platform != t.req.Platform || m.Workspace != t.req.Workspace {
		return nil, ErrNotFound
	}
	return m, nil
}

// meeting resolves a command's meeting: its ref, else the channel's latest
// open meeting.
func (t *turn) meeting(ctx context.Context, ref string) (*Meeting, error) {
	if ref != "" {
		m, err := t.lookupMeeting(ctx, ref)
		if errors.Is(err, ErrNotFound) {
			return nil, t.refuse("no_meeting", msgNoSuchMeeting, "#"+strings.TrimPrefix(ref, "#"))
		}
		if err != nil {
			return nil, err
		}
		return t.hold(ctx, m.ID)
	}
	ms, err := t.b.store.Meetings(ctx, MeetingFilter{Platform: t.req.Platform, Workspace: t.req.Workspace, Channel: t.channel(), ActiveOnly: true, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, t.refuse("no_meeting", msgNoOpenMeeting)
	}
	return t.hold(ctx, ms[0].ID)
}

// mayManage: the creator and admins.
func (t *turn) mayManage(ctx context.Context, m *Meeting) bool {
	return m.Creator == t.identity || t.admin(ctx)
}

func (t *turn) meetCreate(ctx context.Context, cmd *Command) (Reply, error) {
	t.ringing = "meet.create"
	if !cmd.At.IsZero() {
		t.ringing = "meet.book"
	}
	me, err := t.me(ctx)
	if err != nil {
		return Reply{}, err
	}
	others, notes, err := t.resolve(ctx, cmd.Parties, true)
	if err != nil {
		return Reply{}, err
	}
	if err := t.checkDND(others); err != nil {
		return Reply{}, err
	}
	parties := []resolved{{Participant: Participant{Identity: me.Identity, Name: displayName(me), Phone: me.Phone, State: PartyInvited}, self: true}}
	var targets []string
	for _, r := range others {
		if r.Phone == me.Phone {
			continue
		}
		parties = append(parties, r)
		if !r.self {
			targets = append(targets, r.Phone)
		}
	}
	if len(parties) < 2 {
		return Reply{}, t.refuse("needs_company", msgNeedsCompany)
	}
	if max := t.b.cfg.Policy.MeetingMaxParties; max > 0 && len(parties) > max {
		return Reply{}, t.refuse("too_many_parties", msgTooManyParties, len(parties), max)
	}
	if cmd.At.IsZero() && !cmd.Confirm {
		if dup, err := t.duplicate(ctx, parties); err != nil {
			return Reply{}, err
		} else if dup != nil {
			draft, err := t.newIntent("draft", dup.ID, 0)
			if err != nil {
				return Reply{}, err
			}
			draft.Outcome, draft.Command = "draft", t.req.Text
			if err := t.b.store.PutIntent(ctx, draft); err != nil {
				return Reply{}, err
			}
			e := t.refuse("duplicate", msgDuplicateMeeting, "#"+strconv.FormatInt(dup.ID, 10))
			e.Buttons = []Button{{ID: "confirm:" + draft.ID, Label: tr(t.loc, msgBtnCreateAnyway), Style: "primary"}}
			return Reply{}, e
		}
	}
	hits, err := t.checkLimits(ctx, len(parties), targets)
	if err != nil {
		return Reply{}, err
	}
	kind := "create"
	if !cmd.At.IsZero() {
		kind = "book"
	}
	title := cmd.Title
	if title == "" {
		title = t.req.ChannelName
	}
	if title == "" {
		title = tr(t.loc, msgDefaultTitle)
	}
	// One write before ringing: counters, id, intent and record, so a lost
	// answer can be reconciled.
	var m *Meeting
	var in *Intent
	err = t.claimWrite(ctx, func(w Writer) error {
		id, err := w.NextID("meeting")
		if err != nil {
			return err
		}
		if in, err = t.newIntent(kind, id, 0); err != nil {
			return err
		}
		m = &Meeting{ID: id, Title: title, Platform: t.req.Platform, Workspace: t.req.Workspace, Channel: t.req.Channel,
			Creator: t.identity, State: MeetingUnknown, BookedFor: cmd.At, Created: t.now(), CustomParm: in.ID, IntentID: in.ID}
		for _, p := range parties {
			m.Parties = append(m.Parties, p.Participant)
		}
		if err := w.AddHits(hits, t.now()); err != nil {
			return err
		}
		if err := w.PutIntent(in); err != nil {
			return err
		}
		return w.PutMeeting(m)
	})
	if err != nil {
		return Reply{}, err
	}
	yctx, cancel := t.ytxCtx(ctx)
	defer cancel()
	params := m.params(me.Phone)
	var room *ytx.Meeting
	var ytxErr error
	if cmd.At.IsZero() {
		room, ytxErr = t.b.tel.CreateMeeting(yctx, params)
	} else {
		room, ytxErr = t.b.tel.BookMeeting(yctx, params, cmd.At)
	}
	ctx = context.WithoutCancel(ctx) // what YTX was asked must be stored, whatever happens to the request
	switch {
	case ytxErr == nil:
		m.YTXID, m.Password, m.CallerID = room.ID, room.Password, room.CallerID
		m.State, m.Started = ytx.MeetingActive, t.now()
		if !cmd.At.IsZero() {
			m.State, m.Started = ytx.MeetingBooked, time.Time{}
		}
	case errors.Is(ytxErr, ytx.ErrOutcomeUnknown):
		m.State = MeetingUnknown
	default:
		m.State = MeetingFailed
	}
	entry := t.auditEntry("meet."+kind, m.partyList(), ytxErr, roomID(room))
	// YTX's first events can overtake its answer and reach the record (they
	// find it by CustomParm): add the answer to what is stored, under the
	// record's lock, rather than overwrite it. (Should another command hold
	// it too long, the answer is stored as it is: it must not be lost.)
	if cur, err := t.hold(ctx, m.ID); err == nil {
		cur.YTXID, cur.Password, cur.CallerID = m.YTXID, m.Password, m.CallerID
		if cur.State == MeetingUnknown {
			cur.State = m.State
		}
		if cur.Started.IsZero() {
			cur.Started = m.Started
		}
		m = cur
	}
	if err := t.settle(ctx, in, ytxErr, entry, func(w Writer) error { return w.PutMeeting(m) }); err != nil {
		return Reply{}, err
	}
	if m.State == MeetingFailed {
		if e := t.explain(ytxErr); e != nil {
			return Reply{}, e
		}
		return Reply{}, ytxErr
	}
	rep, err := t.postMeetingCard(ctx, m, true)
	if err != nil {
		return Reply{}, err
	}
	switch {
	case m.State == MeetingUnknown:
		rep.Text = tr(t.loc, msgOutcomeUnknown)
	case !cmd.At.IsZero():
		rep.Text = joinLines(rep.Text, tr(t.loc, msgBooked, "#"+strconv.FormatInt(m.ID, 10), cmd.At.In(t.b.cfg.Location).Format("2006-01-02 15:04")))
	}
	rep.Text = joinLines(rep.Text, strings.Join(notes, "\n"))
	return rep, nil
}

func roomID(m *ytx.Meeting) string {
	if m == nil {
		return ""
	}
	return m.ID
}

func joinLines(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}

// duplicate finds an immediate meeting by the same creator with the same
// set of numbers inside policy.duplicate_window (SPEC §11).
func (t *turn) duplicate(ctx context.Context, parties []resolved) (*Meeting, error) {
	w := t.b.cfg.Policy.DuplicateWindow
	if w <= 0 {
		return nil, nil
	}
	want := make([]string, 0, len(parties))
	for _, p := range parties {
		want = append(want, p.Phone)
	}
	slices.Sort(want)
	ms, err := t.b.store.Meetings(ctx, MeetingFilter{Platform: t.req.Platform, Workspace: t.req.Workspace, Limit: 20})
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Creator != t.identity || !m.BookedFor.IsZero() || t.now().Sub(m.Created) > w || m.State == MeetingFailed {
			continue
		}
		var got []string
		for _, p := range m.Parties {
			got = append(got, p.Phone)
		}
		slices.Sort(got)
		if slices.Equal(got, want) {
			return m, nil
		}
	}
	return nil, nil
}

func (m *Meeting) params(creatorPhone string) *ytx.MeetingParams {
	p := &ytx.MeetingParams{Name: m.Title, Creator: creatorPhone, CustomParm: m.CustomParm}
	for _, pa := range m.Parties {
		p.Parties = append(p.Parties, ytx.Party{Name: pa.Name, Phone: pa.Phone})
	}
	return p
}

func (m *Meeting) creatorPhone() string {
	for _, p := range m.Parties {
		if p.Identity == m.Creator {
			return p.Phone
		}
	}
	if len(m.Parties) > 0 {
		return m.Parties[0].Phone
	}
	return ""
}

// partyList is the audit target: masked numbers.
func (m *Meeting) partyList() string {
	var s []string
	for _, p := range m.Parties {
		s = append(s, MaskPhone(p.Phone))
	}
	return strings.Join(s, ",")
}

func (t *turn) meetInvite(ctx context.Context, cmd *Command) (Reply, error) {
	t.ringing = "meet.invite"
	me, err := t.me(ctx)
	if err != nil {
		return Reply{}, err
	}
	m, err := t.meeting(ctx, cmd.Ref)
	if err != nil {
		return Reply{}, err
	}
	return t.invite(ctx, me, m, t.replyTarget(cmd.Parties))
}

func (t *turn) invite(ctx context.Context, me *User, m *Meeting, refs []PartyRef) (Reply, error) {
	t.ringing = "meet.invite"
	if m.State != ytx.MeetingActive {
		return Reply{}, t.refuse("not_active", msgNotActive, "#"+strconv.FormatInt(m.ID, 10))
	}
	if len(refs) == 0 {
		return Reply{Text: Usage(RootMeet, t.loc)}, nil
	}
	rs, notes, err := t.resolve(ctx, refs, true)
	if err != nil {
		return Reply{}, err
	}
	if err := t.checkDND(rs); err != nil {
		return Reply{}, err
	}
	var fresh []resolved
	var targets []string
	for _, r := range rs {
		if i := m.party(r.Phone); i >= 0 && m.Parties[i].State != ytx.PartyLeft && m.Parties[i].State != ytx.PartyNoAnswer &&
			m.Parties[i].State != ytx.PartyBusy && m.Parties[i].State != ytx.PartyFailed {
			notes = append(notes, tr(t.loc, msgAlreadyIn, r.Name))
			continue
		}
		fresh = append(fresh, r)
		if !r.self {
			targets = append(targets, r.Phone)
		}
	}
	if len(fresh) == 0 {
		return Reply{Text: strings.Join(notes, "\n")}, nil
	}
	if max := t.b.cfg.Policy.MeetingMaxParties; max > 0 && len(m.Parties)+len(fresh) > max {
		return Reply{}, t.refuse("too_many_parties", msgTooManyParties, len(m.Parties)+len(fresh), max)
	}
	hits, err := t.checkLimits(ctx, len(fresh), targets)
	if err != nil {
		return Reply{}, err
	}
	in, err := t.newIntent("invite", m.ID, 0)
	if err != nil {
		return Reply{}, err
	}
	err = t.claimWrite(ctx, func(w Writer) error {
		if err := w.AddHits(hits, t.now()); err != nil {
			return err
		}
		return w.PutIntent(in)
	})
	if err != nil {
		return Reply{}, err
	}
	var parties []ytx.Party
	var masked []string
	for _, r := range fresh {
		parties = append(parties, ytx.Party{Name: r.Name, Phone: r.Phone})
		masked = append(masked, MaskPhone(r.Phone))
	}
	yctx, cancel := t.ytxCtx(ctx)
	defer cancel()
	_, err = t.b.tel.Invite(yctx, m.YTXID, parties, in.ID)
	ctx = context.WithoutCancel(ctx) // what YTX was asked must be stored, whatever happens to the request
	entry := t.auditEntry("meet.invite", strings.Join(masked, ","), err, m.YTXID)
	if serr := t.settle(ctx, in, err, entry, func(Writer) error { return nil }); serr != nil {
		return Reply{}, serr
	}
	if err != nil && !errors.Is(err, ytx.ErrOutcomeUnknown) {
		return Reply{}, t.meetingFailed(ctx, m, err)
	}
	for _, r := range fresh {
		p := r.Participant
		if errors.Is(err, ytx.ErrOutcomeUnknown) {
			p.Reason = tr(t.loc, msgReasonUnknown)
		}
		if i := m.party(p.Phone); i >= 0 {
			m.Parties[i] = p
		} else {
			m.Parties = append(m.Parties, p)
		}
	}
	if err := t.saveAndEdit(ctx, m); err != nil {
		return Reply{}, err
	}
	text := tr(t.loc, msgInvited, len(fresh), "#"+strconv.FormatInt(m.ID, 10))
	if errors.Is(err, ytx.ErrOutcomeUnknown) {
		text = tr(t.loc, msgOutcomeUnknown)
	}
	return Reply{Text: joinLines(text, strings.Join(notes, "\n")), Card: m.Card}, nil
}

// party returns the index of the participant with this number, or -1.
func (m *Meeting) party(phone string) int {
	for i, p := range m.Parties {
		if p.Phone == phone {
			return i
		}
	}
	return -1
}

func (t *turn) meetStatus(ctx context.Context, cmd *Command) (Reply, error) {
	if _, err := t.me(ctx); err != nil && !t.admin(ctx) {
		return Reply{}, err
	}
	m, err := t.meeting(ctx, cmd.Ref)
	if err != nil {
		return Reply{}, err
	}
	t.refresh(ctx, m)
	m.Card = nil // repost: the fresh card replaces the old one for updates
	return t.postMeetingCard(ctx, m, false)
}

// refresh reads the meeting's state from YTX into m. A failed read marks
// the card "state unknown" rather than guessing.
func (t *turn) refresh(ctx context.Context, m *Meeting) error {
	if m.YTXID == "" || !MeetingOpen(m.State) {
		return nil
	}
	yctx, cancel := t.ytxCtx(ctx)
	defer cancel()
	info, err := t.b.tel.QueryMeeting(yctx, m.YTXID)
	m.Refreshed = t.now()
	if err != nil {
		m.Unreadable = true
		t.b.log.WarnContext(ctx, "query meeting", "meeting", m.ID, "err", err)
		return err
	}
	m.Unreadable = false
	ApplyMeetingInfo(m, info, t.now())
	return nil
}

// ApplyMeetingInfo merges YTX's view of a meeting into the record: states
// change only on evidence, and a final state is never undone.
func ApplyMeetingInfo(m *Meeting, info *ytx.MeetingInfo, now time.Time) {
	switch info.State {
	case ytx.MeetingActive:
		if m.State == ytx.MeetingBooked || m.State == MeetingUnknown {
			m.State = ytx.MeetingActive
			if m.Started.IsZero() {
				m.Started = orNow(info.StartTime, now)
			}
		}
	case ytx.MeetingEnded, ytx.MeetingCancelled:
		if MeetingOpen(m.State) {
			m.State = info.State
			m.Ended = orNow(info.EndTime, now)
		}
	}
	for _, p := range info.Parties {
		i := m.party(p.Phone)
		if i < 0 || p.State == "" {
			continue
		}
		cur := &m.Parties[i]
		if partyRank(p.State) < partyRank(cur.State) {
			continue
		}
		cur.State = p.State
		if p.Reason != "" {
			cur.Reason = p.Reason
		}
		if !p.JoinTime.IsZero() {
			cur.Joined = p.JoinTime
		}
		if !p.LeaveTime.IsZero() {
			cur.Left = p.LeaveTime
		}
	}
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}

// partyRank orders participant states so that a late, earlier event never
// replaces a later one (a later "joined" beats an earlier "ringing").
func partyRank(s string) int {
	switch s {
	case PartyInvited, "":
		return 0
	case ytx.PartyCalling:
		return 1
	case ytx.PartyRinging:
		return 2
	case ytx.PartyJoined:
		return 3
	case ytx.PartyLeft, ytx.PartyNoAnswer, ytx.PartyBusy, ytx.PartyFailed:
		return 4
	}
	return 1
}

func (t *turn) meetList(ctx context.Context) (Reply, error) {
	ms, err := t.b.store.Meetings(ctx, MeetingFilter{Platform: t.req.Platform, Workspace: t.req.Workspace, Channel: t.channel(), Limit: 10})
	if err != nil {
		return Reply{}, err
	}
	if len(ms) == 0 {
		return Reply{Text: tr(t.loc, msgNoMeetings)}, nil
	}
	lines := []string{tr(t.loc, msgMeetingsHeader)}
	for _, m := range ms {
		if MeetingOpen(m.State) {
			// As the poller does: under the record's lock, from the record
			// as stored, with the card brought up to date on news.
			// Passed by when a command holds it: it is listed as stored.
			if _, err := t.b.pollMeeting(ctx, m); err != nil && !isYTX(err) && !errors.Is(err, errRecordBusy) {
				return Reply{}, err
			}
			if !MeetingOpen(m.State) {
				t.b.forget(m.ID) // as a poll round would
			}
		}
		when := m.Created
		if !m.BookedFor.IsZero() {
			when = m.BookedFor
		}
		lines = append(lines, fmt.Sprintf("#%d %s · %s · %s · %s", m.ID, MaskText(m.Title), stateText(t.loc, m.State),
			tr(t.loc, msgPeople, len(m.Parties)), when.In(t.b.cfg.Location).Format("01-02 15:04")))
	}
	return Reply{Text: strings.Join(lines, "\n")}, nil
}

func (t *turn) meetHangup(ctx context.Context, cmd *Command) (Reply, error) {
	m, err := t.meeting(ctx, cmd.Ref)
	if err != nil {
		return Reply{}, err
	}
	refs := t.replyTarget(cmd.Parties)
	if len(refs) != 1 {
		return Reply{Text: Usage(RootMeet, t.loc)}, nil
	}
	phone, err := t.partyPhone(ctx, refs[0])
	if err != nil {
		return Reply{}, err
	}
	i := m.party(phone)
	if i < 0 {
		return Reply{}, t.refuse("not_in_meeting", msgNotInMeeting, refs[0].Label)
	}
	return t.hangup(ctx, m, i)
}

// partyPhone finds the number a party reference means, without requiring
// policy on raw numbers (the number is matched against the meeting only).
func (t *turn) partyPhone(ctx context.Context, ref PartyRef) (string, error) {
	if ref.Kind == PartyPhone {
		return ref.ID, nil
	}
	u, err := t.person(ctx, ref)
	if err != nil {
		return "", err
	}
	return u.Phone, nil
}

func (t *turn) hangup(ctx context.Context, m *Meeting, i int) (Reply, error) {
	p := m.Parties[i]
	if !t.mayManage(ctx, m) && p.Identity != t.identity {
		return Reply{}, t.refuse("forbidden", msgOnlyCreatorHangup)
	}
	if m.State != ytx.MeetingActive {
		return Reply{}, t.refuse("not_active", msgNotActive, "#"+strconv.FormatInt(m.ID, 10))
	}
	yctx, cancel := t.ytxCtx(ctx)
	defer cancel()
	_, err := t.b.tel.Hangup(yctx, m.YTXID, p.Phone)
	ctx = context.WithoutCancel(ctx) // what YTX was asked must be stored, whatever happens to the request
	t.audit(ctx, "meet.hangup", MaskPhone(p.Phone), err, m.YTXID)
	if err != nil {
		return Reply{}, t.meetingFailed(ctx, m, err)
	}
	m.Parties[i].State, m.Parties[i].Left = ytx.PartyLeft, t.now()
	m.Parties[i].Reason = tr(t.loc, msgReasonHungUp)
	if err := t.saveAndEdit(ctx, m); err != nil {
		return Reply{}, err
	}
	return Reply{Text: tr(t.loc, msgHungUp, p.Name), Card: m.Card}, nil
}

// meetingFailed explains a failed action on a tracked meeting. YTX does not
// say which code means "ended", so any refusal but rate limiting may mean it
// ended: the meeting is refreshed and its card brought up to date.
func (t *turn) meetingFailed(ctx context.Context, m *Meeting, err error) error {
	var ae *ytx.APIError
	if errors.As(err, &ae) && ae.Code != ytx.CodeRateLimited {
		t.refresh(ctx, m)
		if serr := t.saveAndEdit(ctx, m); serr != nil {
			return serr
		}
		return t.refuse("maybe_ended", msgMaybeEnded, "#"+strconv.FormatInt(m.ID, 10), t.explain(err).Message)
	}
	if e := t.explain(err); e != nil {
		return e
	}
	return err
}

func (t *turn) meetEnd(ctx context.Context, cmd *Command) (Reply, error) {
	m, err := t.meeting(ctx, cmd.Ref)
	if err != nil {
		return Reply{}, err
	}
	return t.end(ctx, m)
}

func (t *turn) end(ctx context.Context, m *Meeting) (Reply, error) {
	if !t.mayManage(ctx, m) {
		return Reply{}, t.refuse("forbidden", msgOnlyCreator)
	}
	if m.State != ytx.MeetingActive {
		return Reply{}, t.refuse("not_active", msgNotActive, "#"+strconv.FormatInt(m.ID, 10))
	}
	yctx, cancel := t.ytxCtx(ctx)
	defer cancel()
	_, err := t.b.tel.DestroyMeeting(yctx, m.YTXID)
	ctx = context.WithoutCancel(ctx) // what YTX was asked must be stored, whatever happens to the request
	t.audit(ctx, "meet.end", "#"+strconv.FormatInt(m.ID, 10), err, m.YTXID)
	if err != nil {
		return Reply{}, t.meetingFailed(ctx, m, err)
	}
	m.State, m.Ended = ytx.MeetingEnded, t.now()
	for i := range m.Parties {
		if p := &m.Parties[i]; partyRank(p.State) < partyRank(ytx.PartyLeft) {
			p.State, p.Left, p.Reason = ytx.PartyLeft, t.now(), tr(t.loc, msgReasonEnded)
		}
	}
	if err := t.saveAndEdit(ctx, m); err != nil {
		return Reply{}, err
	}
	return Reply{Text: tr(t.loc, msgEnded, "#"+strconv.FormatInt(m.ID, 10)), Card: m.Card}, nil
}

func (t *turn) bookedMeeting(ctx context.Context, ref string) (*Meeting, error) {
	if ref == "" {
		return nil, &Error{Code: "usage", Message: Usage(RootMeet, t.loc)}
	}
	m, err := t.meeting(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !t.mayManage(ctx, m) {
		return nil, t.refuse("forbidden", msgOnlyCreator)
	}
	if m.State != ytx.MeetingBooked {
		return nil, t.refuse("not_booked", msgNotBooked, "#"+strconv.FormatInt(m.ID, 10))
	}
	return m, nil
}

func (t *turn) meetReschedule(ctx context.Context, cmd *Command) (Reply, error) {
	m, err := t.bookedMeeting(ctx, cmd.Ref)
	if err != nil {
		return Reply{}, err
	}
	if cmd.At.IsZero() {
		return Reply{Text: Usage(RootMeet, t.loc)}, nil
	}
	yctx, cancel := t.ytxCtx(ctx)
	defer cancel()
	_, err = t.b.tel.EditBooking(yctx, m.YTXID, m.params(m.creatorPhone()), cmd.At)
	ctx = context.WithoutCancel(ctx) // what YTX was asked must be stored, whatever happens to the request
	t.audit(ctx, "meet.reschedule", "#"+strconv.FormatInt(m.ID, 10), err, m.YTXID)
	if err != nil {
		if e := t.explain(err); e != nil {
			return Reply{}, e
		}
		return Reply{}, err
	}
	m.BookedFor = cmd.At
	if err := t.saveAndEdit(ctx, m); err != nil {
		return Reply{}, err
	}
	return Reply{Text: tr(t.loc, msgBooked, "#"+strconv.FormatInt(m.ID, 10), cmd.At.In(t.b.cfg.Location).Format("2006-01-02 15:04")), Card: m.Card}, nil
}

func (t *turn) meetCancel(ctx context.Context, cmd *Command) (Reply, error) {
	m, err := t.bookedMeeting(ctx, cmd.Ref)
	if err != nil {
		return Reply{}, err
	}
	yctx, cancel := t.ytxCtx(ctx)
	defer cancel()
	err = t.b.tel.CancelBooking(yctx, m.YTXID, m.params(m.creatorPhone()))
	ctx = context.WithoutCancel(ctx) // what YTX was asked must be stored, whatever happens to the request
	t.audit(ctx, "meet.cancel", "#"+strconv.FormatInt(m.ID, 10), err, m.YTXID)
	if err != nil {
		if e := t.explain(err); e != nil {
			return Reply{}, e
		}
		return Reply{}, err
	}
	m.State, m.Ended = ytx.MeetingCancelled, t.now()
	if err := t.saveAndEdit(ctx, m); err != nil {
		return Reply{}, err
	}
	return Reply{Text: tr(t.loc, msgCancelled, "#"+strconv.FormatInt(m.ID, 10)), Card: m.Card}, nil
}
