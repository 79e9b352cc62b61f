package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

func (t *turn) callDialBack(ctx context.Context, cmd *Command) (Reply, error) {
	t.ringing = "call.dialback"
	refs := t.replyTarget(cmd.Parties)
	if len(refs) != 1 {
		return Reply{Text: Usage(RootCall, t.loc)}, nil
	}
	var from resolved
	if cmd.From != nil {
		if !t.admin(ctx) {
			return Reply{}, t.refuse("forbidden", msgFromAdminsOnly)
		}
		rs, _, err := t.resolve(ctx, []PartyRef{*cmd.From}, false)
		if err != nil {
			return Reply{}, err
		}
		if len(rs) != 1 {
			return Reply{}, t.refuse("bad_party", msgBadParty, cmd.From.Label)
		}
		from = rs[0]
	} else {
		me, err := t.me(ctx)
		if err != nil {
			return Reply{}, err
		}
		from = resolved{Participant: Participant{Identity: me.Identity, Name: displayName(me), Phone: me.Phone}, self: true}
	}
	rs, _, err := t.resolve(ctx, refs, false)
	if err != nil {
		return Reply{}, err
	}
	if len(rs) != 1 {
		return Reply{}, t.refuse("one_party", msgOneParty)
	}
	to := rs[0]
	if to.Phone == from.Phone {
		return Reply{}, t.refuse("same_number", msgSameNumber)
	}
	if err := t.checkDND([]resolved{from, to}); err != nil {
		return Reply{}, err
	}
	p := t.b.cfg.Policy
	max := p.DialbackDefaultMax
	if cmd.Max != 0 {
		if cmd.Max <= time.Minute || (p.DialbackCeiling > 0 && cmd.Max > p.DialbackCeiling) {
			return Reply{}, t.refuse("bad_max", msgBadMax, fmtDuration(p.DialbackCeiling))
		}
		max = cmd.Max
	}
	if p.DialbackCeiling > 0 && max > p.DialbackCeiling {
		max = p.DialbackCeiling
	}
	var targets []string
	for _, r := range []resolved{from, to} {
		if !r.self {
			targets = append(targets, r.Phone)
		}
	}
	hits, err := t.checkLimits(ctx, 2, targets)
	if err != nil {
		return Reply{}, err
	}
	// One write before ringing: counters, id, intent and record, so a lost
	// answer can be reconciled and nothing is rung twice.
	var c *Call
	var in *Intent
	err = t.claimWrite(ctx, func(w Writer) error {
		id, err := w.NextID("call")
		if err != nil {
			return err
		}
		if in, err = t.newIntent("dialback", 0, id); err != nil {
			return err
		}
		c = &Call{ID: id, CustomParm: in.ID, IntentID: in.ID, Platform: t.req.Platform, Workspace: t.req.Workspace, Channel: t.req.Channel,
			Caller: t.identity, From: from.Participant, To: to.Participant, Max: max, State: CallUnknown, Created: t.now()}
		c.From.State, c.To.State = PartyInvited, PartyInvited
		if err := w.AddHits(hits, t.now()); err != nil {
			return err
		}
		if err := w.PutIntent(in); err != nil {
			return err
		}
		return w.PutCall(c)
	})
	if err != nil {
		return Reply{}, err
	}
	yctx, cancel := t.ytxCtx(ctx)
	defer cancel()
	res, ytxErr := t.b.tel.DialBack(yctx, &ytx.DialBackParams{From: from.Phone, To: to.Phone, MaxDuration: max, CustomParm: in.ID})
	ctx = context.WithoutCancel(ctx) // what YTX was asked must be stored, whatever happens to the request
	requestID := ""
	if res != nil {
		requestID = res.RequestID
	}
	switch {
	case ytxErr == nil:
		c.RequestID, c.State = requestID, CallPlaced
		if requestID == "" {
			c.State = CallUntracked
		}
	case errors.Is(ytxErr, ytx.ErrOutcomeUnknown):
		c.State = CallUnknown
	default:
		c.State, c.Ended = CallFailed, t.now()
	}
	// One write after: the outcome, the audit entry and the record with its
	// card. The card goes out first (its buttons only re-read the call), so
	// the reference is stored in the same write.
	entry := t.auditEntry("call.dialback", MaskPhone(from.Phone)+"→"+MaskPhone(to.Phone), ytxErr, requestID)
	var rep Reply
	var posted string
	if c.State != CallFailed {
		var ref *CardRef
		posted = CallCard(c, t.b.cfg.Locale, c.Created).Text() // the clock frozen, as HandlePush compares
		rep, ref = t.post(ctx, CallCard(c, t.b.cfg.Locale, t.now()))
		if ref != nil {
			c.Card, c.Channel = ref, ref.Channel
		}
		rep.Card = c.Card
	}
	// Pushes may have reached the record already (a call record matches by
	// CustomParm): merge into what is stored rather than overwrite it.
	unlock := t.b.records.lock("c", c.ID)
	if cur, err := t.b.store.Call(ctx, c.ID); err == nil && (cur.State != CallUnknown || cur.From.State != PartyInvited || cur.To.State != PartyInvited) {
		cur.RequestID, cur.Card, cur.Channel = c.RequestID, c.Card, c.Channel
		if cur.State == CallUnknown {
			cur.State = c.State
		}
		c = cur
	}
	err = t.settle(ctx, in, ytxErr, entry, func(w Writer) error { return w.PutCall(c) })
	if err == nil && c.Card != nil {
		// News that came while the card was on its way is on the record only.
		if CallCard(c, t.b.cfg.Locale, c.Created).Text() != posted {
			t.b.editCard(ctx, c.Card, CallCard(c, t.b.cfg.Locale, t.now()))
		}
	}
	unlock()
	if err != nil {
		return Reply{}, err
	}
	if c.RequestID != "" {
		t.b.replayPushes(ctx, c)
	}
	switch c.State {
	case CallFailed:
		if e := t.explain(ytxErr); e != nil {
			return Reply{}, e
		}
		return Reply{}, ytxErr
	case CallUnknown:
		rep.Text = tr(t.loc, msgOutcomeUnknown)
	}
	return rep, nil
}

func (t *turn) callStatus(ctx context.Context, cmd *Command) (Reply, error) {
	var c *Call
	if cmd.CallID != "" {
		id, err := strconv.ParseInt(strings.TrimPrefix(strings.ToLower(cmd.CallID), "c"), 10, 64)
		if err == nil {
			c, err = t.b.store.Call(ctx, id)
		}
		if err != nil || c.Platform != t.req.Platform || c.Workspace != t.req.Workspace {
			return Reply{}, t.refuse("no_call", msgNoSuchCall, cmd.CallID)
		}
		if c.Caller != t.identity && !t.admin(ctx) && c.From.Identity != t.identity && c.To.Identity != t.identity {
			return Reply{}, t.refuse("forbidden", msgNotYourCall)
		}
	} else {
		cs, err := t.b.store.Calls(ctx, CallFilter{Platform: t.req.Platform, Workspace: t.req.Workspace, Channel: t.channel(), Caller: t.identity, Limit: 1})
		if err != nil {
			return Reply{}, err
		}
		if len(cs) == 0 {
			return Reply{}, t.refuse("no_call", msgNoCalls)
		}
		c = cs[0]
	}
	card := CallCard(c, t.loc, t.now())
	return Reply{Text: card.Text()}, nil
}
