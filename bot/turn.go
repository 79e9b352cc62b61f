package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// turn is one request being handled.
type turn struct {
	b        *Bot
	req      *Request
	loc      string
	identity string
	dedupe   string // the request's dedupe key, until written

	// ringing names the ringing action being attempted ("call.dialback",
	// "meet.create", "meet.invite") and targets its masked numbers once
	// resolved, so that a refusal is audited like the action would be.
	ringing string
	targets []string
	names   map[string]string // number → display name, for refusals

	held map[stripe]func() // record locks this turn holds until it ends
}

// hold takes meeting id's record lock for the rest of the turn (once: a
// second hold of the same stripe is a no-op) and reads the meeting as
// stored. A command changes a meeting between reading it and storing it,
// often around a YTX request; holding the lock meanwhile keeps the pushes
// and polls that arrive from being overwritten by the command's copy.
// Another command holding it is waited for, at most twice the YTX timeout;
// then the person is told to try again.
func (t *turn) hold(ctx context.Context, id int64) (*Meeting, error) {
	s := t.b.records.stripe("m", id)
	if _, ok := t.held[s]; !ok {
		wctx, cancel := context.WithTimeout(ctx, 2*t.b.cfg.Timeout)
		unlock, err := t.b.records.lockCtx(wctx, "m", id)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, t.refuse("busy", msgMeetingBusy, "#"+strconv.FormatInt(id, 10))
		}
		if t.held == nil {
			t.held = map[stripe]func(){}
		}
		t.held[s] = unlock
	}
	return t.b.store.Meeting(ctx, id)
}

// release lets go of the record locks the turn holds.
func (t *turn) release() {
	for _, unlock := range t.held {
		unlock()
	}
	t.held = nil
}

func (t *turn) now() time.Time { return t.b.now() }

// refuse builds a user error in the request's language.
func (t *turn) refuse(code string, key msgKey, args ...any) *Error {
	return &Error{Code: code, Message: tr(t.loc, key, args...)}
}

func (t *turn) admin(ctx context.Context) bool { return t.b.isAdmin(ctx, t.identity) }

func (t *turn) command(ctx context.Context) (Reply, error) {
	pc := ParseContext{
		Now:                t.now(),
		Location:           t.b.cfg.Location,
		AllowInternational: t.b.cfg.Policy.AllowInternational,
		Entities:           t.req.Entities,
		IsMeetingRef:       func(s string) bool { _, err := t.lookupMeeting(ctx, s); return err == nil },
		BotUsername:        t.req.BotUsername,
		NotSlack:           t.req.Platform != Slack,
	}
	cmd, err := Parse(t.req.Text, pc)
	if err != nil {
		var ue *UsageError
		if errors.As(err, &ue) {
			if ue.Kind == ErrNotForUs {
				return Reply{Silent: true}, nil
			}
			t.refusedNumber(ctx, ue)
			return Reply{Text: ue.Message(t.loc)}, nil
		}
		return Reply{}, err
	}
	return t.dispatch(ctx, cmd)
}

func (t *turn) dispatch(ctx context.Context, cmd *Command) (Reply, error) {
	switch cmd.Root {
	case RootMeet:
		switch cmd.Sub {
		case "create":
			return t.meetCreate(ctx, cmd)
		case "invite":
			return t.meetInvite(ctx, cmd)
		case "status":
			return t.meetStatus(ctx, cmd)
		case "list":
			return t.meetList(ctx)
		case "hangup":
			return t.meetHangup(ctx, cmd)
		case "end":
			return t.meetEnd(ctx, cmd)
		case "reschedule":
			return t.meetReschedule(ctx, cmd)
		case "cancel":
			return t.meetCancel(ctx, cmd)
		}
	case RootCall:
		switch cmd.Sub {
		case "dialback":
			return t.callDialBack(ctx, cmd)
		case "status":
			return t.callStatus(ctx, cmd)
		}
	case RootPhone:
		switch cmd.Sub {
		case "set":
			return t.phoneSet(ctx, cmd)
		case "show":
			return t.phoneShow(ctx, cmd)
		case "remove":
			return t.phoneRemove(ctx, cmd)
		case "list":
			return t.phoneList(ctx)
		case "dnd":
			return t.phoneDND(ctx, cmd)
		case "admin":
			return t.phoneAdmin(ctx, cmd)
		case "share":
			return t.phoneShare(ctx)
		}
	}
	return Reply{Text: Usage(cmd.Root, t.loc)}, nil
}

// me returns the caller's mapping, refusing when there is no number.
func (t *turn) me(ctx context.Context) (*User, error) {
	u, err := t.b.mapped(ctx, t.identity)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, t.refuse("not_mapped", msgYouNotMapped)
	case errors.Is(err, errOffboarded):
		return nil, t.refuse("offboarded", msgYouOffboarded)
	case err != nil:
		return nil, err
	}
	if err := t.allowed(u.Phone); err != nil {
		return nil, err
	}
	return u, nil
}

