package bot

import (
	"errors"
	"strings"
	"time"
)

// Root is the first word of a command: which of the three slash commands it is.
type Root string

// The three roots of SPEC §3. Slack lets an admin rename the slash commands;
// the adapter maps the configured name back to one of these before Parse.
const (
	RootMeet  Root = "meet"
	RootCall  Root = "call"
	RootPhone Root = "phone"
)

// Canonical subcommands (Command.Sub). The same word may serve two roots
// ("status", "remove", "help").
const (
	SubCreate     = "create"
	SubInvite     = "invite"
	SubStatus     = "status"
	SubList       = "list"
	SubHangup     = "hangup"
	SubEnd        = "end"
	SubReschedule = "reschedule"
	SubCancel     = "cancel"
	SubDialback   = "dialback"
	SubSet        = "set"
	SubShow       = "show"
	SubRemove     = "remove"
	SubDND        = "dnd"
	SubAdmin      = "admin"
	SubShare      = "share"
	SubHelp       = "help"
)

// PartyKind says how a party was named, and so how a handler resolves it to
// an identity and a number.
type PartyKind int

// Party kinds.
const (
	PartyUser     PartyKind = iota + 1 // a platform user id: Slack <@U123|alice>, Telegram text_mention
	PartyUsername                      // @name: Telegram username or console name, resolved later
	PartyGroup                         // Slack user group <!subteam^S1|@oncall>
	PartyPhone                         // a raw number, normalised
)

// String returns the kind's name, for logs and test failures.
func (k PartyKind) String() string {
	switch k {
	case PartyUser:
		return "user"
	case PartyUsername:
		return "username"
	case PartyGroup:
		return "group"
	case PartyPhone:
		return "phone"
	}
	return "PartyKind(?)"
}

// PartyRef is a party as written in a command, before the store resolves it.
type PartyRef struct {
	Kind  PartyKind
	ID    string // PartyUser: platform user id; PartyUsername: the name without @, lower-cased; PartyGroup: group id; PartyPhone: normalised number
	Label string // what to show: "alice", "@alice" (a username as typed), "@oncall", masked number for phones; numbers inside names are masked
	Raw   string // the token as typed (may hold a full number: never show it to others)
}

// Entity is a Telegram message entity. Offsets and lengths are in UTF-16
// code units of the full text, as the Bot API sends them.
type Entity struct {
	Type   string // "mention", "text_mention", "bot_command", …
	Offset int
	Length int
	UserID string // text_mention only
	Name   string // text_mention: the user's first name
}

// Command is a parsed command line. Parse checks syntax only: who may run
// it, whether a party resolves, has a number or is the caller, and the
// policy limits are the handlers' business. In particular invite, hangup and
// dialback may come without a party, because on Telegram a reply names the
// replied-to user, and create without one is refused by the handler
// ("meetings need company", SPEC §11) since a group may also expand to no one.
type Command struct {
	Root      Root
	Sub       string        // canonical subcommand: meet: create invite status list hangup end reschedule cancel help; call: dialback status help; phone: set show remove list dnd admin share help
	Title     string        // meet create: words that are not parties/flags, joined by one space; "" if none. May contain digits inside words: show it through MaskText
	Ref       string        // meeting ref: "#12" → "12", or a bare first arg accepted by ParseContext.IsMeetingRef; "" = none
	CallID    string        // call status [id]: "c42" (lower-cased, "#" dropped)
	Parties   []PartyRef    // in the order typed, duplicates (same Kind+ID) collapsed
	At        time.Time     // --at TIME (zero if absent)
	From      *PartyRef     // call --from party
	Max       time.Duration // call --max DURATION (0 if absent); the policy limits are checked by the handler
	Confirm   bool          // --confirm
	Number    string        // phone set NUMBER, normalised (no extension; international only when ParseContext.AllowInternational)
	Toggle    string        // phone dnd on|off → "on"/"off"; phone admin add|remove → "add"/"remove"
	HelpTopic string        // Sub "help": the subcommand asked about ("/meet help create", "/meet create --help"), "" for the whole root; render with Usage or UsageLine
}

// ParseContext is what Parse needs to know beyond the text.
type ParseContext struct {
	Now                time.Time         // the clock TIMEs are judged against; zero means time.Now()
	Location           *time.Location    // config timezone for wall-clock TIMEs; nil means Now's location
	AllowInternational bool              // policy.allow_international
	Entities           []Entity          // Telegram; nil elsewhere
	IsMeetingRef       func(string) bool // true when a bare token equals a meeting id the store knows for this workspace; may be nil
	BotUsername        string            // Telegram: our bot's username (strip "/meet@OurBot" to "/meet")
	// NotSlack: the text is not Slack's, so <…> in a title is text, not a
	// Slack link or mention to decode (a Telegram title "<b>x</b>" stays).
	NotSlack bool
}

