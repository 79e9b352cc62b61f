package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/ytx"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := Config{Token: testToken}
	tests := []struct {
		name string
		cfg  Config
		want string // a substring of the error; "" = valid
	}{
		{"polling", ok, ""},
		{"no token", Config{}, "telegram.token"},
		{"token with slash", Config{Token: "1:a/b"}, "telegram.token"},
		{"bad mode", Config{Token: testToken, Mode: "push"}, "telegram.mode"},
		{"webhook", Config{Token: testToken, Mode: ModeWebhook, WebhookURL: "https://bot.example/telegram/webhook", WebhookSecret: "s3cret_-"}, ""},
		{"webhook without url", Config{Token: testToken, Mode: ModeWebhook, WebhookSecret: "s"}, "telegram.webhook_url"},
		{"webhook over http", Config{Token: testToken, Mode: ModeWebhook, WebhookURL: "http://bot.example/x", WebhookSecret: "s"}, "telegram.webhook_url"},
		{"webhook without secret", Config{Token: testToken, Mode: ModeWebhook, WebhookURL: "https://bot.example/x"}, "telegram.webhook_secret"},
		{"bad secret", Config{Token: testToken, Mode: ModeWebhook, WebhookURL: "https://bot.example/x", WebhookSecret: "a b"}, "telegram.webhook_secret"},
		{"bad server url", Config{Token: testToken, ServerURL: "ftp://x"}, "telegram.server_url"},
		{"zero chat", Config{Token: testToken, AllowedChats: []int64{-1, 0}}, "telegram.allowed_chats[1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.cfg.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate = %v, want an error naming %s", err, tc.want)
			}
			if err != nil && (strings.Contains(err.Error(), "TESTtoken") || strings.Contains(err.Error(), "s3cret")) {
				t.Fatalf("error leaks a secret: %v", err)
			}
		})
	}
}

func TestNewDoesNoIO(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t)
	_, err := New(Config{Token: testToken, ServerURL: api.URL()}, &recCore{})
	if err != nil {
		t.Fatal(err)
	}
	if got := api.methods(); len(got) != 0 {
		t.Fatalf("New called the API: %v", got)
	}
	if _, err := New(Config{Token: testToken}, nil); err == nil {
		t.Fatal("New without a core succeeded")
	}
	if _, err := New(Config{Token: testToken}, &recCore{}, WithHTTPClient(&http.Client{Timeout: time.Second})); err == nil {
		t.Fatal("a client timeout below the poll timeout was accepted")
	}
}

func TestFindCommand(t *testing.T) {
	t.Parallel()
	mention := func(off, n int) models.MessageEntity {
		return models.MessageEntity{Type: models.MessageEntityTypeTextMention, Offset: off, Length: n, User: &models.User{ID: 42, FirstName: "Zoë"}}
	}
	tests := []struct {
		name     string
		text     string
		extra    []models.MessageEntity
		ok       bool
		forOther bool
		want     string
		wantEnts []bot.Entity
	}{
		{name: "plain", text: "/meet create x @bob", ok: true, want: "/meet create x @bob",
			wantEnts: []bot.Entity{{Type: "bot_command", Offset: 0, Length: 5}, {Type: "mention", Offset: 15, Length: 4}}},
		{name: "ours", text: "/meet@OurBot status", ok: true, want: "/meet@OurBot status",
			wantEnts: []bot.Entity{{Type: "bot_command", Offset: 0, Length: 12}}},
		{name: "ours any case", text: "/Call@ourbot dialback", ok: true, want: "/Call@ourbot dialback",
			wantEnts: []bot.Entity{{Type: "bot_command", Offset: 0, Length: 12}}},
		{name: "another bot", text: "/meet@OtherBot create x", ok: true, forOther: true},
		{name: "after emoji and CJK", text: "👋 你好 /meet create x Zoë", extra: []models.MessageEntity{mention(21, 3)}, ok: true,
			want:     "/meet create x Zoë",
			wantEnts: []bot.Entity{{Type: "bot_command", Offset: 0, Length: 5}, {Type: "text_mention", Offset: 15, Length: 3, UserID: "42", Name: "Zoë"}}},
		{name: "not ours then ours", text: "/start then /phone show", ok: true, want: "/start then /phone show",
			wantEnts: []bot.Entity{{Type: "bot_command", Offset: 0, Length: 6}, {Type: "bot_command", Offset: 12, Length: 6}}},
		{name: "unknown command", text: "/weather today", ok: false},
		{name: "no command", text: "meet me at 10", ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, ok := findCommand(tc.text, append(entitiesOf(tc.text), tc.extra...), botName)
			if ok != tc.ok || c.forOther != tc.forOther {
				t.Fatalf("findCommand = %+v, %v; want ok %v forOther %v", c, ok, tc.ok, tc.forOther)
			}
			if !ok || c.forOther {
				return
			}
			if c.text != tc.want {
				t.Errorf("text = %q, want %q", c.text, tc.want)
			}
			if !slices.Equal(c.ents, tc.wantEnts) {
				t.Errorf("entities = %+v, want %+v", c.ents, tc.wantEnts)
			}
		})
	}
	// Offsets Telegram would never send are ignored, not trusted.
	bad := []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: 1, Length: 5}, {Type: models.MessageEntityTypeBotCommand, Offset: 3, Length: 40}}
	if c, ok := findCommand("👋/meet", bad, botName); ok {
		t.Fatalf("a command inside a surrogate pair or beyond the text matched: %+v", c)
	}
}

