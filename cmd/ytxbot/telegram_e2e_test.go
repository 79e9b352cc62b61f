package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

// The Telegram side of TestTelegramServeEndToEnd: the bot's token and name,
// the allowed group and its people.
const (
	tgE2EToken         = "123456:TEST-token"
	tgE2EBotName       = "ytx_test_bot"
	tgE2EBotID         = 777
	tgE2EGroup   int64 = -1001
	tgE2EDate          = 1767225600

	tgE2EAlicePhone = "13800000001"
	tgE2EBobPhone   = "13900000002"
	tgE2ECarolPhone = "13700000003"

	tgE2EWait = 10 * time.Second // the longest any one step may take
)

var (
	tgE2EAlice = map[string]any{"id": 1, "is_bot": false, "first_name": "Alice", "username": "alice", "language_code": "en"}
	tgE2EBob   = map[string]any{"id": 2, "is_bot": false, "first_name": "Bob", "username": "bob", "language_code": "en"}
	tgE2ECarol = map[string]any{"id": 3, "is_bot": false, "first_name": "Carol", "language_code": "en"} // no username
	tgE2EChat  = map[string]any{"id": tgE2EGroup, "type": "supergroup", "title": "ops"}

	// tgE2EMobile finds a full mainland mobile number anywhere in a text.
	tgE2EMobile = regexp.MustCompile(`1[3-9][0-9]{9}`)
)

// tgE2ECall is one Bot API request the fake received.
type tgE2ECall struct {
	Method string
	Form   map[string]string // the multipart form fields
	MsgID  int               // sendMessage: the message_id answered
}

// replyTo is the message a sendMessage replies to (reply_parameters), or 0.
func (c tgE2ECall) replyTo() int {
	var rp struct {
		MessageID int `json:"message_id"`
	}
	if s := c.Form["reply_parameters"]; s != "" {
		_ = json.Unmarshal([]byte(s), &rp)
	}
	return rp.MessageID
}

// buttons returns the inline keyboard's buttons (text and callback_data)
// of reply_markup, a JSON string inside the form.
func (c tgE2ECall) buttons(t *testing.T) [][2]string {
	t.Helper()
	s := c.Form["reply_markup"]
	if s == "" {
		return nil
	}
	var m struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Errorf("%s: reply_markup %q: %v", c.Method, s, err) // not Fatal: callers may hold the fake's lock
		return nil
	}
	var out [][2]string
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			out = append(out, [2]string{b.Text, b.CallbackData})
		}
	}
	return out
}

// isCard: a card is an HTML message with an inline keyboard.
func (c tgE2ECall) isCard() bool {
	return c.Method == "sendMessage" && c.Form["parse_mode"] == "HTML" && strings.Contains(c.Form["reply_markup"], "inline_keyboard")
}

func (c tgE2ECall) hasData(t *testing.T, data string) bool {
	for _, b := range c.buttons(t) {
		if b[1] == data {
			return true
		}
	}
	return false
}

func (c tgE2ECall) String() string {
	return fmt.Sprintf("%s(chat=%s msg=%s reply_to=%d text=%q)", c.Method, c.Form["chat_id"], c.Form["message_id"], c.replyTo(), c.Form["text"])
}

// tgE2EAPI is a Telegram Bot API in-process, as the real one answers a
// polling bot: it routes /bot<token>/<method>, parses the multipart forms
// the library streams, records every call and answers
// {"ok":true,"result":…}. getUpdates serves a queue of updates: an update
// stays queued until a getUpdates offset above its update_id confirms it;
// an empty queue is a long poll that ends when something is queued, the
// client goes away, or after a second.
type tgE2EAPI struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	calls   []tgE2ECall   // every call but getUpdates
	changed chan struct{} // closed and replaced on every call
	msgID   int
	queue   []map[string]any // unconfirmed updates
	queued  chan struct{}    // closed and replaced when updates are queued
	offset  int64            // the highest getUpdates offset seen
	odd     []string         // requests the fake does not serve
}

func newTgE2EAPI(t *testing.T) *tgE2EAPI {
	f := &tgE2EAPI{t: t, changed: make(chan struct{}), queued: make(chan struct{}), msgID: 500}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// push queues updates; getUpdates returns them in one batch when they are
// pushed together.
func (f *tgE2EAPI) push(us ...map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, us...)
	close(f.queued)
	f.queued = make(chan struct{})
}

