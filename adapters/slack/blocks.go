package slack

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"github.com/ytxbot/ytxbot/bot"
)

// Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
const (
	maxBlocks        = 50   // per message
	maxSectionText   = 3000 // characters of a section's text
	maxHeaderText    = 150
	maxButtonText    = 75
	maxActions       = 25 // elements of an actions block
	maxRowSections   = 40 // beyond this, rows are lines of a few sections, without buttons
	maxModalTitle    = 24
	maxNumbersInput  = 1000
	maxTypedNumbers  = 20
	inviteCallbackID = "ytxbot_invite"
	inviteUsersBlock = "invite_users"
	inviteNumsBlock  = "invite_numbers"
	inviteUsersID    = "users"
	inviteNumsID     = "numbers"
)

// escaper makes user-provided text inert in mrkdwn: with & < > escaped
// nobody can write a mention, a broadcast (<!channel>) or a disguised link.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// esc escapes s for mrkdwn and folds line breaks and other control
// characters into spaces, so a name cannot break a card's layout.
func esc(s string) string {
	return escaper.Replace(oneLine(s))
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// mentionRE finds escaped user and user-group mentions in a reply.
var mentionRE = regexp.MustCompile(`&lt;(@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+)(\|[^&<>\n]*)?&gt;`)

// replyText prepares a core reply for a private Slack message. The text
// comes from the core but may quote what people typed (titles, names), so it
// is escaped like card text; the core's own user and group mentions
// (<@U…>, <!subteam^…>) are kept, since they can only name people.
func replyText(s string) string {
	return mentionRE.ReplaceAllString(escaper.Replace(s), "<$1$2>")
}

// truncate cuts s to n characters, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func plain(s string) *slackgo.TextBlockObject {
	return slackgo.NewTextBlockObject(slackgo.PlainTextType, s, false, false)
}

// mrkdwn is a verbatim mrkdwn text: Slack does not turn bare URLs, channel
// names or @words into links or mentions.
func mrkdwn(s string) *slackgo.TextBlockObject {
	return slackgo.NewTextBlockObject(slackgo.MarkdownType, s, false, true)
}

func section(id, text string, acc *slackgo.Accessory) *slackgo.SectionBlock {
	return &slackgo.SectionBlock{Type: slackgo.MBTSection, BlockID: id, Text: mrkdwn(truncate(text, maxSectionText)), Accessory: acc}
}

func button(b bot.Button) *slackgo.ButtonBlockElement {
	label := strings.TrimSpace(oneLine(b.Label))
	if label == "" {
		label = "…"
	}
	el := &slackgo.ButtonBlockElement{Type: slackgo.METButton, ActionID: b.ID, Value: b.ID, Text: plain(truncate(label, maxButtonText))}
	switch b.Style {
	case "danger":
		el.Style = slackgo.StyleDanger
	case "primary":
		el.Style = slackgo.StylePrimary
	}
	return el
}

func actions(id string, bs []bot.Button) *slackgo.ActionBlock {
	if len(bs) > maxActions {
		bs = bs[:maxActions]
	}
	els := make([]slackgo.BlockElement, 0, len(bs))
	for _, b := range bs {
		els = append(els, button(b))
	}
	return &slackgo.ActionBlock{Type: slackgo.MBTAction, BlockID: id, Elements: &slackgo.BlockElements{ElementSet: els}}
}

// cardBlocks renders a card in Block Kit (SPEC §4): a header with the
// title, the ref and status, a context line (room, calls-from number,
// booking, elapsed or duration, note), one section per participant with its
// Hang up button, and the card's buttons. Every piece of text is escaped.
func cardBlocks(c *bot.Card) []slackgo.Block {
	blocks := make([]slackgo.Block, 0, 5+len(c.Rows))
	title := strings.TrimSpace(oneLine(c.Title))
	if title == "" {
		title = c.Ref
	}
	if title == "" {
		title = "ytxbot"
	}
	blocks = append(blocks, &slackgo.HeaderBlock{Type: slackgo.MBTHeader, BlockID: "card_title", Text: plain(truncate(title, maxHeaderText))})
	head := "*" + esc(c.Ref) + "*"
	if c.Status != "" {
		head += " · " + esc(c.Status)
	}
	blocks = append(blocks, section("card_status", head, nil))
	if meta := cardMeta(c); meta != "" {
		blocks = append(blocks, &slackgo.ContextBlock{Type: slackgo.MBTContext, BlockID: "card_meta",
			ContextElements: slackgo.ContextElements{Elements: []slackgo.MixedElement{mrkdwn(truncate(meta, maxSectionText))}}})
	}
	if len(c.Rows) <= maxRowSections {
		for i, r := range c.Rows {
			var acc *slackgo.Accessory
			if r.Hangup != nil {
				acc = &slackgo.Accessory{ButtonElement: button(*r.Hangup)}
			}
			blocks = append(blocks, section("row_"+strconv.Itoa(i), rowText(r), acc))
		}
	} else {
		// Too many people for a section each: lines in a few sections.
		room := maxBlocks - len(blocks) - 1
		var sb strings.Builder
		n := 0
		flush := func() {
			if sb.Len() > 0 && room > 0 {
				blocks = append(blocks, section("rows_"+strconv.Itoa(n), sb.String(), nil))
				n++
				room--
			}
			sb.Reset()
		}
		for _, r := range c.Rows {
			line := rowText(r)
			if utf8.RuneCountInString(sb.String())+utf8.RuneCountInString(line)+1 > maxSectionText {
				flush()
			}
			if sb.Len() > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString(line)
		}
		flush()
	}
	if len(c.Buttons) > 0 {
		blocks = append(blocks, actions("card_actions", c.Buttons))
	}
	return blocks
}