func TestMeetCreateInAllowedGroupPostsMaskedCard(t *testing.T) {
	e := setup(t).started()
	e.send(e.msg(group, alice, "/meet@OurBot create standup @bob"))

	if n := e.Sim.Count(ytx.ActionCreateMeeting); n != 1 {
		t.Fatalf("createMeeting sent %d times, want 1", n)
	}
	card := e.card(group.ID)
	text := card.Form["text"]
	for _, want := range []string{"<b>#1 standup</b>", "138****0001", "139****0002"} {
		if !strings.Contains(text, want) {
			t.Errorf("card %q lacks %q", text, want)
		}
	}
	if strings.Contains(text, alicePhone) || strings.Contains(text, bobPhone) {
		t.Errorf("card shows a full number: %q", text)
	}
	data := card.callbackData(t)
	for _, want := range []string{"m:1:hangup:0", "m:1:hangup:1", "m:1:invite", "m:1:end", "m:1:refresh"} {
		if !slices.Contains(data, want) {
			t.Errorf("keyboard %v lacks %s", data, want)
		}
	}
	for _, d := range data {
		if len(d) == 0 || len(d) > 64 {
			t.Errorf("callback_data %q breaks Telegram's 1-64 byte rule", d)
		}
	}
	if n := len(e.sent(group.ID)); n != 1 {
		t.Errorf("%d messages in the group, want only the card", n)
	}
	// Admission asks nothing for mapped people; the roster (offboarding)
	// asks once per person, then its cache answers.
	e.send(e.msg(group, bob, "/meet create again @alice --confirm"))
	if n := len(e.api.Calls("getChatMember")); n != 2 {
		t.Errorf("getChatMember called %d times, want once for alice and once for bob", n)
	}
}

func TestCommandForAnotherBotIsIgnored(t *testing.T) {
	e := setup(t).started()
	before := len(e.api.Calls(""))
	e.send(e.msg(group, alice, "/meet@OtherBot create standup @bob"))
	if got := e.api.Calls(""); len(got) != before {
		t.Fatalf("API called for another bot's command: %v", e.api.methods()[before:])
	}
	if n := len(e.Sim.Requests()); n != 0 {
		t.Fatalf("YTX got %d requests", n)
	}
}

func TestNotEnabledChatGetsOneNote(t *testing.T) {
	e := setup(t).started()
	e.send(e.msg(otherChat, alice, "/meet create standup @bob"))
	e.send(e.msg(otherChat, alice, "/call dialback @bob"))

	notes := e.sent(otherChat.ID)
	if len(notes) != 1 {
		t.Fatalf("%d notes in the chat, want 1", len(notes))
	}
	if !strings.Contains(notes[0].Form["text"], "not enabled") || !strings.Contains(notes[0].Form["text"], strconv.FormatInt(otherChat.ID, 10)) {
		t.Errorf("note = %q", notes[0].Form["text"])
	}
	if n := len(e.Sim.Requests()); n != 0 {
		t.Fatalf("YTX got %d requests from a chat that is not enabled", n)
	}
	if n := len(e.api.Calls("getChatMember")); n != 0 {
		t.Errorf("getChatMember called %d times", n)
	}

	// In Chinese for a Chinese speaker, in another chat.
	third := models.Chat{ID: -1003003, Type: models.ChatTypeGroup, Title: "三"}
	e.send(e.msg(third, fei, "/meet list"))
	if notes := e.sent(third.ID); len(notes) != 1 || !strings.Contains(notes[0].Form["text"], "未启用") {
		t.Fatalf("notes = %+v, want one in Chinese", notes)
	}
}