func (f *tgE2EAPI) record(c tgE2ECall) {
	f.calls = append(f.calls, c)
	close(f.changed)
	f.changed = make(chan struct{})
}

// Calls returns the calls of method so far ("" = all).
func (f *tgE2EAPI) Calls(method string) []tgE2ECall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []tgE2ECall
	for _, c := range f.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// until waits until cond holds (it runs with f.mu held) or fails the test.
func (f *tgE2EAPI) until(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.NewTimer(tgE2EWait)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		ch, ok := f.changed, cond()
		f.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			f.t.Fatalf("waited %v for %s; Bot API calls so far:\n%s", tgE2EWait, what, f.dump())
		}
	}
}

// waitFor returns the first call of method that satisfies ok, waiting for
// it to arrive.
func (f *tgE2EAPI) waitFor(what, method string, ok func(tgE2ECall) bool) tgE2ECall {
	f.t.Helper()
	var found tgE2ECall
	f.until(what, func() bool {
		for _, c := range f.calls {
			if c.Method == method && ok(c) {
				found = c
				return true
			}
		}
		return false
	})
	return found
}

func (f *tgE2EAPI) dump() string {
	var b strings.Builder
	for _, c := range f.Calls("") {
		b.WriteString("  " + c.String() + "\n")
	}
	return b.String()
}