// rowText is one participant: "*alice* `138****0001` — joined (reason)".
func rowText(r bot.CardRow) string {
	var parts []string
	if name := strings.TrimSpace(r.Name); name != "" {
		parts = append(parts, "*"+esc(name)+"*")
	}
	if r.Number != "" && r.Number != r.Name {
		parts = append(parts, "`"+esc(r.Number)+"`")
	}
	s := strings.Join(parts, " ")
	if r.State != "" {
		s += " — " + esc(r.State)
	}
	if r.Reason != "" {
		s += " (" + esc(r.Reason) + ")"
	}
	return s
}

// cardMeta is the card's context line, as Card.Text writes it.
func cardMeta(c *bot.Card) string {
	var meta []string
	if c.Room != "" {
		meta = append(meta, tr(c.Locale, msgCardRoom, esc(c.Room)))
	}
	if c.CallerID != "" {
		meta = append(meta, tr(c.Locale, msgCardCallsFrom, esc(c.CallerID)))
	}
	if !c.BookedFor.IsZero() {
		meta = append(meta, tr(c.Locale, msgCardBooked, c.BookedFor.Format("2006-01-02 15:04")))
	}
	if c.Duration > 0 {
		meta = append(meta, tr(c.Locale, msgCardDuration, fmtDuration(c.Duration)))
	} else if c.Elapsed > 0 {
		meta = append(meta, tr(c.Locale, msgCardElapsed, fmtDuration(c.Elapsed)))
	}
	if c.Note != "" {
		meta = append(meta, "_"+esc(c.Note)+"_")
	}
	return strings.Join(meta, " · ")
}

// cardOptions are the message options of a card: its blocks and the
// escaped plain-text fallback Slack shows in notifications.
func cardOptions(c *bot.Card) []slackgo.MsgOption {
	return []slackgo.MsgOption{
		slackgo.MsgOptionText(truncate(c.Text(), 3000), true),
		slackgo.MsgOptionBlocks(cardBlocks(c)...),
	}
}

// message is a private answer: the HTTP response to a slash command, a
// Socket Mode acknowledgement's payload. It is always ephemeral.
type message struct {
	ResponseType string          `json:"response_type"`
	Text         string          `json:"text"`
	Blocks       *slackgo.Blocks `json:"blocks,omitempty"`
}

// replyMessage renders a core reply as an ephemeral message; buttons
// ("Create anyway", "Check again") become an actions block.
func replyMessage(text string, buttons []bot.Button) message {
	text = replyText(text)
	m := message{ResponseType: slackgo.ResponseTypeEphemeral, Text: text}
	if blocks := replyBlocks(text, buttons); blocks != nil {
		m.Blocks = &slackgo.Blocks{BlockSet: blocks}
	}
	return m
}

// replyBlocks lays out an escaped reply with buttons; nil when there are
// none (the text alone is the message).
func replyBlocks(text string, buttons []bot.Button) []slackgo.Block {
	if len(buttons) == 0 {
		return nil
	}
	var blocks []slackgo.Block
	for i, chunk := range chunks(text, maxSectionText) {
		if len(blocks) >= maxBlocks-1 {
			break
		}
		blocks = append(blocks, &slackgo.SectionBlock{Type: slackgo.MBTSection, BlockID: "reply_" + strconv.Itoa(i),
			Text: slackgo.NewTextBlockObject(slackgo.MarkdownType, chunk, false, true)})
	}
	return append(blocks, actions("reply_actions", buttons))
}

