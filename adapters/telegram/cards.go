package telegram

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strconv"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/ytxbot/ytxbot/bot"
)

var noPreview = &models.LinkPreviewOptions{IsDisabled: tgbot.True()}

// PostCard sends a card to a chat as an HTML message with an inline
// keyboard. A 403 (the bot was removed from the group) wraps
// bot.ErrNotInChannel.
func (a *Adapter) PostCard(ctx context.Context, to bot.Destination, c *bot.Card) (*bot.CardRef, error) {
	chat, err := strconv.ParseInt(to.Channel, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("telegram: post card: %q is not a chat id", to.Channel)
	}
	text, kb := renderCard(c)
	p := &tgbot.SendMessageParams{ChatID: chat, Text: text, ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview}
	if kb != nil {
		p.ReplyMarkup = kb
	}
	msg, err := a.sendMessage(ctx, p)
	if errors.Is(err, tgbot.ErrorForbidden) {
		return nil, fmt.Errorf("telegram: post card: %w: %w", bot.ErrNotInChannel, err)
	}
	if err != nil {
		return nil, fmt.Errorf("telegram: post card: %w", err)
	}
	chat, _ = p.ChatID.(int64) // the new id if the group migrated
	return &bot.CardRef{Platform: bot.Telegram, Workspace: to.Workspace, Channel: strconv.FormatInt(chat, 10),
		MessageID: strconv.Itoa(msg.ID)}, nil
}

// EditCard brings a posted card up to date with editMessageText. Telegram's
// "message is not modified" is success. A 429 is waited out and the edit
// retried once. When the group became a supergroup, the chat's records move
// (core.MigrateChat) and the card is sent again in the new chat; later edits
// of the old reference go to the new message.
func (a *Adapter) EditCard(ctx context.Context, ref *bot.CardRef, c *bot.Card) error {
	if ref == nil {
		return errors.New("telegram: edit card: no card reference")
	}
	chat, err1 := strconv.ParseInt(ref.Channel, 10, 64)
	msg, err2 := strconv.Atoi(ref.MessageID)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("telegram: edit card: bad reference %q/%q", ref.Channel, ref.MessageID)
	}
	k := a.movedTo(msgKey{chat, msg})
	text, kb := renderCard(c)
	p := &tgbot.EditMessageTextParams{ChatID: k.chat, MessageID: k.msg, Text: text, ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview}
	if kb != nil {
		p.ReplyMarkup = kb // without one, Telegram removes the keyboard: right for final cards
	}
	waited := false
	for {
		_, err := a.api.EditMessageText(ctx, p)
		var mig *tgbot.MigrateError
		var tmr *tgbot.TooManyRequestsError
		switch {
		case err == nil || notModified(err):
			return nil
		case errors.As(err, &mig) && mig.MigrateToChatID != 0:
			return a.resend(ctx, k, int64(mig.MigrateToChatID), text, kb)
		case errors.As(err, &tmr) && !waited:
			waited = true
			if !a.waitOut(ctx, tmr) {
				return fmt.Errorf("telegram: edit card: %w", err)
			}
		default:
			return fmt.Errorf("telegram: edit card: %w", err)
		}
	}
}

// resend posts a card again in the supergroup its group became, and
// redirects later edits of the old message there.
func (a *Adapter) resend(ctx context.Context, old msgKey, newChat int64, text string, kb *models.InlineKeyboardMarkup) error {
	a.migrate(ctx, old.chat, newChat)
	p := &tgbot.SendMessageParams{ChatID: newChat, Text: text, ParseMode: models.ParseModeHTML, LinkPreviewOptions: noPreview}
	if kb != nil {
		p.ReplyMarkup = kb
	}
	msg, err := a.sendMessage(ctx, p)
	if err != nil {
		return fmt.Errorf("telegram: edit card: send again after migration: %w", err)
	}
	chat, _ := p.ChatID.(int64)
	to := msgKey{chat, msg.ID}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.moved) >= maxCacheSize {
		clear(a.moved)
	}
	// The core's reference names the old chat, or the new one once
	// MigrateChat rewrote it; both keep the old message id.
	a.moved[old] = to
	a.moved[msgKey{newChat, old.msg}] = to
	return nil
}

func (a *Adapter) movedTo(k msgKey) msgKey {
	a.mu.Lock()
	defer a.mu.Unlock()
	if to, ok := a.moved[k]; ok {
		return to
	}
	return k
}

func notModified(err error) bool {
	return errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "message is not modified")
}

// escape makes user text safe inside Telegram HTML.
func escape(s string) string { return html.EscapeString(s) }

// renderCard renders a card as Telegram HTML, every piece of text escaped,
// one line per participant, and its inline keyboard: one row per
// participant's Hang up button, then the card's own buttons (callback_data
// = the core's opaque button id). The keyboard is nil when there are no
// buttons.
func renderCard(c *bot.Card) (string, *models.InlineKeyboardMarkup) {
	var b strings.Builder
	b.WriteString("<b>" + escape(strings.TrimSpace(c.Ref+" "+c.Title)) + "</b>")
	if c.Status != "" {
		b.WriteString(" · " + escape(c.Status))
	}
	if meta := cardMeta(c); meta != "" {
		b.WriteString("\n" + escape(meta))
	}
	for _, r := range c.Rows {
		line := "• " + escape(strings.TrimSpace(r.Name+" "+r.Number)) + " — " + escape(r.State)
		if r.Reason != "" {
			line += " (" + escape(r.Reason) + ")"
		}
		b.WriteString("\n" + line)
	}
	if c.Note != "" {
		b.WriteString("\n<i>" + escape(c.Note) + "</i>")
	}
	var rows [][]models.InlineKeyboardButton
	for _, r := range c.Rows {
		if r.Hangup != nil && validData(r.Hangup.ID) {
			rows = append(rows, []models.InlineKeyboardButton{{Text: r.Hangup.Label + " · " + r.Name, CallbackData: r.Hangup.ID}})
		}
	}
	var last []models.InlineKeyboardButton
	for _, bt := range c.Buttons {
		if validData(bt.ID) {
			last = append(last, models.InlineKeyboardButton{Text: bt.Label, CallbackData: bt.ID})
		}
	}
	if len(last) > 0 {
		rows = append(rows, last)
	}
	if len(rows) == 0 {
		return b.String(), nil
	}
	return b.String(), &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

// cardMeta is the card's one line of facts (room, caller id, booking,
// elapsed time or duration) in the card's language, as the core words it
// in Card.Text: rendered from a copy with nothing else in it, whose second
// line it is.
func cardMeta(c *bot.Card) string {
	head := &bot.Card{Kind: c.Kind, Locale: c.Locale, Ref: c.Ref, Room: c.Room, CallerID: c.CallerID,
		BookedFor: c.BookedFor, Elapsed: c.Elapsed, Duration: c.Duration}
	_, meta, ok := strings.Cut(head.Text(), "\n")
	if !ok {
		return ""
	}
	return strings.TrimSpace(meta)
}