func TestNonMemberIsRefusedBeforeTheCore(t *testing.T) {
	e := setup(t).started()
	e.send(e.msg(privateChat(dave), dave, "/meet create standup @bob"))

	if n := len(e.Sim.Requests()); n != 0 {
		t.Fatalf("YTX got %d requests from a non-member", n)
	}
	checks := e.api.Calls("getChatMember")
	if len(checks) != 1 || checks[0].chat() != itoa(group.ID) || checks[0].Form["user_id"] != itoa(dave.ID) {
		t.Fatalf("getChatMember calls = %+v", checks)
	}
	notes := e.sent(dave.ID)
	if len(notes) != 1 || !strings.Contains(notes[0].Form["text"], "only take commands from members") {
		t.Fatalf("notes = %+v", notes)
	}

	// In the allowed group (a discussion group lets non-members write): the
	// refusal goes to Dave's private chat, and the cached answer is reused.
	e.send(e.msg(group, dave, "/call dialback @bob"))
	if n := len(e.api.Calls("getChatMember")); n != 1 {
		t.Errorf("getChatMember called %d times, want 1 (cached)", n)
	}
	if n := len(e.sent(dave.ID)); n != 2 {
		t.Errorf("%d notes to Dave, want 2", n)
	}
	// Gus never wrote privately: a reply in the group; his number-bearing
	// command is deleted although it never reached the core.
	gus := models.User{ID: 2004, FirstName: "Gus"}
	e.send(e.msg(group, gus, "/call dialback 13900000002"))
	if n := len(e.Sim.Requests()); n != 0 {
		t.Fatalf("YTX got %d requests", n)
	}
	replies := e.sent(group.ID)
	if len(replies) != 1 || !strings.Contains(replies[0].Form["text"], "only take commands") {
		t.Fatalf("group replies = %+v", replies)
	}
	if n := len(e.api.Calls("deleteMessage")); n != 1 {
		t.Errorf("the refused command with a number was not deleted (%d deletions)", n)
	}

	// A member gets through to the core, which knows no number for them.
	e.send(e.msg(privateChat(erin), erin, "/phone show"))
	got := e.sent(erin.ID)
	if len(got) != 1 || strings.Contains(got[0].Form["text"], "only take commands") {
		t.Fatalf("a member was refused: %+v", got)
	}
}

func TestMembershipCacheExpires(t *testing.T) {
	e := setup(t).started()
	e.send(e.msg(privateChat(dave), dave, "/phone show"))
	e.api.setMember(dave.ID, "restricted") // restricted, but still a member
	e.send(e.msg(privateChat(dave), dave, "/phone show"))
	if n := len(e.api.Calls("getChatMember")); n != 1 {
		t.Fatalf("getChatMember called %d times, want 1", n)
	}
	e.clock.mu.Lock()
	e.clock.now = e.clock.now.Add(nonMemberTTL + time.Second)
	e.clock.mu.Unlock()
	e.send(e.msg(privateChat(dave), dave, "/phone show"))
	if n := len(e.api.Calls("getChatMember")); n != 2 {
		t.Fatalf("getChatMember called %d times after the cache expired, want 2", n)
	}
	last := e.sent(dave.ID)
	if txt := last[len(last)-1].Form["text"]; strings.Contains(txt, "only take commands") {
		t.Fatalf("a restricted member was refused: %q", txt)
	}
}

func TestDuplicateUpdateRingsOnce(t *testing.T) {
	e := setup(t).started()
	u := e.msg(group, alice, "/meet create standup @bob")
	e.send(u)
	e.send(u)
	if n := e.Sim.Count(ytx.ActionCreateMeeting); n != 1 {
		t.Fatalf("createMeeting sent %d times, want 1", n)
	}
	if n := len(e.sent(group.ID)); n != 1 {
		t.Fatalf("%d messages, want 1 card", n)
	}
}

func TestUsernameLearnedBeforeDispatch(t *testing.T) {
	e := setup(t).started()
	// Carol's only message and Alice's command arrive in one batch: the
	// command is dispatched after Carol's username was learned.
	e.a.process(context.Background(), e.msg(group, carol, "morning all"))
	e.a.process(context.Background(), e.msg(group, alice, "/meet create sync @carol"))
	e.a.inflight.Wait()

	if n := e.Sim.Count(ytx.ActionCreateMeeting); n != 1 {
		t.Fatalf("createMeeting sent %d times, want 1; replies %+v", n, e.sent(group.ID))
	}
	ms := e.Sim.Meetings()
	var phones []string
	for _, p := range ms[0].Parties {
		phones = append(phones, p.Phone)
	}
	if !slices.Contains(phones, carolPhone) {
		t.Fatalf("parties %v lack Carol", phones)
	}
}

func TestUTF16OffsetsAndTextMention(t *testing.T) {
	e := setup(t).started()
	// "Bob Smith" as a text_mention (a user without a username), after an
	// emoji (2 UTF-16 units, 4 bytes) and CJK text (1 unit, 3 bytes each).
	text := "👋 你好 /meet create sync Bob Smith"
	off := utf16Len("👋 你好 /meet create sync ")
	bobNoName := bob
	bobNoName.Username = ""
	e.send(e.msg(group, alice, text, models.MessageEntity{Type: models.MessageEntityTypeTextMention, Offset: off, Length: utf16Len("Bob Smith"), User: &bobNoName}))

	if n := e.Sim.Count(ytx.ActionCreateMeeting); n != 1 {
		t.Fatalf("createMeeting sent %d times; replies %+v", n, e.sent(group.ID))
	}
	var phones []string
	for _, p := range e.Sim.Meetings()[0].Parties {
		phones = append(phones, p.Phone)
	}
	if !slices.Contains(phones, bobPhone) {
		t.Fatalf("parties %v lack Bob", phones)
	}
	if !strings.Contains(e.card(group.ID).Form["text"], "139****0002") {
		t.Error("card lacks Bob")
	}
}

