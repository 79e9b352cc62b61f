package bot

import (
	"errors"
	"fmt"
	"strings"
)

// usageLine is one row of SPEC §3's table, in both languages.
type usageLine struct {
	sub      string
	synopsis string // after "/root "; the same in both languages
	en, zh   string
}

// usageTable is SPEC §3's table, root by root, in the order shown to users.
var usageTable = map[Root][]usageLine{
	RootMeet: {
		{SubCreate, "create [title] [party …] [--at TIME] [--confirm]", "start a conference now, or book it with --at", "立即发起电话会议，或用 --at 预约"},
		{SubInvite, "invite [ref] party …", "ring more people into a running meeting", "呼叫更多人加入进行中的会议"},
		{SubStatus, "status [ref]", "repost the meeting card with fresh state", "重新发布会议卡片并刷新状态"},
		{SubList, "list", "this channel's recent meetings", "本频道最近的会议"},
		{SubHangup, "hangup [ref] party", "drop one participant", "挂断一位参会人"},
		{SubEnd, "end [ref]", "end the meeting for everyone", "结束会议（所有人）"},
		{SubReschedule, "reschedule ref --at TIME", "move a booked meeting", "修改预约会议的时间"},
		{SubCancel, "cancel ref", "cancel a booked meeting", "取消预约会议"},
		{SubHelp, "help", "show this help", "显示本帮助"},
	},
	RootCall: {
		{SubDialback, "dialback party [--from party] [--max DURATION]", "ring your phone, then the party's, and connect you (also /call party)", "先呼叫你的电话，再呼叫对方并接通（也可写 /call party）"},
		{SubStatus, "status [id]", "the state of a call (default: your latest call here)", "查看通话状态（默认：你在这里的最近一次通话）"},
		{SubHelp, "help", "show this help", "显示本帮助"},
	},
	RootPhone: {
		{SubSet, "set [party] NUMBER", "map a number: your own, or anyone's (admins)", "绑定号码：自己的，或（管理员）他人的"},
		{SubShow, "show [party]", "show a mapping (others: admins only)", "查看绑定（查看他人仅限管理员）"},
		{SubRemove, "remove [party]", "delete a mapping (others: admins only)", "删除绑定（删除他人仅限管理员）"},
		{SubList, "list", "all mappings (admins only)", "所有绑定（仅限管理员）"},
		{SubDND, "dnd on|off", "do not disturb: others cannot ring you", "免打扰：他人无法呼叫你"},
		{SubAdmin, "admin add|remove party", "grant or revoke admin (admins only)", "授予或撤销管理员（仅限管理员）"},
		{SubShare, "share", "share your phone number from Telegram (private chat)", "在 Telegram 私聊中分享你的手机号"},
		{SubHelp, "help", "show this help", "显示本帮助"},
	},
}

var rootDescription = map[Root][2]string{
	RootMeet:  {"Phone conferences: create, invite, status, end", "电话会议：发起、邀请、状态、结束"},
	RootCall:  {"Dial-back calls: ring you, then them", "双向回拨：先呼叫你，再呼叫对方"},
	RootPhone: {"Phone numbers: set, show, remove, do not disturb", "电话号码：绑定、查看、删除、免打扰"},
}

// Roots returns the three roots in the order shown to users.
func Roots() []Root { return []Root{RootMeet, RootCall, RootPhone} }

// Subcommands returns the canonical subcommands of root in the order of the
// usage, help last; nil for an unknown root. The slice is the caller's.
func Subcommands(root Root) []string {
	lines := usageTable[root]
	if lines == nil {
		return nil
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.sub
	}
	return out
}

// Description returns a one-line description of root, e.g. for Telegram's
// setMyCommands; "" for an unknown root.
func Description(root Root, locale string) string {
	d, ok := rootDescription[root]
	if !ok {
		return ""
	}
	return pick(isZH(locale), d[0], d[1])
}

// Usage returns the usage lines of SPEC §3's table for root in locale
// ("en" or "zh-CN"), followed by what party, ref, TIME and DURATION mean.
func Usage(root Root, locale string) string {
	lines, ok := usageTable[root]
	if !ok {
		return ""
	}
	zh := isZH(locale)
	var b strings.Builder
	b.WriteString(pick(zh, "Usage:", "用法："))
	for _, l := range lines {
		b.WriteString("\n")
		b.WriteString(formatLine(root, l, zh))
	}
	b.WriteString("\n")
	b.WriteString(glossary(root, zh))
	return b.String()
}

// UsageLine returns the usage of one subcommand, or the whole Usage when sub
// is "" or unknown.
func UsageLine(root Root, sub, locale string) string {
	for _, l := range usageTable[root] {
		if l.sub == sub {
			zh := isZH(locale)
			return pick(zh, "Usage: ", "用法：") + formatLine(root, l, zh)
		}
	}
	return Usage(root, locale)
}