// chunks splits s into pieces of at most n characters, at line breaks
// where it can.
func chunks(s string, n int) []string {
	var out []string
	for utf8.RuneCountInString(s) > n {
		r := []rune(s)
		cut := n
		if i := strings.LastIndex(string(r[:n]), "\n"); i > 0 {
			cut = utf8.RuneCountInString(string(r[:n])[:i])
		}
		out = append(out, string(r[:cut]))
		s = strings.TrimLeft(string(r[cut:]), "\n")
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// inviteMeta is the Invite modal's private_metadata: which button opened
// it and where. It never holds a number.
type inviteMeta struct {
	Action  string `json:"a"`
	Channel string `json:"c"`
}

// inviteRE matches the meeting card's Invite… button id.
var inviteRE = regexp.MustCompile(`^m:([0-9]+):invite$`)

// inviteModal is the Invite… form: a multi-user picker and a numbers field.
func inviteModal(actionID, channel, loc string) slackgo.ModalViewRequest {
	ref := "#" + inviteRE.FindStringSubmatch(actionID)[1]
	meta, _ := json.Marshal(inviteMeta{Action: actionID, Channel: channel})
	users := &slackgo.InputBlock{Type: slackgo.MBTInput, BlockID: inviteUsersBlock, Optional: true,
		Label: plain(tr(loc, msgModalPeople)),
		Element: &slackgo.MultiSelectBlockElement{Type: slackgo.MultiOptTypeUser, ActionID: inviteUsersID,
			Placeholder: plain(tr(loc, msgModalPeople))}}
	numbers := &slackgo.InputBlock{Type: slackgo.MBTInput, BlockID: inviteNumsBlock, Optional: true,
		Label: plain(tr(loc, msgModalNumbers)), Hint: plain(tr(loc, msgModalNumbersHint)),
		Element: &slackgo.PlainTextInputBlockElement{Type: slackgo.METPlainTextInput, ActionID: inviteNumsID,
			Multiline: true, MaxLength: maxNumbersInput}}
	return slackgo.ModalViewRequest{
		Type:            slackgo.VTModal,
		CallbackID:      inviteCallbackID,
		Title:           plain(truncate(tr(loc, msgModalTitle, ref), maxModalTitle)),
		Submit:          plain(tr(loc, msgModalSubmit)),
		Close:           plain(tr(loc, msgModalClose)),
		PrivateMetadata: string(meta),
		Blocks:          slackgo.Blocks{BlockSet: []slackgo.Block{users, numbers}},
	}
}

// errNotNumber marks a token of the numbers field that is not a number at
// all (a name, an @mention).
var errNotNumber = errors.New("not a number")

// listSeps separate typed numbers besides line breaks. A comma is not one:
// it starts a landline extension (010-5388-9900,1234).
const listSeps = ";；、，"

// typedNumbers reads the Invite form's numbers field: one number per line
// (or separated by ; 、，), a number may be written in groups
// ("138 0000 0000"); "13800000001 13900000002" and "13800000001,13900000002"
// are two. Every number is normalised like the core does for meetings
// (extensions allowed). The error is a *bot.PhoneError or errNotNumber.
func typedNumbers(field string) ([]string, error) {
	pieces := strings.FieldsFunc(field, func(r rune) bool { return r == '\n' || r == '\r' || strings.ContainsRune(listSeps, r) })
	var out []string
	for _, p := range pieces {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		ns, err := piece(p)
		if err != nil {
			return nil, err
		}
		out = append(out, ns...)
	}
	return out, nil
}

var meetingPhone = bot.PhoneOptions{AllowExtension: true}

func piece(p string) ([]string, error) {
	n, err := bot.NormalizePhone(p, meetingPhone)
	if err == nil {
		return []string{n}, nil
	}
	if fs := strings.Fields(p); len(fs) > 1 {
		var out []string
		for _, f := range fs {
			ns, ferr := piece(f)
			if ferr != nil {
				return nil, ferr
			}
			out = append(out, ns...)
		}
		return out, nil
	}
	if strings.Contains(p, ",") {
		var out []string
		for _, f := range strings.Split(p, ",") {
			if f = strings.TrimSpace(f); f == "" {
				continue
			}
			fn, ferr := bot.NormalizePhone(f, meetingPhone)
			if ferr != nil {
				return nil, err // the whole token's error: it names what was typed
			}
			out = append(out, fn)
		}
		return out, nil
	}
	if strings.ContainsFunc(p, func(r rune) bool { return r == '@' || unicode.IsLetter(r) }) {
		return nil, errNotNumber
	}
	return nil, err
}