// allowed applies policy.number_allow to a number entering a request.
func (t *turn) allowed(phone string) error {
	if t.b.cfg.Policy.NumberAllowed(phone) {
		return nil
	}
	return t.refuse("number_not_allowed", msgNumberNotAllowed, MaskPhone(phone))
}

// resolved is a party with its number and who it is.
type resolved struct {
	Participant
	self bool
	dnd  bool
}

// resolve turns party references into numbers. Unmapped or unknown people
// refuse the whole command; group members without a number are skipped
// and listed in notes. ext allows landline extensions (meetings).
func (t *turn) resolve(ctx context.Context, refs []PartyRef, ext bool) ([]resolved, []string, error) {
	var out []resolved
	var notes []string
	seen := map[string]bool{}
	add := func(r resolved) {
		if !seen[r.Phone] {
			seen[r.Phone] = true
			out = append(out, r)
			t.targets = append(t.targets, MaskPhone(r.Phone))
			if t.names == nil {
				t.names = map[string]string{}
			}
			t.names[r.Phone] = r.Name
		}
	}
	for _, ref := range refs {
		switch ref.Kind {
		case PartyPhone:
			if !t.b.cfg.Policy.AllowRawNumbers && !t.admin(ctx) {
				return nil, nil, t.refuse("raw_numbers_off", msgRawNumbersOff)
			}
			phone := ref.ID
			if !ext && strings.Contains(phone, ",") {
				return nil, nil, t.refuse("extension", msgNoExtension, MaskPhone(phone))
			}
			if err := t.allowed(phone); err != nil {
				return nil, nil, err
			}
			r := resolved{Participant: Participant{Name: MaskPhone(phone), Phone: phone, State: PartyInvited}}
			// A typed number that belongs to someone keeps their protection.
			if ids, err := t.b.store.IdentitiesByPhone(ctx, phone); err == nil {
				for _, id := range ids {
					if u, err := t.b.store.User(ctx, id); err == nil {
						r.Identity, r.Name, r.dnd = u.Identity, displayName(u), r.dnd || u.DND
						r.self = r.self || id == t.identity
					}
				}
			}
			add(r)
		case PartyGroup:
			dir := t.b.directory(t.req.Platform)
			if dir == nil {
				return nil, nil, t.refuse("no_groups", msgNoGroups, ref.Label)
			}
			members, err := dir.GroupMembers(ctx, t.req.Workspace, ref.ID)
			if err != nil {
				return nil, nil, fmt.Errorf("group %s: %w", ref.ID, err)
			}
			for _, uid := range members {
				id := IdentityOf(t.req.Platform, t.req.Workspace, uid)
				u, err := t.b.mapped(ctx, id)
				switch {
				case errors.Is(err, errOffboarded):
					notes = append(notes, tr(t.loc, msgSkippedOffboarded, "<@"+uid+">"))
				case err != nil:
					notes = append(notes, tr(t.loc, msgSkippedUnmapped, "<@"+uid+">"))
				case u.DND && id != t.identity:
					notes = append(notes, tr(t.loc, msgSkippedDND, displayName(u)))
				case t.allowed(u.Phone) != nil:
					notes = append(notes, tr(t.loc, msgSkippedNotAllowed, displayName(u)))
				default:
					add(resolved{Participant: Participant{Identity: id, Name: displayName(u), Phone: u.Phone, State: PartyInvited}, self: id == t.identity})
				}
			}
		default:
			u, err := t.person(ctx, ref)
			if err != nil {
				return nil, nil, err
			}
			if err := t.allowed(u.Phone); err != nil {
				return nil, nil, err
			}
			add(resolved{Participant: Participant{Identity: u.Identity, Name: displayName(u), Phone: u.Phone, State: PartyInvited}, self: u.Identity == t.identity, dnd: u.DND})
		}
	}
	return out, notes, nil
}

// identityOf names the identity a user or username reference points to.
func (t *turn) identityOf(ctx context.Context, ref PartyRef) (string, error) {
	switch ref.Kind {
	case PartyUser:
		return IdentityOf(t.req.Platform, t.req.Workspace, ref.ID), nil
	case PartyUsername:
		if t.req.Platform == Console {
			return IdentityOf(Console, "", ref.ID), nil
		}
		id, err := t.b.store.Username(ctx, t.req.Platform, ref.ID)
		if errors.Is(err, ErrNotFound) {
			return "", t.refuse("unknown_user", msgUnknownUsername, ref.Label)
		}
		return id, err
	}
	return "", t.refuse("bad_party", msgBadParty, ref.Label)
}