func (f *tgE2EAPI) serve(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/bot"+tgE2EToken+"/")
	if !ok || r.Method != http.MethodPost {
		f.mu.Lock()
		f.odd = append(f.odd, r.Method+" "+strings.ReplaceAll(r.URL.Path, tgE2EToken, "<token>"))
		f.mu.Unlock()
		tgE2EWrite(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
		return
	}
	form := map[string]string{}
	if err := r.ParseMultipartForm(1 << 20); err == nil {
		for k, v := range r.MultipartForm.Value {
			form[k] = v[0]
		}
	}
	if method == "getUpdates" {
		tgE2EOK(w, f.updates(r, form))
		return
	}
	c := tgE2ECall{Method: method, Form: form}
	f.mu.Lock()
	if method == "sendMessage" {
		f.msgID++
		c.MsgID = f.msgID
	}
	f.record(c)
	f.mu.Unlock()
	switch method {
	case "getMe":
		tgE2EOK(w, map[string]any{"id": tgE2EBotID, "is_bot": true, "first_name": "ytxbot", "username": tgE2EBotName,
			"can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false})
	case "deleteWebhook", "setMyCommands", "deleteMessage", "answerCallbackQuery":
		tgE2EOK(w, true)
	case "sendMessage":
		tgE2EOK(w, tgE2EMessage(form, c.MsgID))
	case "editMessageText":
		id, _ := strconv.Atoi(form["message_id"])
		tgE2EOK(w, tgE2EMessage(form, id))
	case "getChatMember":
		uid, _ := strconv.ParseInt(form["user_id"], 10, 64)
		status := "left"
		if form["chat_id"] == strconv.FormatInt(tgE2EGroup, 10) && uid >= 1 && uid <= 3 {
			status = "member"
		}
		tgE2EOK(w, map[string]any{"status": status, "user": map[string]any{"id": uid, "is_bot": false, "first_name": "u" + strconv.FormatInt(uid, 10)}})
	default:
		f.mu.Lock()
		f.odd = append(f.odd, method)
		f.mu.Unlock()
		tgE2EWrite(w, http.StatusNotFound, map[string]any{"ok": false, "error_code": 404, "description": "Not Found: method not found"})
	}
}

// updates answers getUpdates: the queued updates from offset on (those
// below it are confirmed and forgotten, as Telegram does), waiting up to a
// second for some to arrive when there are none.
func (f *tgE2EAPI) updates(r *http.Request, form map[string]string) []map[string]any {
	offset, _ := strconv.ParseInt(form["offset"], 10, 64)
	pending := func() ([]map[string]any, chan struct{}) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if offset > f.offset {
			f.offset = offset
			close(f.changed) // an offset is news to whoever waits for it
			f.changed = make(chan struct{})
		}
		f.queue = slices.DeleteFunc(f.queue, func(u map[string]any) bool { return tgE2EUpdateID(u) < offset })
		return slices.Clone(f.queue), f.queued
	}
	out, queued := pending()
	if len(out) > 0 {
		return out
	}
	wait := time.NewTimer(time.Second)
	defer wait.Stop()
	select {
	case <-queued:
	case <-wait.C:
	case <-r.Context().Done():
		return []map[string]any{}
	}
	out, _ = pending()
	if out == nil {
		out = []map[string]any{}
	}
	return out
}

func tgE2EUpdateID(u map[string]any) int64 { return u["update_id"].(int64) }

// tgE2EMessage is the Message a send or edit returns.
func tgE2EMessage(form map[string]string, id int) map[string]any {
	chat, _ := strconv.ParseInt(form["chat_id"], 10, 64)
	c := map[string]any{"id": chat, "type": "private"}
	if chat == tgE2EGroup {
		c = tgE2EChat
	}
	return map[string]any{"message_id": id, "date": tgE2EDate, "chat": c, "text": form["text"],
		"from": map[string]any{"id": tgE2EBotID, "is_bot": true, "first_name": "ytxbot", "username": tgE2EBotName}}
}

func tgE2EOK(w http.ResponseWriter, result any) {
	tgE2EWrite(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

func tgE2EWrite(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// tgE2EScript builds the updates people send in the group.
type tgE2EScript struct {
	update int64
	msg    int
}

// say is a message from a person in the group, with the entities Telegram
// marks: a bot_command at the start, @mentions at word starts (ASCII text:
// UTF-16 offsets are byte offsets).
func (s *tgE2EScript) say(from map[string]any, text string) (map[string]any, int) {
	s.update++
	s.msg++
	var ents []map[string]any
	for i := 0; i < len(text); i++ {
		if (text[i] != '/' || i != 0) && (text[i] != '@' || (i > 0 && text[i-1] != ' ')) {
			continue
		}
		j := i + 1
		for j < len(text) && text[j] != ' ' {
			j++
		}
		typ := "mention"
		if text[i] == '/' {
			typ = "bot_command"
		}
		ents = append(ents, map[string]any{"type": typ, "offset": i, "length": j - i})
		i = j
	}
	m := map[string]any{"message_id": s.msg, "from": from, "chat": tgE2EChat, "date": tgE2EDate, "text": text}
	if len(ents) > 0 {
		m["entities"] = ents
	}
	return map[string]any{"update_id": s.update, "message": m}, s.msg
}

// click is a press of an inline button on the bot's message msgID.
func (s *tgE2EScript) click(from map[string]any, msgID int, data string) (map[string]any, string) {
	s.update++
	id := "cq" + strconv.FormatInt(s.update, 10)
	return map[string]any{"update_id": s.update, "callback_query": map[string]any{
		"id": id, "from": from, "chat_instance": "-42", "data": data,
		"message": map[string]any{"message_id": msgID, "date": tgE2EDate, "chat": tgE2EChat, "text": "card",
			"from": map[string]any{"id": tgE2EBotID, "is_bot": true, "first_name": "ytxbot", "username": tgE2EBotName}},
	}}, id
}

// tgE2ELog collects the process's logs and shows them in the test's output
// until the test ends.
type tgE2ELog struct {
	mu   sync.Mutex
	t    *testing.T
	all  strings.Builder
	done bool
}

func (l *tgE2ELog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	if !l.done {
		l.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (l *tgE2ELog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.String()
}

// tgE2EFields decodes the JSON body of a YTX request.
func tgE2EFields(t *testing.T, r ytxsim.Request) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("%s body %q: %v", r.Action, r.Body, err)
	}
	return m
}

// tgE2EActions returns the simulator's requests of action.
func tgE2EActions(sim *ytxsim.Sim, action string) []ytxsim.Request {
	var out []ytxsim.Request
	for _, r := range sim.Requests() {
		if r.Action == action {
			out = append(out, r)
		}
	}
	return out
}

// tgE2EEventually waits until cond holds, checking every few milliseconds,
// for what the fakes cannot signal (the bot's own store).
func tgE2EEventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(tgE2EWait)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("waited %v for %s", tgE2EWait, what)
		}
	}
}

// TestTelegramServeEndToEnd runs the real serve process (Main) in polling
// mode against a fake Bot API and the YTX simulator, and drives it with
// updates from a group: phone numbers set (and their messages deleted,
// replies masked), a dial-back, a command for another bot ignored, a
// meeting created and ended with its card's button, a duplicated update
// handled once, readiness, and a clean stop.
func TestTelegramServeEndToEnd(t *testing.T) {
	simSrv, sim := simServer(t)
	api := newTgE2EAPI(t)

	cfg := DefaultConfig()
	cfg.HTTP.Addr, cfg.HTTP.AdminAddr = "127.0.0.1:0", "127.0.0.2:0"
	cfg.Storage.Path = filepath.Join(t.TempDir(), "ytxbot.db")
	cfg.YTX.BaseURL, cfg.YTX.AccountSID, cfg.YTX.AuthToken, cfg.YTX.AppID = simSrv.URL, simDefaultSID, Secret(simDefaultToken), simDefaultApp
	cfg.Slack.Enabled = false
	cfg.Telegram.Enabled, cfg.Telegram.Mode = true, TelegramPolling
	cfg.Telegram.Token = Secret(tgE2EToken)
	cfg.Telegram.ServerURL = api.srv.URL
	cfg.Telegram.AllowedChats = []int64{tgE2EGroup}
	cfg.Admins = []string{"telegram:1"}
	cfg.Policy.SelfService = true
	if err := cfg.Validate(); err != nil {
		t.Fatalf("the test's configuration: %v", err)
	}

	logs := &tgE2ELog{t: t}
	t.Cleanup(func() { logs.mu.Lock(); logs.done = true; logs.mu.Unlock() })
	m := &Main{Config: &cfg, Logger: slog.New(slog.NewTextHandler(logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	stopped := false
	t.Cleanup(func() { // a failed test still stops serve before the fakes close
		cancel()
		if !stopped {
			select {
			case <-done:
			case <-time.After(25 * time.Second):
			}
		}
	})
	select {
	case <-m.Listening():
	case err := <-done:
		stopped = true
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(tgE2EWait):
		t.Fatal("serve did not listen")
	}

	// Startup: identity, commands, webhook off, then the first long poll.
	api.until("the first getUpdates", func() bool { return api.offset > 0 })
	for _, method := range []string{"getMe", "deleteWebhook", "setMyCommands"} {
		if len(api.Calls(method)) == 0 {
			t.Errorf("no %s at startup", method)
		}
	}
	public := "http://" + m.Addr("public").String()
	if code, body := get(t, public+"/readyz"); code != http.StatusOK {
		t.Errorf("readyz while polling: %d %q", code, body)
	}

	var s tgE2EScript
	s.update, s.msg = 100, 10
	sentReplyTo := func(what string, msg int) tgE2ECall {
		t.Helper()
		return api.waitFor(what, "sendMessage", func(c tgE2ECall) bool { return c.replyTo() == msg })
	}
	deleted := func(msg int) bool {
		for _, c := range api.Calls("deleteMessage") {
			if c.Form["chat_id"] == strconv.FormatInt(tgE2EGroup, 10) && c.Form["message_id"] == strconv.Itoa(msg) {
				return true
			}
		}
		return false
	}

	// (1) Alice sets her number; Bob speaks (his username is learned), then
	// Alice, an admin, sets Bob's number by @username.
	u, aliceSet := s.say(tgE2EAlice, "/phone set "+tgE2EAlicePhone)
	api.push(u)
	rep := sentReplyTo("the answer to Alice's /phone set", aliceSet)
	if !strings.Contains(rep.Form["text"], "138****0001") || !strings.Contains(rep.Form["text"], "deleted your message") {
		t.Errorf("answer to /phone set: %q, want Alice's number masked and a note that the message was deleted", rep.Form["text"])
	}
	if !deleted(aliceSet) {
		t.Errorf("Alice's /phone set (message %d) was not deleted; calls:\n%s", aliceSet, api.dump())
	}
	hi, bobHi := s.say(tgE2EBob, "hi all")
	u, bobSet := s.say(tgE2EAlice, "/phone set @bob "+tgE2EBobPhone)
	api.push(hi, u)
	rep = sentReplyTo("the answer to /phone set @bob", bobSet)
	if !strings.Contains(rep.Form["text"], "Saved") || !strings.Contains(rep.Form["text"], "139****0002") {
		t.Errorf("answer to /phone set @bob: %q, want Bob's number saved, masked", rep.Form["text"])
	}
	if !deleted(bobSet) {
		t.Errorf("/phone set @bob (message %d) was not deleted", bobSet)
	}

	// (2) A dial-back addressed to this bot by name: Alice's phone rings
	// Bob's, and the call's card appears in the group.
	u, _ = s.say(tgE2EAlice, "/call@"+tgE2EBotName+" dialback @bob")
	api.push(u)
	callCard := api.waitFor("the dial-back card", "sendMessage", func(c tgE2ECall) bool { return c.isCard() && c.hasData(t, "c:1:again") })
	if dbs := tgE2EActions(sim, "callDailBack"); len(dbs) != 1 {
		t.Errorf("callDailBack requests: %d, want 1", len(dbs))
	} else if f := tgE2EFields(t, dbs[0]); f["src"] != tgE2EAlicePhone || f["dst"] != tgE2EBobPhone {
		t.Errorf("callDailBack src %v dst %v, want %s → %s", f["src"], f["dst"], tgE2EAlicePhone, tgE2EBobPhone)
	}
	if text := callCard.Form["text"]; callCard.Form["chat_id"] != strconv.FormatInt(tgE2EGroup, 10) ||
		!strings.Contains(text, "138****0001") || !strings.Contains(text, "139****0002") {
		t.Errorf("dial-back card: %s, want both numbers masked in the group", callCard)
	}

	// (3) A command for another bot is none of ours; (4) a meeting is
	// created right after it, so once its card is out the other bot's
	// command has been taken in (intake keeps update order).
	u, otherBot := s.say(tgE2EAlice, "/meet@OtherBot create x @bob")
	api.push(u)
	u, _ = s.say(tgE2EAlice, "/meet create standup @bob")
	api.push(u)
	meetCard := api.waitFor("the meeting card", "sendMessage", func(c tgE2ECall) bool { return c.isCard() && c.hasData(t, "m:1:end") })
	if cms := tgE2EActions(sim, "createMeeting"); len(cms) != 1 {
		t.Errorf("createMeeting requests: %d, want 1 (the command for @OtherBot must be ignored)", len(cms))
	} else if f := tgE2EFields(t, cms[0]); f["meetingname"] != "standup" {
		t.Errorf("createMeeting meetingname %v, want standup", f["meetingname"])
	}
	if text := meetCard.Form["text"]; !strings.Contains(text, "standup") || !strings.Contains(text, "138****0001") || !strings.Contains(text, "139****0002") {
		t.Errorf("meeting card: %s", meetCard)
	}
	var endData string
	for _, b := range meetCard.buttons(t) {
		if b[0] == "End meeting" {
			endData = b[1]
		}
	}
	if endData == "" {
		t.Fatalf("the meeting card has no End meeting button: %v", meetCard.buttons(t))
	}

	// Alice ends the meeting with the card's button, once the meeting's
	// record says it is in progress. The card is posted before the record
	// is (bot.postMeetingCard: PostCard, then PutMeeting), so a click that
	// beats the write is told "Meeting #1 is not in progress" while the
	// card shows it in progress: a person cannot click that fast, a test
	// can.
	tgE2EEventually(t, "meeting #1 stored as in progress with its card", func() bool {
		mt, err := m.store.Meeting(ctx, 1)
		return err == nil && mt.State == ytx.MeetingActive && mt.Card != nil
	})
	u, cqID := s.click(tgE2EAlice, meetCard.MsgID, endData)
	api.push(u)
	ack := api.waitFor("the answer to the End meeting click", "answerCallbackQuery", func(c tgE2ECall) bool { return c.Form["callback_query_id"] == cqID })
	if !strings.Contains(ack.Form["text"], "ended") {
		t.Errorf("End meeting toast: %q", ack.Form["text"])
	}
	edit := api.waitFor("the edit of the meeting card to ended", "editMessageText", func(c tgE2ECall) bool {
		return c.Form["message_id"] == strconv.Itoa(meetCard.MsgID) && strings.Contains(c.Form["text"], "ended")
	})
	if edit.Form["chat_id"] != strconv.FormatInt(tgE2EGroup, 10) || strings.Contains(edit.Form["reply_markup"], endData) {
		t.Errorf("ended card: %s markup %s", edit, edit.Form["reply_markup"])
	}
	if ds := tgE2EActions(sim, "destroyMeeting"); len(ds) != 1 {
		t.Errorf("destroyMeeting requests: %d, want 1", len(ds))
	}
	if ms := sim.Meetings(); len(ms) != 1 || ms[0].State != ytxsim.StateEnded {
		t.Errorf("simulator meetings: %+v, want one, ended", ms)
	}

	// (5) Carol maps herself, then one update arrives twice in a batch: it
	// is handled once.
	u, carolSet := s.say(tgE2ECarol, "/phone set "+tgE2ECarolPhone)
	api.push(u)
	rep = sentReplyTo("the answer to Carol's /phone set", carolSet)
	if !strings.Contains(rep.Form["text"], "137****0003") {
		t.Errorf("answer to Carol's /phone set: %q", rep.Form["text"])
	}
	u, _ = s.say(tgE2ECarol, "/call dialback @alice")
	api.push(u, u)
	api.waitFor("Carol's dial-back card", "sendMessage", func(c tgE2ECall) bool { return c.isCard() && c.hasData(t, "c:2:again") })
	last := s.update
	api.until("getUpdates to confirm every update", func() bool { return api.offset > last })

	// (6) Ready while running; cancel stops serve cleanly and soon.
	if code, body := get(t, public+"/readyz"); code != http.StatusOK {
		t.Errorf("readyz: %d %q", code, body)
	}
	cancel()
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(tgE2EWait):
		t.Fatal("serve did not stop within 10 s of cancel")
	}

	// Everything has drained: the whole conversation, tallied.
	dbs := tgE2EActions(sim, "callDailBack")
	var legs []string
	for _, r := range dbs {
		f := tgE2EFields(t, r)
		legs = append(legs, fmt.Sprint(f["src"], "→", f["dst"]))
	}
	if want := []string{tgE2EAlicePhone + "→" + tgE2EBobPhone, tgE2ECarolPhone + "→" + tgE2EAlicePhone}; !slices.Equal(legs, want) {
		t.Errorf("dial-backs at the simulator: %v, want %v (a duplicated update must ring once)", legs, want)
	}
	if n := len(tgE2EActions(sim, "createMeeting")); n != 1 {
		t.Errorf("createMeeting requests: %d, want 1", n)
	}
	if n := len(tgE2EActions(sim, "destroyMeeting")); n != 1 {
		t.Errorf("destroyMeeting requests: %d, want 1", n)
	}
	for _, r := range sim.Requests() {
		if r.Code != "0" {
			t.Errorf("YTX %s answered %q (HTTP %d)", r.Action, r.Code, r.HTTPStatus)
		}
	}
	cards := map[string]int{}
	var del []string
	for _, c := range api.Calls("") {
		switch c.Method {
		case "sendMessage", "editMessageText":
			if c.Form["chat_id"] != strconv.FormatInt(tgE2EGroup, 10) {
				t.Errorf("a message outside the group, where nobody opened a private chat: %s", c)
			}
			if n := tgE2EMobile.FindString(c.Form["text"] + c.Form["reply_markup"]); n != "" {
				t.Errorf("a full number (%s) in the group: %s", n, c)
			}
			if c.Method == "sendMessage" && (c.replyTo() == otherBot || c.replyTo() == bobHi) {
				t.Errorf("answered a message that is not for this bot: %s", c)
			}
			if c.isCard() {
				for _, b := range c.buttons(t) {
					if strings.HasSuffix(b[1], ":again") {
						cards[b[1]]++
					}
				}
			}
		case "deleteMessage":
			del = append(del, c.Form["message_id"])
		}
	}
	if cards["c:2:again"] != 1 || cards["c:1:again"] != 1 {
		t.Errorf("call cards posted: %v, want one each (a duplicated update must be handled once)", cards)
	}
	slices.Sort(del)
	if want := []string{strconv.Itoa(aliceSet), strconv.Itoa(bobSet), strconv.Itoa(carolSet)}; !slices.Equal(del, want) {
		t.Errorf("deleted messages %v, want the three /phone set commands %v", del, want)
	}
	api.mu.Lock()
	if len(api.odd) > 0 {
		t.Errorf("Bot API requests the fake does not serve: %v", api.odd)
	}
	api.mu.Unlock()
	if strings.Contains(logs.String(), tgE2EToken) {
		t.Error("the logs carry the bot token")
	}
}