// Limits of input hygiene. A command is typed by a person; anything longer
// is a paste accident or an attack, and a title has to fit on a card.
const (
	MaxCommandBytes = 2000
	MaxTitleRunes   = 100
)

// Kinds of *UsageError. Each is a sentinel, so callers branch with
// errors.Is(err, bot.ErrNotForUs); ErrBadPhone, ErrBadTime and ErrBadDuration
// are kinds too.
var (
	ErrNotForUs       = errors.New("bot: command addressed to another bot")
	ErrUnknownRoot    = errors.New("bot: unknown command")
	ErrUnknownSub     = errors.New("bot: unknown subcommand")
	ErrBadFlag        = errors.New("bot: bad option")
	ErrMissingArg     = errors.New("bot: missing argument")
	ErrUnexpectedArg  = errors.New("bot: unexpected argument")
	ErrTooManyParties = errors.New("bot: too many parties")
	ErrBadParty       = errors.New("bot: party not usable here")
	ErrBadRef         = errors.New("bot: bad meeting or call id")
	ErrBadQuote       = errors.New("bot: unterminated quote")
	ErrTooLong        = errors.New("bot: input too long")
	ErrBadText        = errors.New("bot: control characters in input")
)

// LocalizedError is an error with a message for users. Every error Parse,
// NormalizePhone, ParseTime and ParseDuration return is one:
//
//	var le bot.LocalizedError
//	if errors.As(err, &le) { reply(le.Message(locale)) }
type LocalizedError interface {
	error
	Message(locale string) string
}

var (
	_ LocalizedError = (*UsageError)(nil)
	_ LocalizedError = (*PhoneError)(nil)
	_ LocalizedError = (*TimeError)(nil)
)

// usageReason picks the sentence of a UsageError where a kind has several.
type usageReason int

const (
	reasonNone usageReason = iota
	reasonTitle
	reasonFlagNotHere
	reasonFlagTwice
	reasonFlagNoValue
	reasonFlagNeedsValue
	reasonRef
	reasonAt
	reasonNumber
	reasonParty
	reasonToggle
	reasonAdminToggle
	reasonDialbackOne
	reasonHangupOne
	reasonOnePerson
	reasonBroadcast
	reasonMalformed
	reasonPersonOnly
	reasonNoGroup
	reasonCallID
)

// UsageError is a command Parse refuses. Kind is one of the Err* sentinels;
// the other fields feed the message, and Token is already masked.
type UsageError struct {
	Kind       error  // ErrUnknownSub, ErrBadFlag, ErrBadPhone, ErrBadTime, …
	Root       Root   // "" when the root itself is the problem
	Sub        string // canonical subcommand, when known
	Token      string // the offending token as typed, phone-like runs masked, cut to 40 characters
	Suggestion string // a close known word for "did you mean", or ""
	Err        error  // the cause (a *PhoneError or *TimeError), or nil
	reason     usageReason
	n          int // a size for the message (bytes, runes)
}

// Error returns the English sentence, without the usage block Message adds.
func (e *UsageError) Error() string { return e.sentence(false) }

// Unwrap returns Kind and the cause, so errors.Is finds both ErrBadPhone and
// the *PhoneError behind it.
func (e *UsageError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// Message returns a complete, friendly message in locale ("en"; "zh-CN" or
// any "zh" locale for Simplified Chinese): what is wrong, a "did you mean"
// when there is a close word, and the usage of the root or subcommand where
// that helps. It never contains a full phone number.
func (e *UsageError) Message(locale string) string {
	zh := isZH(locale)
	msg := e.sentence(zh)
	if u := e.usage(zh); u != "" {
		msg += "\n\n" + u
	}
	return msg
}

// isZH reports whether locale asks for Chinese; everything else is English.
func isZH(locale string) bool {
	return strings.HasPrefix(strings.ToLower(locale), "zh")
}

// quote sets a user's token apart from the sentence around it.
func quote(s string) string {
	if s == "" {
		return s
	}
	return "“" + s + "”"
}

// pick returns en or zh.
func pick(zh bool, en, zhs string) string {
	if zh {
		return zhs
	}
	return en
}
