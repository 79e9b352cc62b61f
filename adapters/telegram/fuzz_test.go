package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
	"github.com/ytxbot/ytxbot/ytx"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

// FuzzTelegramUpdate sends arbitrary update JSON, with the right secret,
// through the webhook handler of an adapter wired as in setup (the real
// core, the YTX simulator, the fake Bot API), built once for the target.
// Run's webhook loop is done inline, one update at a time (take the queued
// update, intakeUpdate, wait for its work), so that each ringing request
// the simulator logs belongs to the input that caused it.

const fuzzSecret = "fuzz_secret-1"

// ringCounter is a slog.Handler for the simulator's logger: it counts the
// requests of ringing actions (create or book, invite, dial back), whatever
// YTX answered.
type ringCounter struct{ n atomic.Int64 }

func (h *ringCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *ringCounter) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *ringCounter) WithGroup(string) slog.Handler            { return h }

func (h *ringCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "ytxsim: request" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != "action" {
			return true
		}
		switch a.Value.String() {
		case ytx.ActionCreateMeeting, ytx.ActionInvite, ytx.ActionDialBack:
			h.n.Add(1)
		}
		return false
	})
	return nil
}

// fuzzEnv is setup for a whole fuzz target, in webhook mode.
type fuzzEnv struct {
	*bottest.Env
	api        *fakeAPI
	a          *Adapter
	mux        *http.ServeMux
	rings      *ringCounter
	seq        int64
	goroutines int
}

func newFuzzEnv(tb testing.TB) *fuzzEnv {
	tb.Helper()
	api := &fakeAPI{members: map[int64]string{}, msgID: 500, changed: make(chan struct{}), updates: make(chan models.Update, 64)}
	api.srv = httptest.NewServer(http.HandlerFunc(api.serve))
	tb.Cleanup(api.srv.Close)
	rings := &ringCounter{}
	be := bottest.NewWithSim(tb, bot.Config{Policy: bot.Policy{AllowRawNumbers: true, SelfService: true}}, true,
		[]ytxsim.Option{ytxsim.WithLogger(slog.New(rings))})
	cfg := Config{Token: testToken, ServerURL: api.URL(), AllowedChats: []int64{group.ID},
		Mode: ModeWebhook, WebhookURL: "https://bot.example/telegram/webhook", WebhookSecret: fuzzSecret}
	clock := &fakeClock{now: time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC)}
	a, err := New(cfg, be.Bot, WithClock(clock), WithPollTimeout(2*time.Second))
	if err != nil {
		tb.Fatal(err)
	}
	be.Bot.RegisterNotifier(bot.Telegram, a)
	e := &fuzzEnv{Env: be, api: api, a: a, mux: http.NewServeMux(), rings: rings}
	a.Routes(e.mux)
	if err := e.people(); err != nil {
		tb.Fatal(err)
	}
	for _, u := range []models.User{alice, bob} {
		if err := be.Bot.LearnUsername(context.Background(), bot.Telegram, u.Username, identity(u.ID)); err != nil {
			tb.Fatal(err)
		}
	}
	api.setMember(erin.ID, "member")
	// What Run does before it takes webhook updates.
	if err := a.start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	a.setAccepting(true)
	return e
}

// people maps alice, bob and carol as setup does, again before every
// input: an input may turn do-not-disturb on or remove a number, and the
// inputs after it should still be able to ring someone.
func (e *fuzzEnv) people() error {
	for _, u := range []struct {
		user  models.User
		phone string
	}{{alice, alicePhone}, {bob, bobPhone}, {carol, carolPhone}} {
		if err := e.Store.PutUser(context.Background(), &bot.User{Identity: identity(u.user.ID), Name: u.user.FirstName, Phone: u.phone}); err != nil {
			return err
		}
	}
	return nil
}

// mapped reports whether a Telegram user has a number now.
func (e *fuzzEnv) mapped(user int64) bool {
	u, err := e.Store.User(context.Background(), identity(user))
	return err == nil && u.Phone != ""
}