func TestReplyTargeting(t *testing.T) {
	e := setup(t).started()
	hello := e.msg(group, bob, "can someone call me?")
	e.send(hello)
	cmd := e.msg(group, alice, "/call dialback")
	cmd.Message.ReplyToMessage = hello.Message
	e.send(cmd)

	var dialbacks []string
	for _, r := range e.Sim.Requests() {
		if r.Action == ytx.ActionDialBack {
			dialbacks = append(dialbacks, string(r.Body))
		}
	}
	if len(dialbacks) != 1 || !strings.Contains(dialbacks[0], bobPhone) || !strings.Contains(dialbacks[0], alicePhone) {
		t.Fatalf("dial-backs = %v, want one from Alice to Bob; replies %+v", dialbacks, e.sent(group.ID))
	}
}

func TestHangupButton(t *testing.T) {
	e := setup(t).started()
	e.send(e.msg(group, alice, "/meet create standup @bob"))
	card := e.card(group.ID)
	if !slices.Contains(card.callbackData(t), "m:1:hangup:1") {
		t.Fatalf("no hang-up button for Bob: %v", card.callbackData(t))
	}
	click := e.click(group, card.MsgID, alice, "m:1:hangup:1")
	e.send(click)

	if n := e.Sim.Count(ytx.ActionHangup); n != 1 {
		t.Fatalf("hangupMeeting sent %d times, want 1", n)
	}
	edits := e.api.Calls("editMessageText")
	if len(edits) == 0 {
		t.Fatal("card not edited")
	}
	last := edits[len(edits)-1]
	if last.chat() != itoa(group.ID) || last.Form["message_id"] != strconv.Itoa(card.MsgID) {
		t.Errorf("edited %s/%s, want the card %d/%d", last.chat(), last.Form["message_id"], group.ID, card.MsgID)
	}
	if !strings.Contains(last.Form["text"], "139****0002 — left") {
		t.Errorf("edited card %q does not show Bob left", last.Form["text"])
	}
	answers := e.api.Calls("answerCallbackQuery")
	if len(answers) != 1 || answers[0].Form["callback_query_id"] != click.CallbackQuery.ID {
		t.Fatalf("callback answers = %+v", answers)
	}
	if answers[0].Form["text"] == "" {
		t.Error("the toast is empty; want the core's short reply")
	}

	// A click in a chat that is not enabled is answered with a note, and
	// nothing reaches the core.
	e.send(e.click(otherChat, 7, alice, "m:1:end"))
	if n := e.Sim.Count(ytx.ActionDestroy); n != 0 {
		t.Fatalf("destroyMeeting sent from a chat that is not enabled")
	}
	answers = e.api.Calls("answerCallbackQuery")
	if len(answers) != 2 || !strings.Contains(answers[1].Form["text"], "not enabled") || answers[1].Form["show_alert"] != "true" {
		t.Fatalf("answers = %+v", answers)
	}
}

func TestInviteButtonAsksWithForceReply(t *testing.T) {
	e := setup(t).started()
	e.send(e.msg(group, alice, "/meet create standup @bob"))
	card := e.card(group.ID)
	e.send(e.click(group, card.MsgID, alice, "m:1:invite"))

	if n := len(e.api.Calls("answerCallbackQuery")); n != 1 {
		t.Fatalf("callback answered %d times", n)
	}
	var ask apiCall
	for _, c := range e.sent(group.ID) {
		if strings.Contains(c.Form["reply_markup"], "force_reply") {
			ask = c
		}
	}
	if ask.MsgID == 0 {
		t.Fatalf("no ForceReply prompt; sent %+v", e.sent(group.ID))
	}
	if m := ask.markup(t); m["force_reply"] != true || m["selective"] != true {
		t.Errorf("markup = %v", m)
	}
	if !strings.Contains(ask.Form["text"], "Who should I add to meeting #1? Reply with @names or numbers.") ||
		!strings.Contains(ask.Form["text"], `tg://user?id=1001`) {
		t.Errorf("prompt = %q", ask.Form["text"])
	}
	prompt := &models.Message{ID: ask.MsgID, Date: 1, Chat: group, From: &models.User{ID: botUserID, IsBot: true, Username: botName}, Text: "Who…"}

	// Only the person who clicked may answer.
	other := e.msg(group, bob, "@carol")
	other.Message.ReplyToMessage = prompt
	e.send(other)
	if n := e.Sim.Count(ytx.ActionInvite); n != 0 {
		t.Fatalf("Bob's answer invited someone")
	}
	if err := e.Bot.LearnUsername(context.Background(), bot.Telegram, "carol", identity(carol.ID)); err != nil {
		t.Fatal(err)
	}
	ans := e.msg(group, alice, "@carol")
	ans.Message.ReplyToMessage = prompt
	e.send(ans)
	if n := e.Sim.Count(ytx.ActionInvite); n != 1 {
		t.Fatalf("inviteJoinMeeting sent %d times, want 1; replies %+v", n, e.sent(group.ID))
	}
	// The prompt is used up.
	again := e.msg(group, alice, "@carol")
	again.Message.ReplyToMessage = prompt
	e.send(again)
	if n := e.Sim.Count(ytx.ActionInvite); n != 1 {
		t.Fatalf("inviteJoinMeeting sent %d times, want 1", n)
	}
}

