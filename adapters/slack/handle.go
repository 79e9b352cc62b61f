package slack

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/ytxbot/ytxbot/bot"
)

// This file is what HTTP and Socket Mode share: turning a slash command or
// an interaction into a bot.Request, the 3-second window, and delivering
// replies that come late.

// result is a finished piece of work: the core's reply and the language of
// the person it is for.
type result struct {
	rep bot.Reply
	loc string
}

// window runs work in the background and waits up to AckWithin for it (or
// until ctx ends: the client went away). When the work is done in time,
// its result is returned with ok true. Otherwise ok is false and late is
// called with the result, from the background, once it is ready. The work
// gets a context of its own, detached from ctx and bounded by workTimeout,
// so that answering Slack does not cancel a call being placed.
func (a *Adapter) window(ctx context.Context, work func(context.Context) result, late func(context.Context, result)) (result, bool) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), workTimeout)
	var (
		mu     sync.Mutex
		isLate bool
	)
	done := make(chan result, 1)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer cancel()
		res := work(wctx)
		mu.Lock()
		l := isLate
		if !l {
			done <- res
		}
		mu.Unlock()
		if l {
			late(wctx, res)
		}
	}()
	t := time.NewTimer(a.cfg.AckWithin)
	defer t.Stop()
	select {
	case res := <-done:
		return res, true
	case <-t.C:
	case <-ctx.Done():
	}
	mu.Lock()
	defer mu.Unlock()
	select {
	case res := <-done: // finished while the timer fired
		return res, true
	default:
		isLate = true
		return result{}, false
	}
}

// background runs fn detached from the request that started it.
func (a *Adapter) background(ctx context.Context, fn func(context.Context)) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), workTimeout)
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer cancel()
		fn(wctx)
	}()
}

// chatType: Slack DM channel ids start with D.
func chatType(channel string) bot.ChatType {
	if strings.HasPrefix(channel, "D") {
		return bot.ChatPrivate
	}
	return bot.ChatGroup
}

// ephemeral returns an adapter sentence as a private message.
func ephemeral(loc string, key msgKey, args ...any) *message {
	m := replyMessage(tr(loc, key, args...), nil)
	return &m
}

// checkTeam says whether a request's workspace is the one served, and if
// not what to tell the person.
func (a *Adapter) checkTeam(ctx context.Context, team, kind string) (ok bool, why msgKey) {
	served := a.teamID()
	switch {
	case served == "":
		a.log.WarnContext(ctx, "slack: request before auth.test told the team id", "kind", kind)
		return false, msgNotReady
	case team != served:
		a.log.WarnContext(ctx, "slack: request from another workspace refused", "kind", kind, "team", team)
		a.incident(ctx, bot.IncidentForeignWorkspace, team)
		return false, msgNotEnabled
	}
	return true, 0
}

// command runs a slash command and returns the immediate answer: a
// private message, or nil for an empty acknowledgement. Within AckWithin it
// is the core's reply; later, "Working on it…", and the reply follows
// through response_url.
func (a *Adapter) command(ctx context.Context, sc slackgo.SlashCommand) *message {
	loc := a.cachedLocale(sc.TeamID, sc.UserID)
	if ok, why := a.checkTeam(ctx, sc.TeamID, "command"); !ok {
		return ephemeral(loc, why)
	}
	root, ok := a.roots[sc.Command]
	if !ok {
		a.log.WarnContext(ctx, "slack: unknown slash command", "command", sc.Command)
		return ephemeral(loc, msgUnknownCommand, sc.Command)
	}
	work := func(ctx context.Context) result {
		u := a.user(ctx, sc.TeamID, sc.UserID)
		if u.deleted {
			return result{rep: bot.Reply{Text: tr(u.loc, msgDeactivated)}, loc: u.loc}
		}
		text := "/" + string(root)
		if t := strings.TrimSpace(sc.Text); t != "" {
			text += " " + t
		}
		req := &bot.Request{
			ID:          "cmd:" + sc.TriggerID,
			Platform:    bot.Slack,
			Workspace:   sc.TeamID,
			Channel:     sc.ChannelID,
			ChannelName: sc.ChannelName,
			ChatType:    chatType(sc.ChannelID),
			UserID:      sc.UserID,
			UserName:    sc.UserName,
			Text:        text,
			Locale:      u.loc,
		}
		if sc.TriggerID == "" {
			req.ID = "" // nothing to deduplicate on
		}
		return result{rep: a.h.Handle(ctx, req), loc: u.loc}
	}
	late := func(ctx context.Context, res result) {
		a.post(ctx, sc.ResponseURL, sc.ChannelID, sc.UserID, a.answer(res))
	}
	res, ready := a.window(ctx, work, late)
	if !ready {
		return ephemeral(loc, msgWorking)
	}
	return a.answer(res)
}

