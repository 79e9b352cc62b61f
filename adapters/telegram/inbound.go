package telegram

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/ytxbot/ytxbot/bot"
)

// What a message asks of the bot.
type inboundKind int

const (
	kindCommand inboundKind = iota + 1 // /meet, /call, /phone
	kindStart                          // /start in a private chat
	kindContact                        // a shared contact, in a private chat
	kindInvite                         // an answer to an Invite… prompt
)

type inbound struct {
	kind inboundKind
	text string
	ents []bot.Entity
}

// route decides, in intake order and without I/O, whether an update needs
// work, and returns that work.
func (a *Adapter) route(u *models.Update) func(context.Context) {
	if m := u.Message; m != nil {
		in, ok := a.classify(m)
		if !ok {
			return nil
		}
		return func(ctx context.Context) { a.onMessage(ctx, u.ID, m, in) }
	}
	if cq := u.CallbackQuery; cq != nil {
		return func(ctx context.Context) { a.onCallback(ctx, cq) }
	}
	return nil // edits, channel posts and the rest only teach usernames
}

func isGroup(c models.Chat) bool {
	return c.Type == models.ChatTypeGroup || c.Type == models.ChatTypeSupergroup
}

func (a *Adapter) classify(m *models.Message) (inbound, bool) {
	if m.From == nil || m.From.IsBot {
		return inbound{}, false // bots, anonymous admins, channels
	}
	private := m.Chat.Type == models.ChatTypePrivate
	if !private && !isGroup(m.Chat) {
		return inbound{}, false
	}
	if m.Contact != nil {
		return inbound{kind: kindContact}, private
	}
	if c, ok := findCommand(m.Text, m.Entities, a.username()); ok {
		switch {
		case c.forOther:
			return inbound{}, false
		case c.root == "start":
			return inbound{kind: kindStart}, private
		}
		return inbound{kind: kindCommand, text: c.text, ents: c.ents}, true
	}
	if r := m.ReplyToMessage; r != nil && m.Text != "" {
		if p, ok := a.takePrompt(msgKey{m.Chat.ID, r.ID}, m.From.ID); ok {
			// "/meet invite #12 " + the answer: the core's parser reads its
			// mentions and numbers, and the core authorizes it like a typed
			// invite. The answer's entities move right by the prefix.
			prefix := "/meet invite #" + meetingNumber(p.button) + " "
			return inbound{kind: kindInvite, text: prefix + m.Text, ents: rebase(m.Entities, 0, utf16Len(m.Text), utf16Len(prefix))}, true
		}
	}
	return inbound{}, false
}

// meetingNumber is 12 of the button id "m:12:invite".
func meetingNumber(button string) string {
	parts := strings.Split(button, ":")
	if len(parts) >= 3 && parts[0] == "m" {
		return parts[1]
	}
	return ""
}

func (a *Adapter) isAllowed(chat int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.allowed[chat]
}

func (a *Adapter) allowedChats(first int64) []int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]int64, 0, len(a.allowed))
	if a.allowed[first] {
		out = append(out, first)
	}
	for id := range a.allowed {
		if id != first {
			out = append(out, id)
		}
	}
	return out
}

// onMessage handles a command, /start, a contact, or an invite answer.
func (a *Adapter) onMessage(ctx context.Context, updateID int64, m *models.Message, in inbound) {
	from := m.From
	lang := from.LanguageCode
	where := place{chat: m.Chat.ID, group: isGroup(m.Chat), replyTo: m.ID}
	if where.group && !a.isAllowed(m.Chat.ID) {
		if in.kind == kindCommand {
			a.notEnabled(ctx, where, lang)
		}
		return
	}
	ok, err := a.admitted(ctx, from.ID, m.Chat.ID)
	if err != nil || !ok {
		note := phNotAdmitted
		if err != nil {
			a.log.WarnContext(ctx, "telegram: membership check", "user", from.ID, "err", err)
			note = phCheckFailed
		}
		a.answer(ctx, m, bot.Reply{Text: say(lang, note)}, lang)
		return
	}
	if in.kind == kindStart {
		a.answer(ctx, m, bot.Reply{Text: greeting(lang)}, lang)
		return
	}
	req := &bot.Request{
		ID:          "upd:" + strconv.FormatInt(updateID, 10),
		Platform:    bot.Telegram,
		Channel:     strconv.FormatInt(m.Chat.ID, 10),
		ChannelName: m.Chat.Title,
		ChatType:    bot.ChatPrivate,
		UserID:      strconv.FormatInt(from.ID, 10),
		UserName:    displayName(from),
		Locale:      lang,
		BotUsername: a.username(),
	}
	if where.group {
		req.ChatType = bot.ChatGroup
	}
	switch in.kind {
	case kindContact:
		req.Contact = &bot.Contact{Phone: m.Contact.PhoneNumber}
		if m.Contact.UserID != 0 {
			req.Contact.UserID = strconv.FormatInt(m.Contact.UserID, 10)
		}
	case kindCommand:
		req.Text, req.Entities = in.text, in.ents
		req.ReplyTo = a.replyTarget(m)
	case kindInvite:
		req.Text, req.Entities = in.text, in.ents
	}
	rep := a.core.Handle(ctx, req)
	if in.kind == kindContact {
		// The reply also takes the share keyboard away.
		a.answerWith(ctx, m, rep, lang, &models.ReplyKeyboardRemove{RemoveKeyboard: true})
		return
	}
	a.answer(ctx, m, rep, lang)
}