func TestShareContact(t *testing.T) {
	e := setup(t).started()
	ctx := context.Background()
	e.send(e.msg(privateChat(erin), erin, "/phone share"))
	prompts := e.sent(erin.ID)
	if len(prompts) != 1 {
		t.Fatalf("sent %+v", prompts)
	}
	kb, _ := prompts[0].markup(t)["keyboard"].([]any)
	if len(kb) != 1 {
		t.Fatalf("share prompt markup = %v", prompts[0].markup(t))
	}
	button := kb[0].([]any)[0].(map[string]any)
	if button["request_contact"] != true || button["text"] != "Share my phone number" || prompts[0].markup(t)["one_time_keyboard"] != true {
		t.Fatalf("share button = %v", prompts[0].markup(t))
	}

	contact := func(owner int64, phone string) *models.Update {
		u := e.msg(privateChat(erin), erin, "")
		u.Message.Contact = &models.Contact{PhoneNumber: phone, FirstName: "x", UserID: owner}
		return u
	}
	e.send(contact(bob.ID, "+86 139 0000 0002"))
	if _, err := e.Store.User(ctx, identity(erin.ID)); !errors.Is(err, bot.ErrNotFound) {
		t.Fatalf("someone else's contact mapped Erin: %v", err)
	}
	got := e.sent(erin.ID)
	if txt := got[len(got)-1].Form["text"]; !strings.Contains(txt, "someone else's") {
		t.Fatalf("reply = %q", txt)
	}

	e.send(contact(erin.ID, "+86 136 0000 0042"))
	u, err := e.Store.User(ctx, identity(erin.ID))
	if err != nil || u.Phone != "13600000042" || !u.Verified {
		t.Fatalf("Erin's mapping = %+v, %v; want a verified 13600000042", u, err)
	}
	got = e.sent(erin.ID)
	last := got[len(got)-1]
	if !strings.Contains(last.Form["text"], "13600000042") || last.markup(t)["remove_keyboard"] != true {
		t.Fatalf("reply = %+v", last.Form)
	}
}

func TestGroupAnswersArePrivateOrMasked(t *testing.T) {
	e := setup(t).started()
	// No private chat yet: a masked reply in the group.
	show := e.msg(group, alice, "/phone show")
	e.send(show)
	replies := e.sent(group.ID)
	if len(replies) != 1 {
		t.Fatalf("replies = %+v", replies)
	}
	if txt := replies[0].Form["text"]; strings.Contains(txt, alicePhone) || !strings.Contains(txt, "138****0001") {
		t.Fatalf("group reply %q is not masked", txt)
	}
	if !strings.Contains(replies[0].Form["reply_parameters"], strconv.Itoa(show.Message.ID)) {
		t.Errorf("reply_parameters = %q", replies[0].Form["reply_parameters"])
	}

	// A command with a number is deleted, and the answer says so.
	create := e.msg(group, alice, "/meet create standup 13900000002")
	e.send(create)
	dels := e.api.Calls("deleteMessage")
	if len(dels) != 1 || dels[0].Form["message_id"] != strconv.Itoa(create.Message.ID) || dels[0].chat() != itoa(group.ID) {
		t.Fatalf("deleteMessage calls = %+v", dels)
	}
	replies = e.sent(group.ID)
	var said bool
	for _, r := range replies {
		said = said || strings.Contains(r.Form["text"], "I deleted your message because it contained a phone number")
		if strings.Contains(r.Form["text"], bobPhone) {
			t.Errorf("group message shows a full number: %q", r.Form["text"])
		}
	}
	if !said {
		t.Errorf("nobody was told about the deletion: %+v", replies)
	}

	// Once Alice wrote to the bot privately, answers go there, unmasked.
	e.send(e.msg(privateChat(alice), alice, "/start"))
	before := len(e.sent(group.ID))
	e.send(e.msg(group, alice, "/phone show"))
	if n := len(e.sent(group.ID)); n != before {
		t.Fatalf("answered in the group although a private chat exists")
	}
	priv := e.sent(alice.ID)
	if txt := priv[len(priv)-1].Form["text"]; !strings.Contains(txt, alicePhone) {
		t.Fatalf("private answer %q lacks the full number", txt)
	}

	// Alice blocked the bot: 403, and the answer falls back to the group.
	e.api.failNext(failure{method: "sendMessage", chat: itoa(alice.ID), code: 403, desc: "Forbidden: bot was blocked by the user"})
	e.send(e.msg(group, alice, "/phone show"))
	replies = e.sent(group.ID)
	if txt := replies[len(replies)-1].Form["text"]; len(replies) != before+1 || !strings.Contains(txt, "138****0001") || strings.Contains(txt, alicePhone) {
		t.Fatalf("fallback replies = %+v", replies[before:])
	}
	if e.a.hasPrivate(alice.ID) {
		t.Error("the blocked private chat is still used")
	}
}