// person resolves a user reference to a mapped user.
func (t *turn) person(ctx context.Context, ref PartyRef) (*User, error) {
	id, err := t.identityOf(ctx, ref)
	if err != nil {
		return nil, err
	}
	u, err := t.b.mapped(ctx, id)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, t.refuse("party_not_mapped", msgPartyNotMapped, ref.Label)
	case errors.Is(err, errOffboarded):
		return nil, t.refuse("party_offboarded", msgPartyOffboarded, ref.Label)
	case err != nil:
		return nil, err
	}
	if u.Name == "" {
		u.Name = strings.TrimPrefix(ref.Label, "@")
	}
	return u, nil
}

// channel is the request's channel for "this channel's" lookups. A
// request without one sees nothing: an empty filter field means "every
// channel", and lists must never show another channel's meetings.
func (t *turn) channel() string {
	if t.req.Channel == "" {
		return "\x00none"
	}
	return t.req.Channel
}

// nameOf is how a refusal names the owner of a number: their display
// name when resolved, else the masked number.
func (t *turn) nameOf(phone string) string {
	if n := t.names[phone]; n != "" {
		return n
	}
	return MaskPhone(phone)
}

func displayName(u *User) string {
	if u.Name != "" {
		return MaskText(u.Name)
	}
	_, id, _ := strings.Cut(u.Identity, ":")
	if i := strings.LastIndex(id, ":"); i >= 0 {
		id = id[i+1:]
	}
	return MaskText(id)
}

// replyTarget is the Telegram reply-to author as a party, when a command
// names nobody.
func (t *turn) replyTarget(refs []PartyRef) []PartyRef {
	if len(refs) == 0 && t.req.ReplyTo != nil && t.req.Platform == Telegram {
		return []PartyRef{{Kind: PartyUser, ID: t.req.ReplyTo.UserID, Label: t.req.ReplyTo.Name}}
	}
	return refs
}

// checkDND refuses when a party chose not to be rung at others' request.
func (t *turn) checkDND(rs []resolved) error {
	for _, r := range rs {
		if r.dnd && !r.self {
			return t.refuse("dnd", msgDND, r.Name)
		}
	}
	return nil
}

// checkLimits applies the hourly, per-target and global limits to rings
// about to be sent and returns the counter keys to record with the intent
// (SPEC §11: counted at send time).
func (t *turn) checkLimits(ctx context.Context, rings int, targets []string) ([]string, error) {
	p, now := t.b.cfg.Policy, t.now()
	st := t.b.store
	if p.CallsPerUserPerHour > 0 {
		n, err := st.Hits(ctx, "user:"+t.identity, now.Add(-time.Hour))
		if err != nil {
			return nil, err
		}
		if n+rings > p.CallsPerUserPerHour {
			return nil, t.limited(ctx, t.refuse("rate_limited", msgUserLimit, p.CallsPerUserPerHour))
		}
	}
	if p.RingsPerTargetPerHour > 0 {
		for _, phone := range targets {
			n, err := st.Hits(ctx, "target:"+phone, now.Add(-time.Hour))
			if err != nil {
				return nil, err
			}
			if n+1 > p.RingsPerTargetPerHour {
				return nil, t.limited(ctx, t.refuse("target_limited", msgTargetLimit, t.nameOf(phone), p.RingsPerTargetPerHour))
			}
		}
	}
	if p.CallsPerMinuteGlobal > 0 {
		n, err := st.Hits(ctx, "global", now.Add(-time.Minute))
		if err != nil {
			return nil, err
		}
		if n+rings > p.CallsPerMinuteGlobal {
			return nil, t.limited(ctx, t.refuse("global_limited", msgGlobalLimit))
		}
	}
	keys := make([]string, 0, 2*rings+len(targets))
	for range rings {
		keys = append(keys, "user:"+t.identity, "global")
	}
	for _, phone := range targets {
		keys = append(keys, "target:"+phone)
	}
	return keys, nil
}

// newIntent builds the intent record of a ringing request; the caller
// stores it with the request's other writes. Its id is also the CustomParm
// YTX echoes in pushes.
func (t *turn) newIntent(kind string, meetingID, callID int64) (*Intent, error) {
	var rnd [4]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	prefix := "m" + strconv.FormatInt(meetingID, 10)
	if callID != 0 {
		prefix = "c" + strconv.FormatInt(callID, 10)
	}
	return &Intent{ID: prefix + "-" + hex.EncodeToString(rnd[:]), Kind: kind, Identity: t.identity,
		MeetingID: meetingID, CallID: callID, Created: t.now(), Outcome: "pending"}, nil
}

// errRedelivered: another delivery of the same request got to ring first.
var errRedelivered = errors.New("bot: request already handled")