// answer renders a core reply as a private message; nil when there is
// nothing to say (a redelivered request).
func (a *Adapter) answer(res result) *message {
	rep := res.rep
	if rep.Silent {
		return nil
	}
	text := rep.Text
	if text == "" && len(rep.Buttons) == 0 {
		if rep.Card == nil {
			return nil
		}
		text = tr(res.loc, msgCardPosted)
	}
	m := replyMessage(text, rep.Buttons)
	return &m
}

// post delivers a private message after the acknowledgement: through the
// request's response_url (ephemeral, not replacing the original), else as
// chat.postEphemeral to the user in the channel.
func (a *Adapter) post(ctx context.Context, responseURL, channel, user string, m *message) {
	if m == nil {
		return
	}
	if responseURL != "" {
		if !a.slackURL(responseURL) {
			a.log.WarnContext(ctx, "slack: response_url is not a Slack URL; not used")
		} else {
			err := slackgo.PostWebhookCustomHTTPContext(ctx, responseURL, a.http, &slackgo.WebhookMessage{
				ResponseType:    slackgo.ResponseTypeEphemeral,
				Text:            m.Text,
				Blocks:          m.Blocks,
				ReplaceOriginal: false,
			})
			if err == nil {
				return
			}
			a.log.WarnContext(ctx, "slack: response_url delivery failed", "err", scrub(err))
		}
	}
	if channel == "" || user == "" {
		return
	}
	opts := []slackgo.MsgOption{slackgo.MsgOptionText(m.Text, false)}
	if m.Blocks != nil {
		opts = append(opts, slackgo.MsgOptionBlocks(m.Blocks.BlockSet...))
	}
	if _, err := a.api.PostEphemeralContext(ctx, channel, user, opts...); err != nil {
		a.log.WarnContext(ctx, "slack: ephemeral reply failed", "channel", channel, "err", scrub(err))
	}
}

// slackURL reports whether u may receive a reply: an https Slack host, or
// the configured API's host (a fake in tests). A response_url is taken from
// a verified request, so this is defence in depth against sending private
// replies anywhere else.
func (a *Adapter) slackURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return false
	}
	host := strings.ToLower(p.Hostname())
	if p.Scheme == "https" && (host == "slack.com" || strings.HasSuffix(host, ".slack.com") ||
		host == "slack-gov.com" || strings.HasSuffix(host, ".slack-gov.com")) {
		return true
	}
	if a.cfg.APIURL != "" {
		if api, err := url.Parse(a.cfg.APIURL); err == nil && api.Scheme == p.Scheme && api.Host == p.Host {
			return true
		}
	}
	return false
}

// scrub drops the URL from a transport error: a response_url is a
// capability that should not end up in logs.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// interaction handles a button click or a form submit and returns the
// acknowledgement's payload: nil for an empty 200, or a view_submission
// response (validation errors). Clicks run in the background; their replies
// go back through response_url.
func (a *Adapter) interaction(ctx context.Context, ic slackgo.InteractionCallback) any {
	team := ic.Team.ID
	if team == "" {
		team = ic.View.TeamID
	}
	if ok, _ := a.checkTeam(ctx, team, string(ic.Type)); !ok {
		return nil
	}
	switch ic.Type {
	case slackgo.InteractionTypeBlockActions:
		for _, act := range ic.ActionCallback.BlockActions {
			if act == nil || act.ActionID == "" {
				continue
			}
			if inviteRE.MatchString(act.ActionID) {
				a.openInvite(ctx, team, ic, act.ActionID)
				continue
			}
			a.click(ctx, team, ic, act)
		}
	case slackgo.InteractionTypeViewSubmission:
		if ic.View.CallbackID == inviteCallbackID {
			if resp := a.submitInvite(ctx, team, ic); resp != nil {
				return resp
			}
		}
	}
	return nil
}