func TestEditCardWaitsOutTooManyRequests(t *testing.T) {
	e := setup(t).started()
	ctx := context.Background()
	c := &bot.Card{Ref: "#7", Title: "a <b>bold</b> & title", Status: "in progress",
		Rows:    []bot.CardRow{{Name: "alice", Number: "138****0001", State: "ringing", Hangup: &bot.Button{ID: "m:7:hangup:0", Label: "Hang up"}}},
		Buttons: []bot.Button{{ID: "m:7:end", Label: "End meeting"}}}
	ref, err := e.a.PostCard(ctx, bot.Destination{Platform: bot.Telegram, Channel: itoa(group.ID)}, c)
	if err != nil {
		t.Fatal(err)
	}
	if txt := e.card(group.ID).Form["text"]; !strings.Contains(txt, "a &lt;b&gt;bold&lt;/b&gt; &amp; title") {
		t.Errorf("title not escaped: %q", txt)
	}

	e.api.failNext(failure{method: "editMessageText", code: 429, desc: "Too Many Requests: retry after 3", retryAfter: 3})
	c.Rows[0].State = "joined"
	if err := e.a.EditCard(ctx, ref, c); err != nil {
		t.Fatalf("EditCard: %v", err)
	}
	if got := e.clock.Sleeps(); !slices.Equal(got, []time.Duration{3 * time.Second}) {
		t.Fatalf("waited %v, want [3s]", got)
	}
	if n := len(e.api.Calls("editMessageText")); n != 2 {
		t.Fatalf("%d edits, want 2", n)
	}

	e.api.failNext(failure{method: "editMessageText", code: 400, desc: "Bad Request: message is not modified: specified new message content and reply markup are exactly the same"})
	if err := e.a.EditCard(ctx, ref, c); err != nil {
		t.Fatalf("not modified: %v", err)
	}

	// A retry_after beyond the bound is not waited out.
	e.api.failNext(failure{method: "editMessageText", code: 429, desc: "Too Many Requests", retryAfter: 600})
	if err := e.a.EditCard(ctx, ref, c); err == nil {
		t.Fatal("a 10-minute retry_after was waited out")
	}
	// A final card without buttons loses its keyboard.
	c.Rows[0].Hangup, c.Buttons, c.Final = nil, nil, true
	if err := e.a.EditCard(ctx, ref, c); err != nil {
		t.Fatal(err)
	}
	edits := e.api.Calls("editMessageText")
	if m := edits[len(edits)-1].Form["reply_markup"]; m != "" {
		t.Errorf("final card keeps a keyboard: %q", m)
	}
}

