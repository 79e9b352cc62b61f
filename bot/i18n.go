package bot

import "fmt"

// msgKey names a reply sentence; catalog holds it in every language.
type msgKey string

// tr renders key in loc ("en" or "zh-CN"), falling back to English.
func tr(loc string, key msgKey, args ...any) string {
	m, ok := catalog[key]
	if !ok {
		return string(key)
	}
	f := m[1]
	if loc != "zh-CN" || f == "" {
		f = m[0]
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(f, args...)
}

const (
	msgInternal          msgKey = "internal"
	msgYouNotMapped      msgKey = "you_not_mapped"
	msgPartyNotMapped    msgKey = "party_not_mapped"
	msgUnknownUsername   msgKey = "unknown_username"
	msgBadParty          msgKey = "bad_party"
	msgNumberNotAllowed  msgKey = "number_not_allowed"
	msgRawNumbersOff     msgKey = "raw_numbers_off"
	msgNoExtension       msgKey = "no_extension"
	msgNoGroups          msgKey = "no_groups"
	msgSkippedUnmapped   msgKey = "skipped_unmapped"
	msgSkippedOffboarded msgKey = "skipped_offboarded"
	msgYouOffboarded     msgKey = "you_offboarded"
	msgPartyOffboarded   msgKey = "party_offboarded"
	msgSkippedDND        msgKey = "skipped_dnd"
	msgSkippedNotAllowed msgKey = "skipped_not_allowed"
	msgDND               msgKey = "dnd"
	msgUserLimit         msgKey = "user_limit"
	msgTargetLimit       msgKey = "target_limit"
	msgGlobalLimit       msgKey = "global_limit"
	msgOutcomeUnknown    msgKey = "outcome_unknown"
	msgYTXRateLimited    msgKey = "ytx_rate_limited"
	msgYTXAccount        msgKey = "ytx_account"
	msgYTXBalance        msgKey = "ytx_balance"
	msgYTXNumber         msgKey = "ytx_number"
	msgYTXOther          msgKey = "ytx_other"
	msgYTXUnreachable    msgKey = "ytx_unreachable"
	msgNoSuchMeeting     msgKey = "no_such_meeting"
	msgNoOpenMeeting     msgKey = "no_open_meeting"
	msgMeetingBusy       msgKey = "meeting_busy"
	msgNeedsCompany      msgKey = "needs_company"
	msgTooManyParties    msgKey = "too_many_parties"
	msgDuplicateMeeting  msgKey = "duplicate_meeting"
	msgDefaultTitle      msgKey = "default_title"
	msgBooked            msgKey = "booked"
	msgNotActive         msgKey = "not_active"
	msgAlreadyIn         msgKey = "already_in"
	msgMaybeEnded        msgKey = "maybe_ended"
	msgReasonUnknown     msgKey = "reason_unknown"
	msgInvited           msgKey = "invited"
	msgNoMeetings        msgKey = "no_meetings"
	msgMeetingsHeader    msgKey = "meetings_header"
	msgPeople            msgKey = "people"
	msgNotInMeeting      msgKey = "not_in_meeting"
	msgOnlyCreatorHangup msgKey = "only_creator_hangup"
	msgOnlyCreator       msgKey = "only_creator"
	msgReasonHungUp      msgKey = "reason_hung_up"
	msgReasonEnded       msgKey = "reason_ended"
	msgHungUp            msgKey = "hung_up"
	msgEnded             msgKey = "ended"
	msgNotBooked         msgKey = "not_booked"
	msgCancelled         msgKey = "cancelled"
	msgFromAdminsOnly    msgKey = "from_admins_only"
	msgOneParty          msgKey = "one_party"
	msgSameNumber        msgKey = "same_number"
	msgBadMax            msgKey = "bad_max"
	msgNoSuchCall        msgKey = "no_such_call"
	msgNotYourCall       msgKey = "not_your_call"
	msgNoCalls           msgKey = "no_calls"
	msgAdminsOnly        msgKey = "admins_only"
	msgSelfServiceOff    msgKey = "self_service_off"
	msgNumberTaken       msgKey = "number_taken"
	msgPhoneSetSelf      msgKey = "phone_set_self"
	msgPhoneSetOther     msgKey = "phone_set_other"
	msgFlagVerified      msgKey = "flag_verified"
	msgFlagDND           msgKey = "flag_dnd"
	msgFlagAdmin         msgKey = "flag_admin"
	msgNothingToRemove   msgKey = "nothing_to_remove"
	msgRemoved           msgKey = "removed"
	msgListHeader        msgKey = "list_header"
	msgDNDOn             msgKey = "dnd_on"
	msgDNDOff            msgKey = "dnd_off"
	msgPermanentAdmin    msgKey = "permanent_admin"
	msgLastAdmin         msgKey = "last_admin"
	msgAdminAdded        msgKey = "admin_added"
	msgAdminRemoved      msgKey = "admin_removed"
	msgShareTelegramOnly msgKey = "share_telegram_only"
	msgSharePrivateOnly  msgKey = "share_private_only"
	msgSharePrompt       msgKey = "share_prompt"
	msgNotYourContact    msgKey = "not_your_contact"
	msgContactBadPhone   msgKey = "contact_bad_phone"
	msgStaleButton       msgKey = "stale_button"
	msgRefreshed         msgKey = "refreshed"
	msgInviteMe          msgKey = "invite_me"
	msgCardFailed        msgKey = "card_failed"
	msgStateUnknown      msgKey = "state_unknown"
	msgCardUnknown       msgKey = "card_unknown"
	msgCardRoom          msgKey = "card_room"
	msgCardCallsFrom     msgKey = "card_calls_from"
	msgCardBooked        msgKey = "card_booked"
	msgCardDuration      msgKey = "card_duration"
	msgCardElapsed       msgKey = "card_elapsed"
	msgCallTitle         msgKey = "call_title"
	msgBtnInvite         msgKey = "btn_invite"
	msgBtnHangup         msgKey = "btn_hangup"
	msgBtnEnd            msgKey = "btn_end"
	msgBtnRefresh        msgKey = "btn_refresh"
	msgBtnCheck          msgKey = "btn_check"
	msgBtnCallAgain      msgKey = "btn_call_again"
	msgBtnCreateAnyway   msgKey = "btn_create_anyway"
	msgStBooked          msgKey = "st_booked"
	msgStActive          msgKey = "st_active"
	msgStEnded           msgKey = "st_ended"
	msgStCancelled       msgKey = "st_cancelled"
	msgStUnknown         msgKey = "st_unknown"
	msgStFailed          msgKey = "st_failed"
	msgStInvited         msgKey = "st_invited"
	msgStRinging         msgKey = "st_ringing"
	msgStJoined          msgKey = "st_joined"
	msgStLeft            msgKey = "st_left"
	msgStNoAnswer        msgKey = "st_no_answer"
	msgStBusy            msgKey = "st_busy"
	msgStPlaced          msgKey = "st_placed"
	msgStUntracked       msgKey = "st_untracked"
	msgStConnected       msgKey = "st_connected"
	msgStExpired         msgKey = "st_expired"
	msgSummaryTitle      msgKey = "summary_title"
	msgAlertTitle        msgKey = "alert_title"
	msgAlertYTX          msgKey = "alert_ytx"
	msgAlertLimit        msgKey = "alert_limit"
	msgAlertRefusals     msgKey = "alert_refusals"
	msgAlertForeign      msgKey = "alert_foreign"
	msgAlertSignatures   msgKey = "alert_signatures"
	msgAttended          msgKey = "attended"
	msgAttendedNobody    msgKey = "attended_nobody"
	msgAttendanceUnknown msgKey = "attendance_unknown"
)

// catalog: [English, Simplified Chinese]. Sentences are complete and say
// what to do next; none carries a secret or an unmasked number of someone
// else.
var catalog = map[msgKey][2]string{
	msgInternal:          {"Something went wrong on our side; nothing was changed. Please try again, and tell an admin if it keeps happening.", "服务内部出错，未做任何更改。请重试；如果反复出现，请联系管理员。"},
	msgYouNotMapped:      {"You have no phone number yet. Map yours with /phone set NUMBER (or ask an admin).", "你还没有登记电话号码。请用 /phone set 号码 登记（或请管理员代为登记）。"},
	msgPartyNotMapped:    {"%s has no phone number yet: they can map it with /phone set NUMBER, or an admin can with /phone set %[1]s NUMBER. Nothing was rung.", "%s 还没有登记电话号码：可由本人用 /phone set 号码 登记，或由管理员用 /phone set %[1]s 号码 登记。未拨打任何电话。"},
	msgUnknownUsername:   {"I don't know %s yet: they need to write once in a chat I'm in (or you can reply to one of their messages with the command). Nothing was rung.", "我还不认识 %s：请对方先在我所在的群里发一条消息（或回复对方的消息发送命令）。未拨打任何电话。"},
	msgBadParty:          {"%s is not a person or a number I can use here.", "%s 不是可用的成员或号码。"},
	msgNumberNotAllowed:  {"The number %s is not allowed by this workspace's policy (policy.number_allow). Nothing was rung.", "号码 %s 不在允许范围内（policy.number_allow）。未拨打任何电话。"},
	msgRawNumbersOff:     {"Typing phone numbers is turned off here: mention people who have mapped their number instead.", "此处不允许直接输入电话号码，请 @ 已登记号码的成员。"},
	msgNoExtension:       {"%s has an extension; dial-back calls need a direct line (extensions work in meetings).", "%s 带分机号；双向呼叫需要直线号码（会议可以使用分机）。"},
	msgNoGroups:          {"I can't expand %s on this platform: mention people one by one.", "此平台无法展开 %s，请逐个 @ 成员。"},
	msgSkippedOffboarded: {"Skipped %s: their account is no longer active.", "已跳过 %s：其账号已不再有效。"},
	msgYouOffboarded:     {"Your account is no longer active here, so ytxbot does not ring your number. Ask an admin if this is wrong.", "你的账号在此已不再有效，ytxbot 不会拨打你的号码。如有误请联系管理员。"},
	msgPartyOffboarded:   {"%s has left (account deactivated or no longer in the allowed chats), so their number is not used. Nothing was rung.", "%s 已离开（账号已停用或已不在允许的群组中），其号码不再使用。未拨打任何电话。"},
	msgSkippedUnmapped:   {"Skipped %s: no phone number mapped.", "已跳过 %s：未登记电话号码。"},
	msgSkippedDND:        {"Skipped %s: do not disturb is on.", "已跳过 %s：已开启免打扰。"},
	msgSkippedNotAllowed: {"Skipped %s: their number is not allowed by policy.", "已跳过 %s：号码不在允许范围内。"},
	msgDND:               {"%s has turned on do not disturb, so I won't ring them for someone else. Nothing was rung.", "%s 已开启免打扰，不能由他人发起呼叫。未拨打任何电话。"},
	msgUserLimit:         {"You have reached your limit of %d rings per hour (policy.calls_per_user_per_hour). Nothing was rung; try again later.", "你已达到每小时 %d 次呼叫的上限（policy.calls_per_user_per_hour）。未拨打任何电话，请稍后再试。"},
	msgTargetLimit:       {"%s has reached the limit of %d rings an hour at others' request (policy.rings_per_target_per_hour). Nothing was rung; try again later.", "%s 本小时被他人呼叫的次数已达上限 %d 次（policy.rings_per_target_per_hour）。未拨打任何电话，请稍后再试。"},
	msgGlobalLimit:       {"ytxbot is placing too many calls right now (policy.calls_per_minute_global). Nothing was rung; try again in a minute.", "当前呼叫过多（policy.calls_per_minute_global）。未拨打任何电话，请一分钟后再试。"},
	msgOutcomeUnknown:    {"YTX did not answer in time, so I can't tell whether the phones are ringing. I won't resend it: use Check again on the card, or /meet status.", "YTX 未及时响应，无法确认电话是否已拨出。为避免重复呼叫不会自动重发：请点卡片上的“再次检查”，或使用 /meet status。"},
	msgYTXRateLimited:    {"YTX is rate limiting, try again in a minute. Nothing was rung.", "YTX 请求过于频繁，请一分钟后再试。未拨打任何电话。"},
	msgYTXAccount:        {"The YTX account is not accepting requests (code %s). An admin needs to check the YTX settings; nothing was rung.", "YTX 账户拒绝了请求（错误码 %s）。请管理员检查 YTX 配置；未拨打任何电话。"},
	msgYTXBalance:        {"The YTX account balance is too low. An admin needs to top it up; nothing was rung.", "YTX 账户余额不足，请管理员充值；未拨打任何电话。"},
	msgYTXNumber:         {"YTX refused one of the numbers as invalid. Check the numbers with /phone show; nothing was rung.", "YTX 认为其中一个号码无效。请用 /phone show 检查号码；未拨打任何电话。"},
	msgYTXOther:          {"YTX refused the request (code %s: %s).", "YTX 拒绝了请求（错误码 %s：%s）。"},
	msgYTXUnreachable:    {"I couldn't reach YTX. Nothing was rung; try again in a minute.", "无法连接 YTX。未拨打任何电话，请稍后再试。"},
	msgNoSuchMeeting:     {"I don't know meeting %s here. /meet list shows this channel's meetings.", "此处没有会议 %s。/meet list 可查看本频道的会议。"},
	msgMeetingBusy:       {"Meeting %s is busy with another change that is taking long (YTX or the chat is slow). Try again in a moment.", "会议 %s 正在处理另一项较慢的操作（YTX 或聊天平台响应慢）。请稍后再试。"},
	msgNoOpenMeeting:     {"There is no open meeting in this channel. Start one with /meet create, or name one: /meet status #ID.", "本频道没有进行中的会议。可用 /meet create 发起，或指定会议：/meet status #编号。"},
	msgNeedsCompany:      {"A meeting needs someone besides you: /meet create [title] @someone …", "会议至少需要一位其他参与者：/meet create [标题] @某人 …"},
	msgTooManyParties:    {"That would make %d participants; the limit is %d (policy.meeting_max_parties).", "参与者将达到 %d 人，超过上限 %d 人（policy.meeting_max_parties）。"},
	msgDuplicateMeeting:  {"You started the same meeting just now (%s). Create another one anyway? (or add --confirm)", "你刚刚发起了相同的会议（%s）。仍要再创建一个吗？（或加上 --confirm）"},
	msgDefaultTitle:      {"Meeting", "会议"},
	msgBooked:            {"Meeting %s is booked for %s.", "会议 %s 已预约在 %s。"},
	msgNotActive:         {"Meeting %s is not in progress.", "会议 %s 不在进行中。"},
	msgAlreadyIn:         {"%s is already in the meeting.", "%s 已在会议中。"},
	msgMaybeEnded:        {"Meeting %s may have ended; I refreshed its card. (%s)", "会议 %s 可能已结束，已刷新卡片。（%s）"},
	msgReasonUnknown:     {"outcome unknown", "结果未知"},
	msgInvited:           {"Ringing %d more into meeting %s.", "正在邀请 %d 人加入会议 %s。"},
	msgNoMeetings:        {"No meetings in this channel yet.", "本频道还没有会议。"},
	msgMeetingsHeader:    {"Meetings in this channel:", "本频道的会议："},
	msgPeople:            {"%d people", "%d 人"},
	msgNotInMeeting:      {"%s is not in this meeting.", "%s 不在此会议中。"},
	msgOnlyCreatorHangup: {"Only the meeting's creator or an admin can hang up others (you can always drop yourself).", "只有会议发起人或管理员可以挂断他人（你可以挂断自己）。"},
	msgOnlyCreator:       {"Only the meeting's creator or an admin can do that.", "只有会议发起人或管理员可以执行此操作。"},
	msgReasonHungUp:      {"hung up", "已挂断"},
	msgReasonEnded:       {"meeting ended", "会议已结束"},
	msgHungUp:            {"Hung up %s.", "已挂断 %s。"},
	msgEnded:             {"Meeting %s ended.", "会议 %s 已结束。"},
	msgNotBooked:         {"Meeting %s is not a booked meeting.", "会议 %s 不是预约会议。"},
	msgCancelled:         {"Booking %s cancelled.", "预约 %s 已取消。"},
	msgFromAdminsOnly:    {"Only admins can ring someone else's phone first (--from).", "只有管理员可以使用 --from 指定先呼叫他人。"},
	msgOneParty:          {"A dial-back call rings one person; use /meet create for more.", "双向呼叫只能呼叫一个人；多人请用 /meet create。"},
	msgSameNumber:        {"Both ends of that call are the same number.", "呼叫两端是同一个号码。"},
	msgBadMax:            {"--max must be more than 1 minute and at most %s (policy.dialback_ceiling).", "--max 必须大于 1 分钟且不超过 %s（policy.dialback_ceiling）。"},
	msgNoSuchCall:        {"I don't know call %s here.", "此处没有呼叫 %s。"},
	msgNotYourCall:       {"That call is someone else's.", "这是别人的呼叫。"},
	msgNoCalls:           {"You haven't placed a call in this channel yet.", "你在本频道还没有发起过呼叫。"},
	msgAdminsOnly:        {"Only admins can do that.", "只有管理员可以执行此操作。"},
	msgSelfServiceOff:    {"Self-service is off here: ask an admin to map your number (or use /phone share in a private chat with me on Telegram).", "此处未开放自助登记：请管理员代为登记（或在 Telegram 私聊中使用 /phone share）。"},
	msgNumberTaken:       {"That number is already mapped to someone else; an admin can map it to several people.", "该号码已被他人登记；管理员可以将一个号码登记给多人。"},
	msgPhoneSetSelf:      {"Saved: your number is %s.", "已保存：你的号码是 %s。"},
	msgPhoneSetOther:     {"Saved: %s's number is %s.", "已保存：%s 的号码是 %s。"},
	msgFlagVerified:      {"verified", "已验证"},
	msgFlagDND:           {"do not disturb", "免打扰"},
	msgFlagAdmin:         {"admin", "管理员"},
	msgNothingToRemove:   {"No number is mapped there.", "没有登记的号码。"},
	msgRemoved:           {"Removed %s's number.", "已删除 %s 的号码。"},
	msgListHeader:        {"Mappings (%d identities):", "号码登记（%d 个身份）："},
	msgDNDOn:             {"Do not disturb is on: others can't ring you; you can still start your own calls.", "已开启免打扰：他人无法呼叫你，你仍可自己发起呼叫。"},
	msgDNDOff:            {"Do not disturb is off.", "已关闭免打扰。"},
	msgPermanentAdmin:    {"That admin is set in the configuration (admins) and can't be removed by command.", "该管理员在配置文件中设定（admins），不能通过命令移除。"},
	msgLastAdmin:         {"You are the last admin; grant someone else first.", "你是最后一位管理员，请先授权他人。"},
	msgAdminAdded:        {"%s is now an admin.", "%s 已成为管理员。"},
	msgAdminRemoved:      {"%s is no longer an admin.", "%s 已不再是管理员。"},
	msgShareTelegramOnly: {"/phone share works in Telegram; here use /phone set NUMBER.", "/phone share 仅适用于 Telegram；此处请用 /phone set 号码。"},
	msgSharePrivateOnly:  {"Send /phone share in a private chat with me, so your number stays private.", "请在与我的私聊中发送 /phone share，以免泄露号码。"},
	msgSharePrompt:       {"Tap \"Share my phone number\" below; Telegram sends me your verified number.", "请点击下方“分享我的电话号码”，Telegram 会发送你已验证的号码。"},
	msgNotYourContact:    {"That contact is someone else's. Only your own number can be shared this way.", "这是他人的联系人。只能通过此方式分享你本人的号码。"},
	msgContactBadPhone:   {"I can't use the number in that contact.", "无法使用该联系人中的号码。"},
	msgStaleButton:       {"That button no longer applies.", "该按钮已失效。"},
	msgRefreshed:         {"Refreshed %s: %s.", "已刷新 %s：%s。"},
	msgInviteMe:          {"I'm not in this channel, so I couldn't post the card: invite me (/invite @ytxbot). Here is the status:", "我不在此频道，无法发布卡片：请邀请我加入（/invite @ytxbot）。当前状态："},
	msgCardFailed:        {"I couldn't post the status card; here it is:", "无法发布状态卡片，内容如下："},
	msgStateUnknown:      {"state unknown · refreshed %s", "状态未知 · 刷新于 %s"},
	msgCardUnknown:       {"outcome unknown: YTX did not answer; not resent", "结果未知：YTX 未响应，未重发"},
	msgCardRoom:          {"room %s", "会议室 %s"},
	msgCardCallsFrom:     {"calls from %s", "外显 %s"},
	msgCardBooked:        {"booked for %s", "预约于 %s"},
	msgCardDuration:      {"lasted %s", "时长 %s"},
	msgCardElapsed:       {"%s so far", "已进行 %s"},
	msgCallTitle:         {"Call %s → %s", "呼叫 %s → %s"},
	msgBtnInvite:         {"Invite…", "邀请…"},
	msgBtnHangup:         {"Hang up", "挂断"},
	msgBtnEnd:            {"End meeting", "结束会议"},
	msgBtnRefresh:        {"Refresh", "刷新"},
	msgBtnCheck:          {"Check again", "再次检查"},
	msgBtnCallAgain:      {"Call again", "再次呼叫"},
	msgBtnCreateAnyway:   {"Create anyway", "仍然创建"},
	msgStBooked:          {"booked", "已预约"},
	msgStActive:          {"in progress", "进行中"},
	msgStEnded:           {"ended", "已结束"},
	msgStCancelled:       {"cancelled", "已取消"},
	msgStUnknown:         {"state unknown", "状态未知"},
	msgStFailed:          {"failed", "失败"},
	msgStInvited:         {"invited", "已邀请"},
	msgStRinging:         {"ringing", "振铃中"},
	msgStJoined:          {"joined", "已加入"},
	msgStLeft:            {"left", "已离开"},
	msgStNoAnswer:        {"no answer", "无应答"},
	msgStBusy:            {"busy", "忙线"},
	msgStPlaced:          {"placed", "已发起"},
	msgStUntracked:       {"placed (untracked)", "已发起（无法跟踪）"},
	msgStConnected:       {"connected", "通话中"},
	msgStExpired:         {"no longer tracked", "已停止跟踪"},
	msgSummaryTitle:      {"Summary: %s", "会议纪要：%s"},
	msgAlertTitle:        {"ytxbot alert", "ytxbot 告警"},
	msgAlertYTX:          {"YTX refused a request with code %s (%s): %s", "YTX 以错误码 %s 拒绝了请求（%s）：%s"},
	msgAlertLimit:        {"%s hit a limit: %s", "%s 触发了限制：%s"},
	msgAlertRefusals:     {"%s was refused %d times within %s (latest: %s).", "%s 在 %[3]s 内被拒绝 %[2]d 次（最近一次：%[4]s）。"},
	msgAlertForeign:      {"A request from another %s workspace (%s) was refused.", "来自其他 %s 工作区（%s）的请求已被拒绝。"},
	msgAlertSignatures:   {"%d %s requests with a bad signature or secret within %s (latest from %s); they were refused.", "%[3]s 内有 %[1]d 个签名或密钥错误的 %[2]s 请求（最近来自 %[4]s），均已拒绝。"},
	msgAttended:          {"attended: %s", "参会：%s"},
	msgAttendedNobody:    {"nobody joined", "无人加入"},
	msgAttendanceUnknown: {"attendance unknown", "参会情况未知"},
}