// post sends body to the webhook, then does what Run's loop does with a
// queued update and waits for the work; it returns the answer and the
// ringing requests YTX received meanwhile.
func (e *fuzzEnv) post(body []byte) (*httptest.ResponseRecorder, int64) {
	e.api.mu.Lock()
	e.api.calls = nil // the last input's: bounded memory over a long run
	e.api.mu.Unlock()
	before := e.rings.n.Load()
	r := httptest.NewRequest(http.MethodPost, WebhookPath, bytes.NewReader(body))
	r.Header.Set("X-Telegram-Bot-Api-Secret-Token", fuzzSecret)
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	select {
	case u := <-e.a.queue:
		e.a.intakeUpdate(context.Background(), u)
	default:
	}
	e.a.inflight.Wait()
	e.Bot.Wait()
	return w, e.rings.n.Load() - before
}

// parses reports whether the core's parser accepts a command as the
// adapter hands it over; the one question the parser asks (is the first
// argument a meeting?) is tried both ways.
func parses(text string, ents []bot.Entity) bool {
	for _, isRef := range []bool{false, true} {
		pc := bot.ParseContext{Now: bottest.Start, Location: time.FixedZone("CST", 8*3600), Entities: ents,
			BotUsername: botName, IsMeetingRef: func(string) bool { return isRef }}
		if _, err := bot.Parse(text, pc); err == nil {
			return true
		}
	}
	return false
}

// ringingAction reports whether a button id may make a phone ring: "call
// again", a confirmed duplicate, or a meeting's invite.
func ringingAction(id string) bool {
	p := strings.Split(id, ":")
	return (len(p) == 2 && p[0] == "confirm") || (len(p) == 3 && p[0] == "c" && p[2] == "again") ||
		(len(p) >= 3 && p[0] == "m" && p[2] == "invite")
}

// mayRing says whether an update may make a phone ring: a /meet or /call
// command the core can parse, or an answer to an Invite… prompt, from a
// person with a number; or their click on a ringing button.
func (e *fuzzEnv) mayRing(body []byte) bool {
	var u models.Update
	if json.Unmarshal(body, &u) != nil {
		return false
	}
	if m := u.Message; m != nil {
		if m.From == nil || m.From.IsBot || !e.mapped(m.From.ID) {
			return false
		}
		if c, ok := findCommand(m.Text, m.Entities, botName); ok && !c.forOther && (c.root == "meet" || c.root == "call") && parses(c.text, c.ents) {
			return true
		}
		return m.ReplyToMessage != nil && m.Text != ""
	}
	if cq := u.CallbackQuery; cq != nil {
		return !cq.From.IsBot && e.mapped(cq.From.ID) && ringingAction(cq.Data)
	}
	return false
}

var callbackDataRE = regexp.MustCompile(`"callback_data":"([^"]+)"`)