func TestGroupMigration(t *testing.T) {
	old := models.Chat{ID: -5001, Type: models.ChatTypeGroup, Title: "old"}
	const newID = -1005001
	e := setup(t, func(c *Config) { c.AllowedChats = append(c.AllowedChats, old.ID) }).started()
	ctx := context.Background()

	// The card of a command in the old group: sendMessage answers with
	// migrate_to_chat_id; the core moves the chat and the card goes there.
	e.api.failNext(failure{method: "sendMessage", chat: itoa(old.ID), code: 400, desc: "Bad Request: group chat was upgraded to a supergroup chat", migrateTo: newID})
	e.send(e.msg(old, alice, "/meet create standup @bob"))
	if got := e.core.Migrations(); !slices.Equal(got, [][2]string{{itoa(old.ID), itoa(newID)}}) {
		t.Fatalf("migrations = %v", got)
	}
	card := e.card(newID)
	if !strings.Contains(card.Form["text"], "#1 standup") {
		t.Fatalf("card in the new chat = %q", card.Form["text"])
	}
	m, err := e.Store.Meeting(ctx, 1)
	if err != nil || m.Card == nil || m.Card.Channel != itoa(newID) || m.Card.MessageID != strconv.Itoa(card.MsgID) {
		t.Fatalf("meeting card ref = %+v, %v", m.Card, err)
	}
	// The new supergroup keeps working (allowed under its new id).
	before := len(e.api.Calls("getChatMember")) // the roster's, for the create
	e.send(e.msg(models.Chat{ID: newID, Type: models.ChatTypeSupergroup, Title: "old"}, alice, "/meet list"))
	if n := len(e.api.Calls("getChatMember")) - before; n != 0 {
		t.Errorf("getChatMember called %d times", n)
	}

	// An edit of a card still in another old group: migrate, send again.
	old2 := int64(-5002)
	const new2 = -1005002
	ref, err := e.a.PostCard(ctx, bot.Destination{Platform: bot.Telegram, Channel: itoa(old2)}, &bot.Card{Ref: "#9", Title: "x", Buttons: []bot.Button{{ID: "m:9:end", Label: "End"}}})
	if err != nil {
		t.Fatal(err)
	}
	e.api.failNext(failure{method: "editMessageText", chat: itoa(old2), code: 400, desc: "Bad Request: group chat was upgraded to a supergroup chat", migrateTo: new2})
	if err := e.a.EditCard(ctx, ref, &bot.Card{Ref: "#9", Title: "x", Status: "ended"}); err != nil {
		t.Fatalf("EditCard: %v", err)
	}
	if got := e.core.Migrations(); len(got) != 2 || got[1] != [2]string{itoa(old2), itoa(new2)} {
		t.Fatalf("migrations = %v", got)
	}
	resent := e.sent(new2)
	if len(resent) != 1 || !strings.Contains(resent[0].Form["text"], "ended") {
		t.Fatalf("card not sent again in the new chat: %+v", resent)
	}
	// Later edits of the old reference (or the one MigrateChat rewrote) go
	// to the new message.
	for _, r := range []*bot.CardRef{ref, {Platform: bot.Telegram, Channel: itoa(new2), MessageID: ref.MessageID}} {
		if err := e.a.EditCard(ctx, r, &bot.Card{Ref: "#9", Title: "x", Status: "ended", Note: "again " + r.Channel}); err != nil {
			t.Fatal(err)
		}
		edits := e.api.Calls("editMessageText")
		last := edits[len(edits)-1]
		if last.chat() != itoa(new2) || last.Form["message_id"] != strconv.Itoa(resent[0].MsgID) {
			t.Fatalf("edit went to %s/%s, want %d/%d", last.chat(), last.Form["message_id"], new2, resent[0].MsgID)
		}
	}
}

func TestPanicInHandlerIsRecovered(t *testing.T) {
	e := setup(t).started()
	e.core.panicOn = "boom"
	e.send(e.msg(group, alice, "/meet create boom @bob"))
	e.send(e.msg(group, alice, "/meet create standup @bob"))
	if n := e.Sim.Count(ytx.ActionCreateMeeting); n != 1 {
		t.Fatalf("createMeeting sent %d times after a panic, want 1", n)
	}
}

func TestSetMyCommands(t *testing.T) {
	e := setup(t).started()
	calls := e.api.Calls("setMyCommands")
	if len(calls) != 2 {
		t.Fatalf("setMyCommands called %d times", len(calls))
	}
	for i, lang := range []string{"", "zh"} {
		if calls[i].Form["language_code"] != lang {
			t.Errorf("call %d language_code = %q, want %q", i, calls[i].Form["language_code"], lang)
		}
		var cmds []models.BotCommand
		if err := json.Unmarshal([]byte(calls[i].Form["commands"]), &cmds); err != nil {
			t.Fatal(err)
		}
		if len(cmds) != 3 || cmds[0].Command != "meet" || cmds[1].Command != "call" || cmds[2].Command != "phone" {
			t.Fatalf("commands = %+v", cmds)
		}
		if want := bot.Description(bot.RootMeet, coreLocale(lang)); cmds[0].Description != want {
			t.Errorf("description = %q, want %q", cmds[0].Description, want)
		}
	}
	if e.a.username() != botName {
		t.Errorf("username = %q", e.a.username())
	}
}

func TestPolling(t *testing.T) {
	e := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.a.Run(ctx) }()

	e.api.waitFor("getUpdates", nil)
	if !e.a.Ready() {
		t.Error("not ready while polling")
	}
	u := e.msg(group, alice, "/meet create standup @bob")
	e.api.updates <- *u
	e.api.waitFor("sendMessage", func(c apiCall) bool { return c.chat() == itoa(group.ID) })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	if e.a.Ready() {
		t.Error("still ready after Run returned")
	}
	if n := e.Sim.Count(ytx.ActionCreateMeeting); n != 1 {
		t.Fatalf("createMeeting sent %d times", n)
	}
	order := e.api.methods()
	del, poll := slices.Index(order, "deleteWebhook"), slices.Index(order, "getUpdates")
	if order[0] != "getMe" || del < 0 || del > poll {
		t.Errorf("calls in order %v: want getMe first and deleteWebhook before getUpdates", order)
	}
}

