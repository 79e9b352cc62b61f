package telegram

import (
	"fmt"
	"strings"

	"github.com/ytxbot/ytxbot/bot"
)

// The sentences the adapter says itself; everything else comes from the
// core. English first, Simplified Chinese second.
type phrase [2]string

var (
	phNotEnabled = phrase{
		"ytxbot is not enabled in this chat. An admin can enable it by adding this chat's id (%d) to telegram.allowed_chats.",
		"此聊天未启用 ytxbot。管理员可将本聊天的 ID（%d）加入 telegram.allowed_chats 来启用。",
	}
	phNotAdmitted = phrase{
		"Sorry, I only take commands from members of the groups I serve. Join one of them, or ask an admin to add you.",
		"抱歉，我只接受已启用群组成员的命令。请加入其中一个群组，或请管理员为你添加号码。",
	}
	phCheckFailed = phrase{
		"I could not check your membership just now; please try again in a minute.",
		"暂时无法确认你的成员身份，请稍后再试。",
	}
	phDeleted = phrase{
		"I deleted your message because it contained a phone number.",
		"你的消息包含电话号码，我已将其删除。",
	}
	phShareButton  = phrase{"Share my phone number", "分享我的电话号码"}
	phInvitePrompt = phrase{
		"Who should I add to meeting #%s? Reply with @names or numbers.",
		"要把谁加入会议 #%s？请回复 @用户名 或电话号码。",
	}
	phInvitePlaceholder = phrase{"@alice 13800000000", "@alice 13800000000"}
	phGreeting          = phrase{
		"Hi! I start phone conferences and dial-back calls. Commands:",
		"你好！我可以发起电话会议和双向回拨。命令：",
	}
	phGreetingShare = phrase{
		"Send /phone share to give me your number with one tap.",
		"发送 /phone share 即可一键提供你的号码。",
	}
)

// zh reports whether a Telegram language_code asks for Chinese.
func zh(lang string) bool { return strings.HasPrefix(strings.ToLower(lang), "zh") }

// say renders p in the language of lang.
func say(lang string, p phrase, args ...any) string {
	f := p[0]
	if zh(lang) {
		f = p[1]
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(f, args...)
}

// coreLocale is the locale to ask the core for descriptions in.
func coreLocale(lang string) string {
	if zh(lang) {
		return "zh-CN"
	}
	return "en"
}

// greeting answers /start in a private chat.
func greeting(lang string) string {
	lines := []string{say(lang, phGreeting)}
	for _, r := range bot.Roots() {
		lines = append(lines, "/"+string(r)+" — "+bot.Description(r, coreLocale(lang)))
	}
	lines = append(lines, say(lang, phGreetingShare))
	return strings.Join(lines, "\n")
}