// FuzzTelegramUpdate: any update JSON with the right secret is answered
// 200 or 4xx, never 5xx or a panic, and rings nobody unless it is a
// well-formed /meet or /call command, an invite answer, or a ringing
// button, by a person with a number.
func FuzzTelegramUpdate(f *testing.F) {
	e := newFuzzEnv(f)
	mk := &env{seq: 100, msgID: 10} // builds updates; nothing else of it is used
	// Something to click on: alice's meeting with bob (#1) and her call to
	// bob.
	var buttons []string
	for _, text := range []string{"/meet create standup @bob", "/call dialback @bob"} {
		body, err := json.Marshal(mk.msg(group, alice, text))
		if err != nil {
			f.Fatal(err)
		}
		if w, rang := e.post(body); w.Code != http.StatusOK || rang != 1 {
			f.Fatalf("setup %q: status %d, %d rings", text, w.Code, rang)
		}
		for _, c := range e.api.Calls("sendMessage") {
			for _, m := range callbackDataRE.FindAllStringSubmatch(c.Form["reply_markup"], -1) {
				buttons = append(buttons, m[1])
			}
		}
	}
	e.goroutines = runtime.NumGoroutine()

	add := func(u *models.Update) {
		body, err := json.Marshal(u)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body, true)
	}
	for _, c := range []struct {
		chat models.Chat
		from models.User
		text string
	}{
		{group, alice, "/meet create standup @bob"},
		{group, alice, "/meet@OurBot create standup @bob"},
		{group, alice, "/meet@OtherBot create standup @bob"},
		{group, bob, "/meet create 13800000001 0105388990,12 --at tomorrow 10:00"},
		{privateChat(alice), alice, "/call dialback @bob"},
		{group, alice, "/call dialback 13900000002 --max 10m"},
		{group, alice, "/call@OurBot 13700000003"},
		{group, alice, "/meet invite #1 @carol 13700000003"},
		{group, alice, "/meet end #1"},
		{group, alice, "/meet list"},
		{privateChat(erin), erin, "/phone show"},
		{privateChat(erin), erin, "/phone share"},
		{privateChat(dave), dave, "/meet create standup @bob"},
		{group, dave, "/call dialback 13900000002"},
		{privateChat(alice), alice, "/start"},
		{otherChat, alice, "/meet create standup @bob"},
		{privateChat(fei), fei, "/meet help"},
		{group, carol, "morning all"},
	} {
		add(mk.msg(c.chat, c.from, c.text))
	}
	// A text_mention after an emoji and CJK text (UTF-16 offsets).
	text := "👋 你好 /meet create sync Bob Smith"
	bobNoName := bob
	bobNoName.Username = ""
	add(mk.msg(group, alice, text, models.MessageEntity{Type: models.MessageEntityTypeTextMention,
		Offset: utf16Len("👋 你好 /meet create sync "), Length: utf16Len("Bob Smith"), User: &bobNoName}))
	// "/call dialback" in reply to bob.
	hello := mk.msg(group, bob, "can someone call me?")
	cmd := mk.msg(group, alice, "/call dialback")
	cmd.Message.ReplyToMessage = hello.Message
	add(cmd)
	// Buttons, by alice, by someone unmapped, in a chat that is not enabled.
	for _, id := range append(buttons, "m:1:invite", "m:1:hangup:1", "m:1:end", "c:2:again", "confirm:d0000", "m:x:invite") {
		add(mk.click(group, 501, alice, id))
	}
	add(mk.click(group, 501, dave, "c:2:again"))
	add(mk.click(otherChat, 7, alice, "m:1:end"))
	// An answer to an Invite… prompt (the prompt is message 503 after the
	// setup's two cards).
	ans := mk.msg(group, alice, "@carol 13700000003")
	ans.Message.ReplyToMessage = &models.Message{ID: 503, Date: 1, Chat: group, From: &models.User{ID: botUserID, IsBot: true, Username: botName}, Text: "Who…"}
	add(ans)
	// Shared contacts: one's own, someone else's.
	for _, owner := range []int64{erin.ID, bob.ID} {
		u := mk.msg(privateChat(erin), erin, "")
		u.Message.Contact = &models.Contact{PhoneNumber: "+86 136 0000 0042", FirstName: "x", UserID: owner}
		add(u)
	}
	// An edited command: only usernames are learned from it.
	edited := mk.msg(group, alice, "/meet create standup @bob")
	add(&models.Update{ID: edited.ID, EditedMessage: edited.Message})
	// Updates as Telegram sends them.
	for _, raw := range []string{
		`{"update_id":900001,"my_chat_member":{"chat":{"id":-1001001,"title":"ops","type":"supergroup"},"from":{"id":1001,"is_bot":false,"first_name":"Alice","username":"alice"},"date":1767225600,"old_chat_member":{"user":{"id":999,"is_bot":true,"first_name":"ytxbot","username":"OurBot"},"status":"left"},"new_chat_member":{"user":{"id":999,"is_bot":true,"first_name":"ytxbot","username":"OurBot"},"status":"administrator","can_be_edited":false,"can_manage_chat":true,"can_delete_messages":true}}}`,
		`{"update_id":900002,"message":{"message_id":77,"from":{"id":1001,"is_bot":false,"first_name":"Alice","username":"alice","language_code":"en"},"chat":{"id":-1001001,"title":"ops","type":"supergroup"},"date":1767225600,"text":"/meet@OurBot create standup @bob","entities":[{"offset":0,"length":12,"type":"bot_command"},{"offset":27,"length":4,"type":"mention"}]}}`,
		`{"update_id":900003,"callback_query":{"id":"4382bfdwdsb323b2d9","from":{"id":1001,"is_bot":false,"first_name":"Alice","username":"alice"},"message":{"message_id":501,"from":{"id":999,"is_bot":true,"first_name":"ytxbot","username":"OurBot"},"chat":{"id":-1001001,"title":"ops","type":"supergroup"},"date":1767225600,"text":"#1 standup"},"chat_instance":"-1234","data":"m:1:refresh"}}`,
		`{"update_id":900004,"callback_query":{"id":"4382bfdwdsb323b2da","from":{"id":1001,"is_bot":false,"first_name":"Alice"},"inline_message_id":"AAAA","chat_instance":"1","data":"c:2:again"}}`,
		`{"update_id":900005,"callback_query":{"id":"4382bfdwdsb323b2db","from":{"id":1001,"is_bot":false,"first_name":"Alice"},"message":{"message_id":501,"chat":{"id":-1001001,"type":"supergroup"},"date":0},"chat_instance":"1","data":"c:2:again"}}`,
		`{"update_id":900006,"channel_post":{"message_id":1,"sender_chat":{"id":-100777,"type":"channel"},"chat":{"id":-100777,"type":"channel","title":"news"},"date":1767225600,"text":"/meet create x"}}`,
		`{"update_id":900007,"message":{"message_id":78,"from":{"id":1001,"is_bot":false,"first_name":"Alice"},"chat":{"id":1001,"type":"private"},"date":1767225600,"text":"/meet","entities":[{"offset":0,"length":99,"type":"bot_command"}]}}`,
		`{"update_id":900008,"message":{"message_id":79,"from":{"id":1001,"is_bot":false,"first_name":"Alice"},"chat":{"id":-5001,"type":"group","title":"old"},"date":1767225600,"migrate_to_chat_id":-1005001}}`,
		`{"update_id":900009,"message":{"message_id":80,"from":{"id":1002,"is_bot":false,"first_name":"Bob"},"chat":{"id":-1001001,"type":"supergroup"},"date":1767225600,"new_chat_members":[{"id":1003,"is_bot":false,"first_name":"Carol","username":"carol"}]}}`,
	} {
		f.Add([]byte(raw), true)
	}
	for _, raw := range []string{`{}`, `{"update_id":1}`, `null`, `[]`, `{"update_id":"x"}`, `{"update_id":1,"message":null}`, ``} {
		f.Add([]byte(raw), false)
	}
	f.Fuzz(func(t *testing.T, body []byte, fresh bool) {
		if err := e.people(); err != nil {
			t.Fatal(err)
		}
		if fresh {
			e.seq++
			body = freshUpdate(body, e.seq)
		}
		may := e.mayRing(body)
		w, rang := e.post(body)
		switch {
		case w.Code == http.StatusOK, w.Code >= 400 && w.Code < 500:
		default:
			t.Fatalf("update %q: status %d, body %q", body, w.Code, w.Body.String())
		}
		if rang > 0 && !may {
			t.Fatalf("update %q rang YTX %d times", body, rang)
		}
		// Keep-alive connections to the fakes account for a few goroutines;
		// a leak of one per input passes any bound in a few thousand inputs.
		if n := runtime.NumGoroutine(); n > e.goroutines+64 {
			t.Fatalf("update %q: %d goroutines, %d after setup", body, n, e.goroutines)
		}
	})
}

// freshUpdate makes a redelivery of an earlier input a new update: the ids
// the adapter and the core deduplicate on (update_id, the callback query
// id) get the input's number. Anything that is not a JSON object stays as
// it is.
func freshUpdate(body []byte, n int64) []byte {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil || top == nil {
		return body
	}
	top["update_id"] = json.RawMessage(strconv.FormatInt(1<<40+n, 10))
	var cq map[string]json.RawMessage
	if raw, ok := top["callback_query"]; ok && json.Unmarshal(raw, &cq) == nil && cq != nil {
		id, _ := json.Marshal("fresh" + strconv.FormatInt(n, 10))
		cq["id"] = id
		if js, err := json.Marshal(cq); err == nil {
			top["callback_query"] = js
		}
	}
	js, err := json.Marshal(top)
	if err != nil {
		return body
	}
	return js
}
