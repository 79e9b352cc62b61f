package telegram

import (
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"
	"github.com/ytxbot/ytxbot/bot"
)

// command is a bot command found in a message.
type command struct {
	root     string       // "meet", "call", "phone", or "start"
	forOther bool         // "/meet@OtherBot": another bot's; ignore the message
	text     string       // the message from the command on: "/meet@OurBot create x @bob"
	ents     []bot.Entity // the message's entities that lie in text, rebased to it
}

// ours lists the commands the adapter answers: the core's roots, and /start
// (what Telegram sends when someone opens a private chat with the bot).
func ours(name string) bool {
	if name == "start" {
		return true
	}
	for _, r := range bot.Roots() {
		if string(r) == name {
			return true
		}
	}
	return false
}

// findCommand looks for the first bot_command entity that names one of our
// commands, anywhere in text. Entity offsets count UTF-16 code units, so the
// text is cut in those units, never in bytes: "👋 /meet" has the command at
// offset 3 but byte 5. A suffix other than "@"+botUsername makes the command
// another bot's (forOther); the suffix stays in the text for bot.Parse, which
// strips "@OurBot" given Request.BotUsername.
func findCommand(text string, ents []models.MessageEntity, botUsername string) (command, bool) {
	if len(ents) == 0 || text == "" {
		return command{}, false
	}
	units := utf16.Encode([]rune(text))
	for _, e := range ents {
		if e.Type != models.MessageEntityTypeBotCommand {
			continue
		}
		if e.Offset < 0 || e.Length < 2 || e.Offset > len(units)-e.Length || midPair(units, e.Offset) {
			continue
		}
		name := string(utf16.Decode(units[e.Offset+1 : e.Offset+e.Length]))
		cmd, at, addressed := strings.Cut(name, "@")
		cmd = strings.ToLower(cmd)
		if !ours(cmd) {
			continue
		}
		if addressed && (botUsername == "" || !strings.EqualFold(at, botUsername)) {
			return command{root: cmd, forOther: true}, true
		}
		rest := units[e.Offset:]
		return command{root: cmd, text: string(utf16.Decode(rest)), ents: rebase(ents, e.Offset, len(rest), 0)}, true
	}
	return command{}, false
}

// midPair reports whether unit i is the second half of a surrogate pair: an
// offset no well-formed entity has.
func midPair(units []uint16, i int) bool {
	return i > 0 && i < len(units) && units[i] >= 0xDC00 && units[i] <= 0xDFFF
}

// rebase converts the entities lying within [from, from+n) UTF-16 units to
// the core's type, moved so that unit from becomes offset shift.
func rebase(ents []models.MessageEntity, from, n, shift int) []bot.Entity {
	var out []bot.Entity
	for _, e := range ents {
		if e.Offset < from || e.Length <= 0 || e.Offset+e.Length > from+n {
			continue
		}
		be := bot.Entity{Type: string(e.Type), Offset: e.Offset - from + shift, Length: e.Length}
		if e.Type == models.MessageEntityTypeTextMention && e.User != nil {
			be.UserID = strconv.FormatInt(e.User.ID, 10)
			be.Name = displayName(e.User)
		}
		out = append(out, be)
	}
	return out
}

// utf16Len counts s in UTF-16 code units, as Telegram does.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// displayName is how a person is called in replies: their name, else their
// @username, else their id.
func displayName(u *models.User) string {
	if u == nil {
		return ""
	}
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	if u.Username != "" {
		return "@" + u.Username
	}
	return strconv.FormatInt(u.ID, 10)
}
