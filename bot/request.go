package bot

import (
	"regexp"
	"strings"
)

// Platform names a chat platform; it is the first part of an identity.
type Platform string

// Platforms ytxbot speaks.
const (
	Slack    Platform = "slack"
	Telegram Platform = "telegram"
	Console  Platform = "console"
)

// ChatType tells whether others can read what the bot writes in a chat.
type ChatType int

// Chat types. Replies in a group are masked; a private chat sees full numbers.
const (
	ChatGroup   ChatType = iota // a Slack channel or a Telegram group
	ChatPrivate                 // a direct message with the bot
)

// Request is one thing a person did in chat: a command line or a click.
// Adapters fill it from platform events; the core never sees an SDK type.
type Request struct {
	ID          string   // platform request id, for idempotency (Slack trigger_id, Telegram update_id, …)
	Platform    Platform //
	Workspace   string   // Slack team id; "" elsewhere
	Channel     string   // channel or chat id
	ChannelName string   // the default meeting title
	ChatType    ChatType //
	UserID      string   // platform user id (Slack U…, Telegram numeric id, console name)
	UserName    string   // display name
	Text        string   // the command line, root first: "/meet create standup @alice"
	Entities    []Entity // Telegram message entities of Text
	ReplyTo     *Person  // Telegram: the author of the message this one replies to
	Locale      string   // the user's language when the platform says ("zh-CN", "en"); "" = config
	Action      *Action  // a button click or form submit instead of Text
	Contact     *Contact // Telegram: a shared contact instead of Text
	BotUsername string   // Telegram: our bot's username, so "/meet@OurBot" is ours
}

// Contact is a phone number shared through the platform's own button.
type Contact struct {
	UserID string // whose number it is, as the platform says
	Phone  string
}

// Person is a platform user named by an event.
type Person struct {
	UserID string
	Name   string
}

// Action is a click on a card button or a submitted form. ID is the opaque
// button id the bot issued; numbers never travel in it.
type Action struct {
	ID      string
	Parties []PartyRef // a submitted Invite form: people picked and numbers typed
}

// Identity returns the request author's identity.
func (r *Request) Identity() string { return IdentityOf(r.Platform, r.Workspace, r.UserID) }

// IdentityOf builds an identity: slack:<team>:<user>, telegram:<user>,
// console:<name>.
func IdentityOf(p Platform, workspace, userID string) string {
	if p == Slack {
		return string(p) + ":" + workspace + ":" + userID
	}
	return string(p) + ":" + userID
}

// PlatformOf returns an identity's platform.
func PlatformOf(identity string) Platform {
	p, _, _ := strings.Cut(identity, ":")
	return Platform(p)
}

var identityRE = regexp.MustCompile(`^(slack:[TE][A-Z0-9]+:[UW][A-Z0-9]+|telegram:[1-9][0-9]{0,19}|console:[A-Za-z0-9][A-Za-z0-9._-]{0,63})$`)

// ValidIdentity reports whether s is an identity: slack:T0001:U0001,
// telegram:12345 or console:name.
func ValidIdentity(s string) bool { return identityRE.MatchString(s) }