func channelOf(ic slackgo.InteractionCallback) string {
	if ic.Channel.ID != "" {
		return ic.Channel.ID
	}
	return ic.Container.ChannelID
}

// click sends a button click to the core.
func (a *Adapter) click(ctx context.Context, team string, ic slackgo.InteractionCallback, act *slackgo.BlockAction) {
	ts := ic.Container.MessageTs
	if ts == "" {
		ts = ic.Message.Timestamp
	}
	actionTs := act.ActionTs
	if actionTs == "" {
		actionTs = ic.ActionTs
	}
	channel := channelOf(ic)
	a.background(ctx, func(ctx context.Context) {
		u := a.user(ctx, team, ic.User.ID)
		var rep bot.Reply
		if u.deleted {
			rep = bot.Reply{Text: tr(u.loc, msgDeactivated)}
		} else {
			rep = a.h.Handle(ctx, &bot.Request{
				ID:        "act:" + ts + ":" + act.ActionID + ":" + actionTs,
				Platform:  bot.Slack,
				Workspace: team,
				Channel:   channel,
				ChatType:  chatType(channel),
				UserID:    ic.User.ID,
				UserName:  ic.User.Name,
				Locale:    u.loc,
				Action:    &bot.Action{ID: act.ActionID},
			})
		}
		a.post(ctx, ic.ResponseURL, channel, ic.User.ID, a.answer(result{rep: rep, loc: u.loc}))
	})
}

// openInvite shows the Invite… modal. The trigger id lives 3 s, so there
// is no users.info first: the language is what the cache knows.
func (a *Adapter) openInvite(ctx context.Context, team string, ic slackgo.InteractionCallback, actionID string) {
	channel := channelOf(ic)
	loc := a.cachedLocale(team, ic.User.ID)
	a.background(ctx, func(ctx context.Context) {
		_, err := a.api.OpenViewContext(ctx, ic.TriggerID, inviteModal(actionID, channel, loc))
		if err == nil {
			return
		}
		a.log.WarnContext(ctx, "slack: views.open failed", "err", scrub(err))
		ref := "#" + inviteRE.FindStringSubmatch(actionID)[1]
		a.post(ctx, ic.ResponseURL, channel, ic.User.ID, ephemeral(loc, msgModalFailed, a.cfg.Commands.Meet, ref))
	})
}

// submitInvite checks the Invite form. A field it cannot use comes back as
// a validation error on the form, and nothing is sent; a good form closes
// and goes to the core, whose reply reaches the person as an ephemeral
// message in the card's channel.
func (a *Adapter) submitInvite(ctx context.Context, team string, ic slackgo.InteractionCallback) *slackgo.ViewSubmissionResponse {
	var meta inviteMeta
	if err := json.Unmarshal([]byte(ic.View.PrivateMetadata), &meta); err != nil || !inviteRE.MatchString(meta.Action) {
		a.log.WarnContext(ctx, "slack: invite form with unusable metadata")
		return nil
	}
	loc := a.cachedLocale(team, ic.User.ID)
	var users []string
	var field string
	if ic.View.State != nil {
		users = ic.View.State.Values[inviteUsersBlock][inviteUsersID].SelectedUsers
		field = ic.View.State.Values[inviteNumsBlock][inviteNumsID].Value
	}
	nums, err := typedNumbers(field)
	if err != nil {
		var pe *bot.PhoneError
		msg := tr(loc, msgModalOnlyNumbers)
		if errors.As(err, &pe) {
			msg = pe.Message(loc)
		}
		return slackgo.NewErrorsViewSubmissionResponse(map[string]string{inviteNumsBlock: msg})
	}
	if len(nums) > maxTypedNumbers {
		return slackgo.NewErrorsViewSubmissionResponse(map[string]string{inviteNumsBlock: tr(loc, msgModalTooMany, maxTypedNumbers)})
	}
	if len(users) == 0 && len(nums) == 0 {
		return slackgo.NewErrorsViewSubmissionResponse(map[string]string{inviteUsersBlock: tr(loc, msgModalEmpty)})
	}
	a.background(ctx, func(ctx context.Context) {
		u := a.user(ctx, team, ic.User.ID)
		var rep bot.Reply
		if u.deleted {
			rep = bot.Reply{Text: tr(u.loc, msgDeactivated)}
		} else {
			parties := make([]bot.PartyRef, 0, len(users)+len(nums))
			for _, id := range users {
				label := a.user(ctx, team, id).name
				if label == "" {
					label = "<@" + id + ">"
				}
				parties = append(parties, bot.PartyRef{Kind: bot.PartyUser, ID: id, Label: bot.MaskText(label)})
			}
			for _, n := range nums {
				parties = append(parties, bot.PartyRef{Kind: bot.PartyPhone, ID: n, Label: bot.MaskPhone(n)})
			}
			rep = a.h.Handle(ctx, &bot.Request{
				ID:        "view:" + ic.View.ID,
				Platform:  bot.Slack,
				Workspace: team,
				Channel:   meta.Channel,
				ChatType:  chatType(meta.Channel),
				UserID:    ic.User.ID,
				UserName:  ic.User.Name,
				Locale:    u.loc,
				Action:    &bot.Action{ID: meta.Action, Parties: parties},
			})
		}
		a.post(ctx, "", meta.Channel, ic.User.ID, a.answer(result{rep: rep, loc: u.loc}))
	})
	return nil
}

