package telegram

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

const (
	testToken = "123456:TESTtoken_abcdefghijklmnop"
	botUserID = 999
	botName   = "OurBot"
)

// apiCall is one Bot API request the fake received.
type apiCall struct {
	Method string
	Form   map[string]string
	MsgID  int // sendMessage: the message_id answered
}

func (c apiCall) chat() string { return c.Form["chat_id"] }

// markup decodes the reply_markup form field (a JSON string inside the
// multipart body), or nil.
func (c apiCall) markup(t *testing.T) map[string]any {
	t.Helper()
	s := c.Form["reply_markup"]
	if s == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("reply_markup %q: %v", s, err)
	}
	return m
}

// callbackData lists the inline keyboard's callback_data values in order.
func (c apiCall) callbackData(t *testing.T) []string {
	t.Helper()
	var out []string
	rows, _ := c.markup(t)["inline_keyboard"].([]any)
	for _, row := range rows {
		for _, b := range row.([]any) {
			out = append(out, b.(map[string]any)["callback_data"].(string))
		}
	}
	return out
}

// failure is a canned error answer.
type failure struct {
	method     string
	chat       string // "" = any chat
	code       int
	desc       string
	retryAfter int
	migrateTo  int64
}

// fakeAPI is a Telegram Bot API in-process: it routes /bot<token>/<method>,
// parses the multipart forms the library streams, records every call,
// answers {"ok":true,"result":…}, serves getUpdates from a queue, and can
// answer canned errors.
type fakeAPI struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	calls   []apiCall
	fails   []failure
	members map[int64]string // user id → getChatMember status; default "left"
	msgID   int
	changed chan struct{} // closed and replaced on every call

	updates chan models.Update
}

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	f := &fakeAPI{t: t, members: map[int64]string{}, msgID: 500, changed: make(chan struct{}), updates: make(chan models.Update, 64)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) URL() string { return f.srv.URL }

func (f *fakeAPI) setMember(user int64, status string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.members[user] = status
}

// failNext makes the next call of fl.method (to fl.chat, when set) fail.
func (f *fakeAPI) failNext(fl failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fails = append(f.fails, fl)
}

// Calls returns the calls of method so far ("" = all).
func (f *fakeAPI) Calls(method string) []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// waitFor waits until a call of method satisfying ok has arrived.
func (f *fakeAPI) waitFor(method string, ok func(apiCall) bool) apiCall {
	f.t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		ch := f.changed
		for _, c := range f.calls {
			if c.Method == method && (ok == nil || ok(c)) {
				f.mu.Unlock()
				return c
			}
		}
		f.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			f.t.Fatalf("no %s call arrived; calls: %v", method, f.methods())
		}
	}
}

func (f *fakeAPI) methods() []string {
	var out []string
	for _, c := range f.Calls("") {
		out = append(out, c.Method)
	}
	return out
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	method, ok := strings.CutPrefix(r.URL.Path, "/bot"+testToken+"/")
	if !ok {
		writeJSON(w, map[string]any{"ok": false, "error_code": 404, "description": "Not Found"})
		return
	}
	form := map[string]string{}
	if err := r.ParseMultipartForm(1 << 20); err == nil {
		for k, v := range r.MultipartForm.Value {
			form[k] = v[0]
		}
	}
	c := apiCall{Method: method, Form: form}
	f.mu.Lock()
	if method == "sendMessage" {
		f.msgID++
		c.MsgID = f.msgID
	}
	f.calls = append(f.calls, c)
	close(f.changed)
	f.changed = make(chan struct{})
	var fail *failure
	for i, fl := range f.fails {
		if fl.method == method && (fl.chat == "" || fl.chat == form["chat_id"]) {
			fail = &fl
			f.fails = append(f.fails[:i:i], f.fails[i+1:]...)
			break
		}
	}
	f.mu.Unlock()
	if fail != nil {
		params := map[string]any{}
		if fail.retryAfter > 0 {
			params["retry_after"] = fail.retryAfter
		}
		if fail.migrateTo != 0 {
			params["migrate_to_chat_id"] = fail.migrateTo
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(fail.code)
		writeJSON(w, map[string]any{"ok": false, "error_code": fail.code, "description": fail.desc, "parameters": params})
		return
	}
	switch method {
	case "getMe":
		ok200(w, models.User{ID: botUserID, IsBot: true, FirstName: "ytxbot", Username: botName})
	case "sendMessage":
		ok200(w, f.message(form, c.MsgID))
	case "editMessageText":
		id, _ := strconv.Atoi(form["message_id"])
		ok200(w, f.message(form, id))
	case "getChatMember":
		uid, _ := strconv.ParseInt(form["user_id"], 10, 64)
		f.mu.Lock()
		status := f.members[uid]
		f.mu.Unlock()
		if status == "" {
			status = "left"
		}
		res := map[string]any{"status": status, "user": map[string]any{"id": uid, "is_bot": false, "first_name": "u"}}
		if status == "restricted" {
			res["is_member"] = true
		}
		ok200(w, res)
	case "getUpdates":
		ok200(w, f.nextUpdates(r, form))
	default: // setMyCommands, deleteWebhook, setWebhook, deleteMessage, answerCallbackQuery
		ok200(w, true)
	}
}

// message is the Message a send or edit returns.
func (f *fakeAPI) message(form map[string]string, id int) map[string]any {
	chat, _ := strconv.ParseInt(form["chat_id"], 10, 64)
	typ := "supergroup"
	if chat > 0 {
		typ = "private"
	}
	return map[string]any{"message_id": id, "date": 1767225600, "chat": map[string]any{"id": chat, "type": typ}, "text": form["text"]}
}

// nextUpdates is a long poll: it waits for queued updates up to the
// requested timeout (at most 2 s) and returns what is queued.
func (f *fakeAPI) nextUpdates(r *http.Request, form map[string]string) []models.Update {
	secs, _ := strconv.Atoi(form["timeout"])
	wait := time.NewTimer(time.Duration(min(max(secs, 0), 2)) * time.Second)
	defer wait.Stop()
	out := []models.Update{}
	select {
	case u := <-f.updates:
		out = append(out, u)
	case <-wait.C:
		return out
	case <-r.Context().Done():
		return out
	}
	for {
		select {
		case u := <-f.updates:
			out = append(out, u)
		default:
			return out
		}
	}
}

func ok200(w http.ResponseWriter, result any) {
	writeJSON(w, map[string]any{"ok": true, "result": result})
}

func writeJSON(w http.ResponseWriter, v any) {
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	if err := json.NewEncoder(w).Encode(v); err != nil {
		panic(fmt.Sprint("fake telegram: ", err))
	}
}