func TestWebhook(t *testing.T) {
	const secret = "s3cret_-"
	e := setup(t, func(c *Config) {
		c.Mode, c.WebhookURL, c.WebhookSecret = ModeWebhook, "https://bot.example/telegram/webhook", secret
	})
	mux := http.NewServeMux()
	e.a.Routes(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	post := func(secretHdr string, body []byte) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL+WebhookPath, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if secretHdr != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secretHdr)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	mustJSON := func(u *models.Update) []byte {
		b, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	// Before Run, updates are refused so that Telegram retries them.
	if got := post(secret, mustJSON(e.msg(group, alice, "/meet list"))); got != http.StatusServiceUnavailable {
		t.Errorf("before Run: %d, want 503", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.a.Run(ctx) }()
	set := e.api.waitFor("setWebhook", nil)
	if set.Form["url"] != "https://bot.example/telegram/webhook" || set.Form["secret_token"] != secret {
		t.Errorf("setWebhook form = %v", set.Form)
	}

	create := mustJSON(e.msg(group, alice, "/meet create standup @bob"))
	tests := []struct {
		name   string
		secret string
		body   []byte
		want   int
	}{
		{"wrong secret", "wrong", mustJSON(e.msg(group, alice, "/meet create other @bob")), http.StatusUnauthorized},
		{"no secret", "", mustJSON(e.msg(group, alice, "/meet create other @bob")), http.StatusUnauthorized},
		{"oversized", secret, append([]byte(`{"update_id":1,"x":"`), bytes.Repeat([]byte("a"), maxWebhookBody)...), http.StatusRequestEntityTooLarge},
		{"bad JSON", secret, []byte(`{"update_id":`), http.StatusBadRequest},
		{"update", secret, create, http.StatusOK},
		{"duplicate", secret, create, http.StatusOK},
	}
	for _, tc := range tests {
		if got := post(tc.secret, tc.body); got != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.want)
		}
	}
	e.api.waitFor("sendMessage", func(c apiCall) bool { return c.chat() == itoa(group.ID) })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	if n := e.Sim.Count(ytx.ActionCreateMeeting); n != 1 {
		t.Fatalf("createMeeting sent %d times, want 1 (wrong secrets and duplicates dropped)", n)
	}
	if n := len(e.sent(group.ID)); n != 1 {
		t.Fatalf("%d messages in the group, want 1 card", n)
	}
	if got := post(secret, mustJSON(e.msg(group, alice, "/meet list"))); got != http.StatusServiceUnavailable {
		t.Errorf("after Run: %d, want 503", got)
	}
	if len(e.api.Calls("getUpdates")) != 0 {
		t.Error("polled in webhook mode")
	}
}

func TestRunStartup(t *testing.T) {
	t.Run("refused token", func(t *testing.T) {
		e := setup(t)
		e.api.failNext(failure{method: "getMe", code: 401, desc: "Unauthorized"})
		err := e.a.Run(context.Background())
		if err == nil || strings.Contains(err.Error(), testToken) {
			t.Fatalf("Run = %v, want an error without the token", err)
		}
		if e.a.Ready() {
			t.Error("ready without a bot identity")
		}
	})
	t.Run("transient failure is retried", func(t *testing.T) {
		e := setup(t)
		e.api.failNext(failure{method: "getMe", code: 502, desc: "Bad Gateway"})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- e.a.Run(ctx) }()
		e.api.waitFor("getUpdates", nil)
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run = %v", err)
		}
		if n := len(e.api.Calls("getMe")); n != 2 {
			t.Errorf("getMe called %d times, want 2", n)
		}
		if got := e.clock.Sleeps(); len(got) != 1 {
			t.Errorf("backed off %v, want once", got)
		}
	})
}

func TestMembershipCheckFailureIsNotCached(t *testing.T) {
	e := setup(t).started()
	e.api.failNext(failure{method: "getChatMember", code: 500, desc: "Internal Server Error"})
	e.send(e.msg(privateChat(erin), erin, "/phone show"))
	notes := e.sent(erin.ID)
	if len(notes) != 1 || !strings.Contains(notes[0].Form["text"], "try again") {
		t.Fatalf("notes = %+v", notes)
	}
	e.send(e.msg(privateChat(erin), erin, "/phone show"))
	notes = e.sent(erin.ID)
	if n := len(e.api.Calls("getChatMember")); n != 2 || len(notes) != 2 || strings.Contains(notes[1].Form["text"], "try again") {
		t.Fatalf("after the failure: %d checks, notes %+v", n, notes)
	}
}