// replyTarget is the author of the message a command replies to: "/call
// dialback" sent as a reply to Bob rings Bob (SPEC §3). Bots, the sender
// themself and the root message of a forum topic (every message in a topic
// "replies" to it) name nobody.
func (a *Adapter) replyTarget(m *models.Message) *bot.Person {
	r := m.ReplyToMessage
	if r == nil || r.From == nil || r.From.IsBot || r.From.ID == m.From.ID || r.ForumTopicCreated != nil {
		return nil
	}
	return &bot.Person{UserID: strconv.FormatInt(r.From.ID, 10), Name: displayName(r.From)}
}

// notEnabled tells a group that is not in allowed_chats so, at most once
// per chat per 24 hours (SPEC §11).
func (a *Adapter) notEnabled(ctx context.Context, where place, lang string) {
	first, err := a.core.FirstTime(ctx, "tg-chat:"+strconv.FormatInt(where.chat, 10))
	if err != nil {
		a.log.WarnContext(ctx, "telegram: not-enabled note", "chat", where.chat, "err", err)
		return
	}
	if !first {
		return
	}
	p := &tgbot.SendMessageParams{ChatID: where.chat, Text: say(lang, phNotEnabled, where.chat),
		ReplyParameters: &models.ReplyParameters{MessageID: where.replyTo, AllowSendingWithoutReply: true}}
	if _, err := a.sendMessage(ctx, p); err != nil {
		a.log.WarnContext(ctx, "telegram: not-enabled note", "chat", where.chat, "err", err)
	}
}

// admitted reports whether a Telegram user may act (SPEC §7, §11): the
// core knows them (an admin, or mapped), or getChatMember finds them in an
// allowed chat. Answers are cached; an error means nobody could be asked.
func (a *Adapter) admitted(ctx context.Context, userID, chat int64) (bool, error) {
	known, err := a.core.Known(ctx, identity(userID))
	if err != nil {
		a.log.WarnContext(ctx, "telegram: known", "user", userID, "err", err)
	} else if known {
		return true, nil
	}
	return a.member(ctx, userID, chat)
}

// member reports whether getChatMember finds userID in an allowed chat,
// asking chat first when it is one. Answers are cached; an error means
// nobody could be asked.
func (a *Adapter) member(ctx context.Context, userID, chat int64) (bool, error) {
	now := a.clock.Now()
	a.mu.Lock()
	c, cached := a.members[userID]
	a.mu.Unlock()
	if cached && now.Before(c.until) {
		return c.ok, nil
	}
	var lastErr error
	member := false
	for _, id := range a.allowedChats(chat) {
		cm, err := a.api.GetChatMember(ctx, &tgbot.GetChatMemberParams{ChatID: id, UserID: userID})
		switch {
		case errors.Is(err, tgbot.ErrorBadRequest): // not a member, or no such user
			continue
		case errors.Is(err, tgbot.ErrorForbidden): // the bot left that chat: it cannot vouch
			a.log.WarnContext(ctx, "telegram: cannot check members of an allowed chat", "chat", id, "err", err)
			continue
		case err != nil: // transport, 5xx, 429: ask again next time
			lastErr = err
			continue
		}
		if isMember(cm) {
			member = true
			break
		}
	}
	if !member && lastErr != nil {
		return false, lastErr
	}
	ttl := nonMemberTTL
	if member {
		ttl = memberTTL
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.members) >= maxCacheSize {
		clear(a.members)
	}
	a.members[userID] = admission{ok: member, until: now.Add(ttl)}
	return member, nil
}

func isMember(cm *models.ChatMember) bool {
	switch cm.Type {
	case models.ChatMemberTypeOwner, models.ChatMemberTypeAdministrator, models.ChatMemberTypeMember:
		return true
	case models.ChatMemberTypeRestricted:
		return cm.Restricted != nil && cm.Restricted.IsMember
	}
	return false
}

