package telegram

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/ytxbot/ytxbot/bot"
)

// place is where a message or click came from.
type place struct {
	chat    int64
	group   bool
	replyTo int // the message a group answer replies to
}

// out is a private answer: the core's Reply, or a note of the adapter.
type out struct {
	text       string
	buttons    []bot.Button
	sharePhone bool
	markup     models.ReplyMarkup // when set, replaces the markup the fields above make
	lang       string
}

// maxText keeps a message under Telegram's 4096-character limit.
const maxText = 4000

func (a *Adapter) answer(ctx context.Context, m *models.Message, rep bot.Reply, lang string) {
	a.answerWith(ctx, m, rep, lang, nil)
}

// answerWith renders the core's reply to message m. In a group a message
// that carries a phone number is deleted first (the core asks with
// DeleteCommand; the adapter checks too, since refusals do not carry the
// flag) and the answer says so when the deletion worked.
func (a *Adapter) answerWith(ctx context.Context, m *models.Message, rep bot.Reply, lang string, markup models.ReplyMarkup) {
	if rep.Silent {
		return
	}
	where := place{chat: m.Chat.ID, group: isGroup(m.Chat), replyTo: m.ID}
	text := rep.Text
	if where.group && (rep.DeleteCommand || bot.MaskText(m.Text) != m.Text) && a.deleteMessage(ctx, m.Chat.ID, m.ID) {
		text = joinLines(text, say(lang, phDeleted))
	}
	a.tell(ctx, where, m.From.ID, out{text: text, buttons: rep.Buttons, sharePhone: rep.SharePhone, markup: markup, lang: lang})
}

func joinLines(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n\n" + b
}

// tell sends an answer privately (SPEC §4): in a private chat, there; from
// a group, to the person's private chat with the bot when they have opened
// one, else (or when that fails, e.g. 403 because they blocked the bot) as
// a reply in the group with every number masked.
func (a *Adapter) tell(ctx context.Context, where place, user int64, o out) {
	if o.text == "" && len(o.buttons) == 0 {
		return
	}
	if !where.group {
		a.sendText(ctx, &tgbot.SendMessageParams{ChatID: where.chat, Text: clip(o.text), ReplyMarkup: o.replyMarkup(true)})
		return
	}
	if a.hasPrivate(user) {
		_, err := a.sendMessage(ctx, &tgbot.SendMessageParams{ChatID: user, Text: clip(o.text), ReplyMarkup: o.replyMarkup(true)})
		if err == nil {
			return
		}
		if errors.Is(err, tgbot.ErrorForbidden) {
			a.forgetPrivate(user)
		}
		a.log.InfoContext(ctx, "telegram: private answer failed; answering in the group, masked", "user", user, "err", err)
	}
	a.sendText(ctx, &tgbot.SendMessageParams{ChatID: where.chat, Text: clip(bot.MaskText(o.text)), ReplyMarkup: o.replyMarkup(false),
		ReplyParameters: &models.ReplyParameters{MessageID: where.replyTo, AllowSendingWithoutReply: true}})
}

func (a *Adapter) sendText(ctx context.Context, p *tgbot.SendMessageParams) {
	if _, err := a.sendMessage(ctx, p); err != nil {
		a.log.WarnContext(ctx, "telegram: answer", "chat", p.ChatID, "err", err)
	}
}

// replyMarkup is the keyboard of an answer, or nil. The share keyboard
// exists only in private chats (Telegram offers request_contact only there);
// button labels shown in a group are masked like the text.
func (o out) replyMarkup(private bool) models.ReplyMarkup {
	switch {
	case o.markup != nil:
		return o.markup
	case o.sharePhone && private:
		return &models.ReplyKeyboardMarkup{Keyboard: [][]models.KeyboardButton{{{Text: say(o.lang, phShareButton), RequestContact: true}}},
			OneTimeKeyboard: true, ResizeKeyboard: true}
	}
	var row []models.InlineKeyboardButton
	for _, b := range o.buttons {
		if !validData(b.ID) {
			continue
		}
		label := b.Label
		if !private {
			label = bot.MaskText(label)
		}
		row = append(row, models.InlineKeyboardButton{Text: label, CallbackData: b.ID})
	}
	if len(row) == 0 {
		return nil // a nil interface: no reply_markup field at all
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{row}}
}

// validData: Telegram takes 1 to 64 bytes of callback_data. The core's ids
// are far shorter; a button that breaks the rule is dropped, not cut.
func validData(id string) bool { return id != "" && len(id) <= 64 }

func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxText {
		return s
	}
	r := []rune(s)
	return string(r[:maxText-1]) + "…"
}

func (a *Adapter) hasPrivate(user int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.private[user]
}

func (a *Adapter) forgetPrivate(user int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.private, user)
}

// deleteMessage deletes a message and reports whether it could: the bot
// needs the right to delete messages in the group, and without it the
// message stays (no error for the person).
func (a *Adapter) deleteMessage(ctx context.Context, chat int64, msg int) bool {
	if _, err := a.api.DeleteMessage(ctx, &tgbot.DeleteMessageParams{ChatID: chat, MessageID: msg}); err != nil {
		a.log.InfoContext(ctx, "telegram: could not delete a message with a phone number", "chat", chat, "err", err)
		return false
	}
	return true
}

// sendMessage sends p. It waits out one 429 (up to maxRetryWait) and
// follows one group-to-supergroup migration (core.MigrateChat, then the
// message goes to the new chat; p.ChatID is updated). It never retries
// anything else: a message might have been delivered.
func (a *Adapter) sendMessage(ctx context.Context, p *tgbot.SendMessageParams) (*models.Message, error) {
	waited, moved := false, false
	for {
		msg, err := a.api.SendMessage(ctx, p)
		if err == nil {
			return msg, nil
		}
		var mig *tgbot.MigrateError
		var tmr *tgbot.TooManyRequestsError
		switch {
		case errors.As(err, &mig) && mig.MigrateToChatID != 0 && !moved:
			moved = true
			old, _ := p.ChatID.(int64)
			newID := int64(mig.MigrateToChatID)
			a.migrate(ctx, old, newID)
			p.ChatID = newID
			p.ReplyParameters = nil // the message replied to stays behind
		case errors.As(err, &tmr) && !waited:
			waited = true
			if !a.waitOut(ctx, tmr) {
				return nil, fmt.Errorf("send message: %w", err)
			}
		default:
			return nil, fmt.Errorf("send message: %w", err)
		}
	}
}

// waitOut sleeps for a 429's retry_after when it is short enough.
func (a *Adapter) waitOut(ctx context.Context, tmr *tgbot.TooManyRequestsError) bool {
	d := time.Duration(max(tmr.RetryAfter, 1)) * time.Second
	if d > maxRetryWait {
		return false
	}
	return a.clock.Sleep(ctx, d) == nil
}