// userInfo is what users.info said about a person.
type userInfo struct {
	loc     string // "en", "zh-CN" or "" (the core's default)
	name    string
	deleted bool   // deactivated
	phone   string // the profile's phone field, as typed
	known   bool   // Slack answered (not a failed lookup's empty value)
	expires time.Time
}

// user looks a person up with users.info (with their locale), cached for
// userTTL. The lookup is bounded by userInfoTimeout so that it cannot eat
// the acknowledgement window. A failed lookup lets the request through with
// the default language: a deactivated account cannot run commands in Slack
// anyway, this is a second line.
func (a *Adapter) user(ctx context.Context, team, userID string) userInfo {
	u, err := a.lookupUser(ctx, team, userID)
	if err != nil {
		a.log.WarnContext(ctx, "slack: users.info failed", "user", userID, "err", err)
	}
	return u
}

// lookupUser is user with the failure told: on error, u is what the cache
// still had (stale or empty) and known is false.
func (a *Adapter) lookupUser(ctx context.Context, team, userID string) (u userInfo, err error) {
	key := team + ":" + userID
	now := a.now()
	a.usersMu.Lock()
	u, ok := a.users[key]
	a.usersMu.Unlock()
	if ok && now.Before(u.expires) {
		return u, nil
	}
	lctx, cancel := context.WithTimeout(ctx, userInfoTimeout)
	defer cancel()
	su, err := a.api.GetUserInfoContext(lctx, userID)
	if err != nil {
		return u, scrub(err)
	}
	u = newUserInfo(su, now)
	a.cacheUsers(now, map[string]userInfo{key: u})
	return u, nil
}

func newUserInfo(su *slackgo.User, now time.Time) userInfo {
	return userInfo{loc: locale(su.Locale), name: displayName(su), deleted: su.Deleted, phone: strings.TrimSpace(su.Profile.Phone),
		known: true, expires: now.Add(userTTL)}
}

// cacheUsers stores users.info or users.list answers, keeping the cache
// bounded.
func (a *Adapter) cacheUsers(now time.Time, us map[string]userInfo) {
	a.usersMu.Lock()
	defer a.usersMu.Unlock()
	if len(a.users)+len(us) > maxUsers {
		for k, v := range a.users {
			if !now.Before(v.expires) {
				delete(a.users, k)
			}
		}
		if len(a.users)+len(us) > maxUsers {
			clear(a.users)
		}
	}
	for k, u := range us {
		a.users[k] = u
	}
}

// cachedLocale is the person's language when users.info was asked lately;
// it does no I/O.
func (a *Adapter) cachedLocale(team, userID string) string {
	a.usersMu.Lock()
	defer a.usersMu.Unlock()
	return a.users[team+":"+userID].loc
}

func displayName(u *slackgo.User) string {
	for _, n := range []string{u.Profile.DisplayName, u.RealName, u.Profile.RealName, u.Name} {
		if n = strings.TrimSpace(n); n != "" {
			return n
		}
	}
	return ""
}