// onCallback handles a button click. Every callback query is answered,
// whatever happens, so the button stops spinning.
func (a *Adapter) onCallback(ctx context.Context, cq *models.CallbackQuery) {
	answered := false
	answer := func(text string, alert bool) {
		if answered {
			return
		}
		answered = true
		if _, err := a.api.AnswerCallbackQuery(ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: text, ShowAlert: alert}); err != nil {
			a.log.WarnContext(ctx, "telegram: answer callback", "err", err)
		}
	}
	defer answer("", false)

	var chat models.Chat
	var msgID int
	switch {
	case cq.Message.Message != nil:
		chat, msgID = cq.Message.Message.Chat, cq.Message.Message.ID
	case cq.Message.InaccessibleMessage != nil:
		chat, msgID = cq.Message.InaccessibleMessage.Chat, cq.Message.InaccessibleMessage.MessageID
	default:
		return // an inline-mode message: none of ours
	}
	lang := cq.From.LanguageCode
	if cq.Data == "" || cq.From.IsBot {
		return
	}
	where := place{chat: chat.ID, group: isGroup(chat), replyTo: msgID}
	if where.group && !a.isAllowed(chat.ID) {
		answer(say(lang, phNotEnabled, chat.ID), true)
		return
	}
	ok, err := a.admitted(ctx, cq.From.ID, chat.ID)
	if err != nil || !ok {
		note := phNotAdmitted
		if err != nil {
			a.log.WarnContext(ctx, "telegram: membership check", "user", cq.From.ID, "err", err)
			note = phCheckFailed
		}
		answer(say(lang, note), true)
		return
	}
	if n := meetingNumber(cq.Data); n != "" && strings.HasSuffix(cq.Data, ":invite") {
		answer("", false)
		a.askInvite(ctx, where, &cq.From, cq.Data, n)
		return
	}
	req := &bot.Request{
		ID:          "cbq:" + cq.ID,
		Platform:    bot.Telegram,
		Channel:     strconv.FormatInt(chat.ID, 10),
		ChannelName: chat.Title,
		ChatType:    bot.ChatPrivate,
		UserID:      strconv.FormatInt(cq.From.ID, 10),
		UserName:    displayName(&cq.From),
		Locale:      lang,
		BotUsername: a.username(),
		Action:      &bot.Action{ID: cq.Data},
	}
	if where.group {
		req.ChatType = bot.ChatGroup
	}
	rep := a.core.Handle(ctx, req)
	if rep.Silent {
		return
	}
	// A toast is shown to the clicker alone, so it may hold their number.
	if rep.Text != "" && len(rep.Buttons) == 0 && !rep.SharePhone && utf8.RuneCountInString(rep.Text) <= 200 {
		answer(rep.Text, false)
		return
	}
	answer("", false)
	a.tell(ctx, where, cq.From.ID, out{text: rep.Text, buttons: rep.Buttons, sharePhone: rep.SharePhone, lang: lang})
}

// askInvite sends the Invite… prompt: a ForceReply message that opens the
// clicker's reply box. The clicker is mentioned so that Selective targets
// them; their answer (and only theirs) becomes an invite.
func (a *Adapter) askInvite(ctx context.Context, where place, from *models.User, button, n string) {
	text := escape(say(from.LanguageCode, phInvitePrompt, n))
	if where.group {
		text = `<a href="tg://user?id=` + strconv.FormatInt(from.ID, 10) + `">` + escape(displayName(from)) + "</a> " + text
	}
	p := &tgbot.SendMessageParams{ChatID: where.chat, Text: text, ParseMode: models.ParseModeHTML,
		ReplyParameters: &models.ReplyParameters{MessageID: where.replyTo, AllowSendingWithoutReply: true},
		ReplyMarkup:     &models.ForceReply{ForceReply: true, Selective: true, InputFieldPlaceholder: say(from.LanguageCode, phInvitePlaceholder)}}
	msg, err := a.sendMessage(ctx, p)
	if err != nil {
		a.log.WarnContext(ctx, "telegram: invite prompt", "chat", where.chat, "err", err)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.clock.Now()
	if len(a.prompts) >= maxCacheSize/10 {
		for k, p := range a.prompts {
			if now.Sub(p.at) > promptTTL {
				delete(a.prompts, k)
			}
		}
	}
	a.prompts[msgKey{msg.Chat.ID, msg.ID}] = prompt{button: button, user: from.ID, at: now}
}

// takePrompt returns and forgets the prompt a message answers, if that
// message comes from the person who clicked Invite… in time.
func (a *Adapter) takePrompt(k msgKey, user int64) (prompt, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.prompts[k]
	if !ok || p.user != user {
		return prompt{}, false
	}
	delete(a.prompts, k)
	if a.clock.Now().Sub(p.at) > promptTTL {
		return prompt{}, false
	}
	return p, true
}