// claimWrite is a ringing request's first write, before YTX is asked: fn's
// writes and the request's dedupe key land in one commit, so that the key
// costs no commit of its own and two deliveries racing to ring cannot both
// get past it.
func (t *turn) claimWrite(ctx context.Context, fn func(w Writer) error) error {
	key, at := t.dedupe, t.now()
	err := t.b.store.Write(ctx, func(w Writer) error {
		if key != "" {
			first, err := w.MarkSeen(key, at)
			if err != nil {
				return err
			}
			if !first {
				return errRedelivered
			}
		}
		return fn(w)
	})
	if err == nil {
		t.dedupe = ""
	}
	return err
}

// settle stores, in one write, what a ringing request's answer decided: the
// intent's outcome, the audit entry and the record (put).
func (t *turn) settle(ctx context.Context, in *Intent, ytxErr error, e AuditEntry, put func(Writer) error) error {
	switch {
	case ytxErr == nil:
		in.Outcome = "done"
	case errors.Is(ytxErr, ytx.ErrOutcomeUnknown):
		in.Outcome = "unknown"
	default:
		in.Outcome = "failed"
	}
	return t.b.store.Write(ctx, func(w Writer) error {
		if err := w.PutIntent(in); err != nil {
			return err
		}
		if err := w.AddAudit(e); err != nil {
			return err
		}
		return put(w)
	})
}

// auditEntry describes an action and how YTX answered it.
func (t *turn) auditEntry(action, target string, err error, requestID string) AuditEntry {
	result := "ok"
	switch {
	case errors.Is(err, ytx.ErrOutcomeUnknown):
		result = "unknown"
	case err != nil:
		var ae *ytx.APIError
		if errors.As(err, &ae) {
			result = "error: ytx " + ae.Code
		} else {
			result = "error"
		}
	}
	return AuditEntry{At: t.now(), Actor: t.identity, Action: action, Target: target, Result: result, RequestID: requestID}
}

// audit records an action that writes nothing else.
func (t *turn) audit(ctx context.Context, action, target string, err error, requestID string) {
	if aerr := t.b.store.AddAudit(ctx, t.auditEntry(action, target, err, requestID)); aerr != nil {
		t.b.log.ErrorContext(ctx, "audit", "err", aerr)
	}
}

// ytxCtx bounds one YTX request.
func (t *turn) ytxCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, t.b.cfg.Timeout, errors.New("ytx request took too long"))
}

// explain turns a YTX failure into a sentence for the person: never raw
// JSON, never a secret.
func (t *turn) explain(err error) *Error {
	var ae *ytx.APIError
	switch {
	case errors.Is(err, ytx.ErrOutcomeUnknown):
		return t.refuse("outcome_unknown", msgOutcomeUnknown)
	case errors.As(err, &ae):
		switch ae.Code {
		case ytx.CodeRateLimited:
			return t.refuse("ytx_rate_limited", msgYTXRateLimited)
		case ytx.CodeBadAuthorization, ytx.CodeBadAuthToken, ytx.CodeNoSuchAccount, ytx.CodeAccountDisabled, ytx.CodeAppCheckFailed:
			t.alertYTX(ae)
			return t.refuse("ytx_account", msgYTXAccount, ae.Code)
		case ytx.CodeLowBalance:
			t.alertYTX(ae)
			return t.refuse("ytx_balance", msgYTXBalance)
		case ytx.CodeInvalidNumber, ytx.CodeInvalidPhone:
			return t.refuse("ytx_number", msgYTXNumber)
		}
		en, zh, _ := ae.Explain()
		if t.loc == "zh-CN" {
			return t.refuse("ytx_error", msgYTXOther, ae.Code, zh)
		}
		return t.refuse("ytx_error", msgYTXOther, ae.Code, en)
	case errors.Is(err, ytx.ErrTransport), errors.Is(err, context.DeadlineExceeded):
		return t.refuse("ytx_unreachable", msgYTXUnreachable)
	}
	return nil
}

// alertYTX reports an account-level YTX refusal to the admins: they, not
// the person who asked, can fix it.
func (t *turn) alertYTX(ae *ytx.APIError) {
	en, zh, advice := ae.Explain()
	what := en
	if t.b.cfg.Locale == "zh-CN" {
		what = zh
	}
	t.b.alert(context.Background(), "ytx:"+ae.Code, tr(t.b.cfg.Locale, msgAlertYTX, ae.Code, what, advice))
}

// limited reports a limit refusal to the admins and returns it.
func (t *turn) limited(ctx context.Context, e *Error) *Error {
	t.b.alert(ctx, e.Code+":"+t.identity, tr(t.b.cfg.Locale, msgAlertLimit, t.identity, e.Message))
	return e
}