func formatLine(root Root, l usageLine, zh bool) string {
	return "/" + string(root) + " " + l.synopsis + " — " + pick(zh, l.en, l.zh)
}

func glossary(root Root, zh bool) string {
	switch root {
	case RootMeet:
		return pick(zh,
			"party: a mention, @name, a user group or a phone number · ref: #12 (default: the latest meeting here) · TIME: 10:00, +30m, today 10:00, tomorrow 9:30, 2026-12-01 10:00",
			"party：提及某人、@用户名、用户组或电话号码 · ref：#12（默认：本频道最近的会议）· TIME：10:00、+30m、today 10:00、tomorrow 9:30、2026-12-01 10:00")
	case RootCall:
		return pick(zh,
			"party: a mention, @name or a phone number · --from: ring this party first (admins) · DURATION: 10m, 1h30m",
			"party：提及某人、@用户名或电话号码 · --from：先呼叫此人（仅管理员）· DURATION：10m、1h30m")
	default:
		return pick(zh,
			"party: a mention or @name · NUMBER: a mobile (138-0000-0000) or a landline with area code (010-5388-9900)",
			"party：提及某人或 @用户名 · NUMBER：手机号（138-0000-0000）或带区号的固定电话（010-5388-9900）")
	}
}

// sentence is the message of a UsageError without the usage block.
func (e *UsageError) sentence(zh bool) string {
	cmd := "/" + string(e.Root)
	if e.Sub != "" {
		cmd += " " + e.Sub
	}
	tok := quote(e.Token)
	var s string
	switch e.Kind {
	case ErrNotForUs:
		s = fmt.Sprintf(pick(zh, "That command is for another bot (%s), not me.", "这条命令是发给另一个机器人（%s）的，不是我。"), tok)
	case ErrUnknownRoot:
		if tok == "" {
			s = pick(zh, "Type a command: /meet, /call or /phone (add help to see what each does).",
				"请输入命令：/meet、/call 或 /phone（后面加 help 查看用法）。")
		} else {
			s = fmt.Sprintf(pick(zh, "I don't know the command %s; mine are /meet, /call and /phone.",
				"不认识命令 %s；可用的命令是 /meet、/call 和 /phone。"), tok)
		}
	case ErrUnknownSub:
		s = fmt.Sprintf(pick(zh, "/%s has no subcommand %s.", "/%s 没有子命令 %s。"), e.Root, tok)
	case ErrBadFlag:
		switch e.reason {
		case reasonFlagNotHere:
			s = fmt.Sprintf(pick(zh, "%s is not an option of %s.", "%s 不是 %s 的选项。"), tok, cmd)
		case reasonFlagTwice:
			s = fmt.Sprintf(pick(zh, "%s is given twice; give it once.", "%s 出现了两次；只能写一次。"), tok)
		case reasonFlagNoValue:
			s = fmt.Sprintf(pick(zh, "%s takes no value; write it alone.", "%s 不带参数；请单独写。"), tok)
		default:
			s = fmt.Sprintf(pick(zh, "I don't know the option %s.", "不认识选项 %s。"), tok)
		}
	case ErrMissingArg:
		switch e.reason {
		case reasonRef:
			s = fmt.Sprintf(pick(zh, "Which meeting? %s needs its id, e.g. %s #12 (see /meet list).",
				"哪个会议？%s 需要会议编号，例如 %s #12（见 /meet list）。"), cmd, cmd)
		case reasonAt:
			s = fmt.Sprintf(pick(zh, "%s needs the new time: --at TIME.", "%s 需要新的时间：--at TIME。"), cmd)
		case reasonNumber:
			s = pick(zh, "Which number? Write it last, e.g. /phone set 138-0000-0000.",
				"哪个号码？请写在最后，例如 /phone set 138-0000-0000。")
		case reasonToggle:
			s = pick(zh, "Say on or off: /phone dnd on.", "请写 on 或 off：/phone dnd on。")
		case reasonAdminToggle:
			s = pick(zh, "Say add or remove, and whom: /phone admin add @alice.",
				"请写 add 或 remove 以及对象：/phone admin add @alice。")
		case reasonParty:
			s = fmt.Sprintf(pick(zh, "Whom? %s needs a person, e.g. @alice.", "对谁？%s 需要指定一个人，例如 @alice。"), cmd)
		case reasonFlagNeedsValue:
			s = fmt.Sprintf(pick(zh, "%s needs a value after it.", "%s 后面需要一个值。"), tok)
		default:
			s = fmt.Sprintf(pick(zh, "%s is missing something.", "%s 缺少参数。"), cmd)
		}
	case ErrUnexpectedArg:
		s = fmt.Sprintf(pick(zh, "I did not understand %s in %s.", "无法理解 %[2]s 中的 %[1]s。"), tok, cmd)
	case ErrTooManyParties:
		switch e.reason {
		case reasonDialbackOne:
			s = pick(zh, "Dial-back rings one person; use /meet create for more.",
				"回拨只能呼叫一个人；多人请用 /meet create。")
		case reasonHangupOne:
			s = pick(zh, "Hang up one participant at a time.", "一次只能挂断一位参会人。")
		default:
			s = fmt.Sprintf(pick(zh, "%s takes one person at most.", "%s 最多只能指定一个人。"), cmd)
		}
	case ErrBadParty:
		switch e.reason {
		case reasonBroadcast:
			s = fmt.Sprintf(pick(zh, "%s cannot be rung; mention people or a user group instead.",
				"%s 无法呼叫；请提及具体的人或用户组。"), tok)
		case reasonMalformed:
			s = fmt.Sprintf(pick(zh, "%s is not a valid mention; write @name or pick the person from the list.",
				"%s 不是有效的提及；请写 @用户名 或从列表中选择此人。"), tok)
		case reasonNoGroup:
			s = fmt.Sprintf(pick(zh, "%s is a user group; %s needs one person.", "%s 是用户组；%s 需要指定一个人。"), tok, cmd)
		default: // reasonPersonOnly
			s = fmt.Sprintf(pick(zh, "%s cannot be used in %s; name a person (a mention or @name).",
				"%s 不能用于 %s；请指定一个人（提及或 @用户名）。"), tok, cmd)
		}
	case ErrBadRef:
		if e.reason == reasonCallID {
			s = fmt.Sprintf(pick(zh, "%s is not a call id; call ids look like c42 (shown on the card).",
				"%s 不是通话编号；通话编号形如 c42（见卡片）。"), tok)
		} else {
			s = fmt.Sprintf(pick(zh, "I don't know a meeting %s here; write its id like #12 (see /meet list), or leave it out for the latest meeting.",
				"这里没有会议 %s；请写成 #12 这样的编号（见 /meet list），或省略以使用最近的会议。"), tok)
		}
	case ErrBadQuote:
		s = fmt.Sprintf(pick(zh, "The quote starting at %s is not closed; add a closing \" or remove it.",
			"从 %s 开始的引号没有闭合；请补上 \" 或删去它。"), e.Token)
	case ErrTooLong:
		if e.reason == reasonTitle {
			s = fmt.Sprintf(pick(zh, "The title is too long (%d characters; at most %d). Shorten it.",
				"标题太长（%d 个字符；最多 %d 个）。请缩短。"), e.n, MaxTitleRunes)
		} else {
			s = fmt.Sprintf(pick(zh, "That command is too long (%d bytes; at most %d).",
				"命令太长（%d 字节；最多 %d 字节）。"), e.n, MaxCommandBytes)
		}
	case ErrBadText:
		s = pick(zh, "The command contains control characters or invalid text; type it again as plain text.",
			"命令中含有控制字符或无效文本；请以纯文本重新输入。")
	case ErrBadPhone, ErrBadTime, ErrBadDuration:
		var le LocalizedError
		if errors.As(e.Err, &le) {
			s = le.Message(pick(zh, "en", "zh-CN"))
		} else {
			s = fmt.Sprintf(pick(zh, "I could not read %s.", "无法识别 %s。"), tok)
		}
	default:
		s = fmt.Sprintf(pick(zh, "I could not understand %s.", "无法理解 %s。"), cmd)
	}
	if e.Suggestion != "" {
		s += fmt.Sprintf(pick(zh, " Did you mean %s?", "你是不是想输入 %s？"), e.suggestionText())
	}
	return s
}

// suggestionText renders the suggestion as the user would type it.
func (e *UsageError) suggestionText() string {
	switch {
	case e.Kind == ErrUnknownRoot:
		return "/" + e.Suggestion
	case e.Kind == ErrUnknownSub:
		return "/" + string(e.Root) + " " + e.Suggestion
	case e.Kind == ErrBadFlag:
		return "--" + e.Suggestion
	}
	return quote(e.Suggestion)
}

// usage returns the usage block that helps with this error, or "".
func (e *UsageError) usage(zh bool) string {
	if e.Root == "" {
		return ""
	}
	locale := pick(zh, "en", "zh-CN")
	switch e.Kind {
	case ErrUnknownSub:
		return Usage(e.Root, locale)
	case ErrBadFlag, ErrMissingArg, ErrUnexpectedArg, ErrTooManyParties, ErrBadParty, ErrBadRef:
		return UsageLine(e.Root, e.Sub, locale)
	}
	return ""
}
