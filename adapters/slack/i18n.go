package slack

import (
	"fmt"
	"strings"
	"time"
)

// The adapter's own sentences, in the core's two languages. The card
// labels mirror the core's (bot/i18n.go card_room … card_elapsed), which
// are not exported.
type msgKey int

const (
	msgWorking msgKey = iota
	msgNotEnabled
	msgNotReady
	msgDeactivated
	msgUnknownCommand
	msgCardPosted
	msgModalTitle
	msgModalSubmit
	msgModalClose
	msgModalPeople
	msgModalNumbers
	msgModalNumbersHint
	msgModalEmpty
	msgModalTooMany
	msgModalOnlyNumbers
	msgModalFailed
	msgCardRoom
	msgCardCallsFrom
	msgCardBooked
	msgCardDuration
	msgCardElapsed
)

var catalog = map[msgKey][2]string{
	msgWorking:          {"Working on it…", "正在处理…"},
	msgNotEnabled:       {"This Slack workspace is not enabled for ytxbot.", "此 Slack 工作区未启用 ytxbot。"},
	msgNotReady:         {"ytxbot is starting; try again in a moment.", "ytxbot 正在启动，请稍后再试。"},
	msgDeactivated:      {"Your Slack account is deactivated, so ytxbot cannot act for it.", "你的 Slack 账号已停用，ytxbot 无法为其操作。"},
	msgUnknownCommand:   {"ytxbot does not know the command %s.", "ytxbot 不认识命令 %s。"},
	msgCardPosted:       {"Done: the status card is in the channel.", "完成：状态卡片已发到频道。"},
	msgModalTitle:       {"Invite to %s", "邀请加入 %s"},
	msgModalSubmit:      {"Invite", "邀请"},
	msgModalClose:       {"Cancel", "取消"},
	msgModalPeople:      {"People", "成员"},
	msgModalNumbers:     {"Phone numbers", "电话号码"},
	msgModalNumbersHint: {"One per line, e.g. 138-0000-0000 or 010-5388-9900,1234 (with an extension).", "每行一个，例如 138-0000-0000 或 010-5388-9900,1234（带分机）。"},
	msgModalEmpty:       {"Pick someone or type a number.", "请选择成员或输入号码。"},
	msgModalTooMany:     {"At most %d numbers at a time.", "一次最多 %d 个号码。"},
	msgModalOnlyNumbers: {"Only phone numbers here; pick people in the field above.", "此处只能填写电话号码；请在上方选择成员。"},
	msgModalFailed:      {"I couldn't open the invite form; use %s invite %s @name instead.", "无法打开邀请表单，请改用 %s invite %s @成员。"},
	msgCardRoom:         {"room %s", "会议室 %s"},
	msgCardCallsFrom:    {"calls from %s", "外显 %s"},
	msgCardBooked:       {"booked for %s", "预约于 %s"},
	msgCardDuration:     {"lasted %s", "时长 %s"},
	msgCardElapsed:      {"%s so far", "已进行 %s"},
}

// tr renders key in loc ("zh…" = Simplified Chinese, else English).
func tr(loc string, key msgKey, args ...any) string {
	m := catalog[key]
	f := m[0]
	if isZH(loc) && m[1] != "" {
		f = m[1]
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(f, args...)
}

func isZH(loc string) bool { return strings.HasPrefix(strings.ToLower(loc), "zh") }

// locale turns Slack's locale ("en-US", "zh-CN", "ja-JP") into one the core
// speaks, or "" to let the core use its configured default.
func locale(slackLocale string) string {
	l := strings.ToLower(slackLocale)
	switch {
	case strings.HasPrefix(l, "zh"):
		return "zh-CN"
	case strings.HasPrefix(l, "en"):
		return "en"
	}
	return ""
}

// fmtDuration renders like the core: m:ss or h:mm:ss.
func fmtDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}
