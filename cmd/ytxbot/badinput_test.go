package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/ytxbot/ytxbot/ytx"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

// The hostile-input harness: the real serve (Main) with Slack over HTTP,
// Telegram in webhook mode and YTX pushes, all on one listener, against
// the fake Slack Web API and Bot API of the other end-to-end tests and the
// YTX simulator. Each fake sits behind a front that records every request
// it got and can answer the next ones with a fault instead.

// hostileSecrets are the secrets a hostile serve runs with.
type hostileSecrets struct {
	ytxSID, ytxToken, ytxApp string
	botToken                 string // Slack xoxb-
	tgToken                  string // Telegram 123:ABC
	webhook                  string // X-Telegram-Bot-Api-Secret-Token
	callback                 string // /ytx/callback/{secret}
}

// Telegram's alice and bob: other numbers than Slack's (self-service claims
// only numbers nobody else has).
const (
	badTgAlice = "13800000021"
	badTgBob   = "13900000022"
)

// hostileDefaults are the bad-input suite's secrets.
var hostileDefaults = hostileSecrets{
	ytxSID: simDefaultSID, ytxToken: simDefaultToken, ytxApp: simDefaultApp,
	botToken: e2eBotToken, tgToken: tgE2EToken, webhook: "badinput-webhook-secret-77", callback: e2ePushSecret,
}

// wireReq is one request a fake received, as it arrived.
type wireReq struct {
	Key    string // the front's key: Slack path, Bot API method, YTX action
	Path   string
	Header http.Header
	Query  url.Values
	Body   []byte
}

// front records every request to a fake and answers faults queued for it
// (by key: a Slack path, a Bot API method, a YTX action) instead of the
// fake.
type front struct {
	key  func(r *http.Request, body []byte) string
	next http.Handler

	mu     sync.Mutex
	reqs   []wireReq
	faults map[string][]http.HandlerFunc
}

func newFront(next http.Handler, key func(*http.Request, []byte) string) *front {
	return &front{next: next, key: key, faults: map[string][]http.HandlerFunc{}}
}

// fail answers the next n requests of key with f.
func (f *front) fail(key string, n int, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.faults[key] = append(f.faults[key], h)
	}
}

// pending returns how many faults of key are still queued.
func (f *front) pending(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.faults[key])
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	k := f.key(r, body)
	f.mu.Lock()
	f.reqs = append(f.reqs, wireReq{Key: k, Path: r.URL.Path, Header: r.Header.Clone(), Query: r.URL.Query(), Body: body})
	var h http.HandlerFunc
	if q := f.faults[k]; len(q) > 0 {
		h, f.faults[k] = q[0], q[1:]
	}
	f.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	f.next.ServeHTTP(w, r)
}

func (f *front) requests() []wireReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]wireReq(nil), f.reqs...)
}

// count returns how many requests of key the front saw (faulted or not).
func (f *front) count(key string) int {
	n := 0
	for _, r := range f.requests() {
		if r.Key == key {
			n++
		}
	}
	return n
}

// answerJSON is a fault that answers status with v.
func answerJSON(status int, v any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
}

// answerRaw is a fault that answers status with body as it is.
func answerRaw(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// hangUp is a fault that closes the connection without an answer.
func hangUp(w http.ResponseWriter, _ *http.Request) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("hangUp: not a Hijacker")
	}
	c, _, err := hj.Hijack()
	if err == nil {
		c.Close()
	}
}

// ytxAction is the key of a YTX request: its body's action.
func ytxAction(_ *http.Request, body []byte) string {
	var b struct{ Action string }
	_ = json.Unmarshal(body, &b)
	return b.Action
}

// hostile is a running serve and everything around it.
type hostile struct {
	sec     hostileSecrets
	m       *Main
	cfg     *Config
	sim     *ytxsim.Sim
	ytx     *front // in front of the simulator
	slack   *e2eFakeSlack
	sfront  *front // in front of the fake Slack (key: path)
	tg      *tgE2EAPI
	tfront  *front // in front of the fake Bot API (key: method)
	logs    *e2eLog
	answers *answerLog // every answer serve gave h.hc
	public  string
	admin   string
	hc      *http.Client

	// want counts the ringing requests the cases meant to reach YTX:
	// all of them, and those that ring a phone now.
	want struct{ reached, rang, notes int }
	// silent are Telegram updates that must get no answer at all.
	silent []map[string]any

	cancel  context.CancelFunc
	done    chan error
	stopped bool
	runErr  error
}

// answerLog is a RoundTripper that keeps every answer's body.
type answerLog struct {
	rt      http.RoundTripper
	mu      sync.Mutex
	answers []string
}

func (a *answerLog) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := a.rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	a.mu.Lock()
	a.answers = append(a.answers, fmt.Sprintf("%d %s", resp.StatusCode, b)) // not the URL: the test wrote it
	a.mu.Unlock()
	return resp, rerr
}

// note keeps an answer that came another way (a Socket Mode ack).
func (a *answerLog) note(s string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.answers = append(a.answers, s)
}

func (a *answerLog) all() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.answers...)
}

// startHostile starts serve with sec, edit applied (after the fakes are up,
// before serve starts: it may queue faults), and waits until it is ready
// when ready is true.
func startHostile(t *testing.T, sec hostileSecrets, edit func(*hostile, *Config), ready bool) *hostile {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	h := &hostile{sec: sec, logs: &e2eLog{}, answers: &answerLog{rt: tr}}
	h.hc = &http.Client{Timeout: 10 * time.Second, Transport: h.answers}
	t.Cleanup(tr.CloseIdleConnections)
	var err error
	h.sim, err = ytxsim.New(ytxsim.Config{AccountSID: sec.ytxSID, AuthToken: sec.ytxToken, AppID: sec.ytxApp})
	if err != nil {
		t.Fatal(err)
	}
	h.ytx = newFront(h.sim, ytxAction)
	ysrv := httptest.NewServer(h.ytx)
	t.Cleanup(ysrv.Close)

	// The fake Slack of slack_e2e_test.go, reached through a front.
	h.slack = &e2eFakeSlack{authGate: make(chan struct{}), authArrived: make(chan struct{}), changed: make(chan struct{}, 1)}
	h.sfront = newFront(http.HandlerFunc(h.slack.serve), func(r *http.Request, _ []byte) string { return r.URL.Path })
	h.slack.srv = httptest.NewServer(h.sfront)
	t.Cleanup(h.slack.srv.Close)
	h.slack.releaseAuth()

	// The fake Bot API of telegram_e2e_test.go, reached through a front that
	// also serves setWebhook (the fake is a polling bot's) and maps the
	// token to the fake's.
	h.tg = newTgE2EAPI(t)
	tgMethod := func(r *http.Request, _ []byte) string {
		_, m, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
		return m
	}
	h.tfront = newFront(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, "/bot"+sec.tgToken+"/")
		if !ok {
			tgE2EWrite(w, http.StatusUnauthorized, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
			return
		}
		if rest == "setWebhook" {
			tgE2EOK(w, true)
			return
		}
		r.URL.Path = "/bot" + tgE2EToken + "/" + rest
		h.tg.serve(w, r)
	}), tgMethod)
	tsrv := httptest.NewServer(h.tfront)
	t.Cleanup(tsrv.Close)

	cfg := DefaultConfig()
	cfg.HTTP.Addr, cfg.HTTP.AdminAddr = "127.0.0.1:0", "127.0.0.2:0"
	cfg.Storage.Path = filepath.Join(t.TempDir(), "ytxbot.db")
	cfg.YTX.BaseURL, cfg.YTX.AccountSID, cfg.YTX.AuthToken, cfg.YTX.AppID = ysrv.URL, sec.ytxSID, Secret(sec.ytxToken), sec.ytxApp
	cfg.YTX.CallbackSecret = Secret(sec.callback)
	cfg.Slack.Enabled, cfg.Slack.TeamID = true, e2eTeam
	cfg.Slack.SigningSecret, cfg.Slack.BotToken = Secret(e2eSigningSecret), Secret(sec.botToken)
	cfg.Slack.APIURL = h.slack.URL()
	cfg.Slack.AckWithin = 2 * time.Second
	cfg.Telegram.Enabled, cfg.Telegram.Mode = true, TelegramWebhook
	cfg.Telegram.Token, cfg.Telegram.ServerURL = Secret(sec.tgToken), tsrv.URL
	cfg.Telegram.WebhookURL, cfg.Telegram.WebhookSecret = "https://bot.example.com/telegram/webhook", Secret(sec.webhook)
	cfg.Telegram.AllowedChats = []int64{tgE2EGroup}
	cfg.Admins = []string{"slack:T0001:UADMIN", "telegram:1001"}
	cfg.Policy.SelfService = true
	// Limits off: the suite rings the same people many times on purpose.
	cfg.Policy.CallsPerUserPerHour, cfg.Policy.RingsPerTargetPerHour, cfg.Policy.CallsPerMinuteGlobal = 0, 0, 0
	cfg.Policy.DuplicateWindow = 0
	cfg.Tracker.PollInterval = time.Hour // every YTX request is one the test caused
	if edit != nil {
		edit(h, &cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("the test's configuration does not validate:\n%v", err)
	}
	h.cfg = &cfg

	h.m = &Main{Config: &cfg, Logger: slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve logs:\n%s", h.logs.String())
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	go func() { h.done <- h.m.Run(ctx) }()
	t.Cleanup(func() { h.stop(t) }) // before the fakes close: cleanups run last in, first out
	select {
	case <-h.m.Listening():
	case err := <-h.done:
		h.stopped = true
		t.Fatalf("serve stopped before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not listen")
	}
	h.public, h.admin = "http://"+h.m.Addr("public").String(), "http://"+h.m.Addr("admin").String()
	if !ready {
		return h
	}
	e2eWaitUntil(t, "readyz 200 (auth.test and setWebhook done)", func() bool {
		code, _ := h.get(t, h.public+"/readyz")
		return code == http.StatusOK
	})
	return h
}

// stop cancels serve and waits for it to drain; idempotent. Once it
// returned, everything serve would do has been done.
func (h *hostile) stop(t *testing.T) error {
	t.Helper()
	if h.stopped {
		return h.runErr
	}
	h.stopped = true
	h.cancel()
	select {
	case h.runErr = <-h.done:
	case <-time.After(25 * time.Second):
		t.Error("serve did not stop within 25 s")
	}
	return h.runErr
}

func (h *hostile) get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := h.hc.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// do sends a request to serve's public listener and returns the answer.
func (h *hostile) do(t *testing.T, method, path string, header http.Header, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, h.public+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := h.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// slackClient is the Slack client of slack_e2e_test.go for test t.
func (h *hostile) slackClient(t *testing.T) *e2eSlackClient {
	return &e2eSlackClient{t: t, public: h.public, fake: h.slack, http: h.hc}
}

// slackPosted returns the number of cards (chat.postMessage) so far, to
// wait for the next one with slackCard.
func (h *hostile) slackPosted() int { return len(h.slack.requests("/chat.postMessage")) }

// slackCard waits for card n (0-based) posted to Slack and returns it.
func (h *hostile) slackCard(t *testing.T, what string, n int) e2eSlackReq {
	t.Helper()
	h.slack.waitFor(t, what, "/chat.postMessage", func(e2eSlackReq) bool { return h.slackPosted() > n })
	return h.slack.requests("/chat.postMessage")[n]
}

// tgCard waits for the first card sent to Telegram after the first n
// sendMessage calls, and returns it.
func (h *hostile) tgCard(t *testing.T, what string, n int) tgE2ECall {
	t.Helper()
	var card tgE2ECall
	e2eWaitUntil(t, what, func() bool {
		for _, c := range h.tg.Calls("sendMessage")[n:] {
			if c.isCard() {
				card = c
				return true
			}
		}
		return false
	})
	return card
}

// slackHeaders signs body with key at ts, as Slack does.
func slackHeaders(body, key string, ts time.Time) http.Header {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(key))
	io.WriteString(mac, "v0:"+stamp+":"+body)
	return http.Header{
		"Content-Type":              {"application/x-www-form-urlencoded"},
		"X-Slack-Request-Timestamp": {stamp},
		"X-Slack-Signature":         {"v0=" + hex.EncodeToString(mac.Sum(nil))},
	}
}

// tgPost posts an update to the webhook with secret (none when "").
func (h *hostile) tgPost(t *testing.T, secret string, body []byte) (int, string) {
	t.Helper()
	hd := http.Header{"Content-Type": {"application/json"}}
	if secret != "" {
		hd.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	return h.do(t, http.MethodPost, "/telegram/webhook", hd, bytes.NewReader(body))
}

// tgUpdate posts update u with the right secret; it must be taken (200).
func (h *hostile) tgUpdate(t *testing.T, u map[string]any) {
	t.Helper()
	js, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := h.tgPost(t, h.sec.webhook, js); code != http.StatusOK {
		t.Fatalf("webhook update %s: %d %q", js, code, body)
	}
}

// tgWait waits for a Bot API call of method that satisfies ok.
func (h *hostile) tgWait(t *testing.T, what, method string, ok func(tgE2ECall) bool) tgE2ECall {
	t.Helper()
	var found tgE2ECall
	e2eWaitUntil(t, what, func() bool {
		for _, c := range h.tg.Calls(method) {
			if ok(c) {
				found = c
				return true
			}
		}
		return false
	})
	return found
}

// tgReply waits for the bot's answer to message msg in the group.
func (h *hostile) tgReply(t *testing.T, what string, msg int) tgE2ECall {
	t.Helper()
	return h.tgWait(t, what, "sendMessage", func(c tgE2ECall) bool { return c.replyTo() == msg })
}

// reached counts the requests of the ringing actions (createMeeting,
// inviteJoinMeeting, callDailBack) that reached the simulator, whatever it
// answered; rang counts those that ring a phone now (not bookings).
func reached(sim *ytxsim.Sim) (all, rang int) {
	for _, r := range sim.Requests() {
		switch r.Action {
		case ytx.ActionCreateMeeting:
			all++
			var b struct {
				Book string `json:"bookmeeting"`
			}
			_ = json.Unmarshal(r.Body, &b)
			if b.Book == "0" || b.Book == "" {
				rang++
			}
		case ytx.ActionInvite, ytx.ActionDialBack:
			all++
			rang++
		}
	}
	return all, rang
}

// noRing runs f and checks that no ringing request reached YTX meanwhile.
func noRing(t *testing.T, sim *ytxsim.Sim, f func()) {
	t.Helper()
	before, _ := reached(sim)
	f()
	if after, _ := reached(sim); after != before {
		t.Errorf("%d ringing request(s) reached YTX", after-before)
	}
}

// controlRE finds C0 controls (but tab and line breaks), DEL and C1
// controls, NUL included.
var controlRE = regexp.MustCompile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u0080-\u009f]")

// tgMember builds a Telegram user in the allowed group (ids 1-3 are members
// for the fake's getChatMember).
func tgMember(id int, first, username string) map[string]any {
	u := map[string]any{"id": id, "is_bot": false, "first_name": first, "language_code": "en"}
	if username != "" {
		u["username"] = username
	}
	return u
}

// TestBadInput throws malformed, forged, replayed, oversized and hostile
// input at every endpoint and command of the real serve, and malformed YTX
// answers at its ringing actions. Every case gets the status the SPEC says,
// a clear private answer or a safe silence; nothing rings that should not;
// and afterwards serve is healthy and a normal command still works.
func TestBadInput(t *testing.T) {
	h := startHostile(t, hostileDefaults, nil, true)
	sim := h.sim
	sc := h.slackClient(t)

	// People: alice and bob on Slack and on Telegram, mapped by themselves.
	sc.command("/phone", "set "+e2eAlice, "U0001", "alice", "setup-1")
	sc.command("/phone", "set "+e2eBob, "U0002", "bob", "setup-2")
	var s tgE2EScript
	s.update, s.msg = 1000, 100
	for _, p := range []struct {
		who   map[string]any
		phone string
	}{{tgE2EAlice, badTgAlice}, {tgE2EBob, badTgBob}} {
		u, msg := s.say(p.who, "/phone set "+p.phone)
		h.tgUpdate(t, u)
		if r := h.tgReply(t, "the answer to /phone set", msg); !strings.Contains(r.Form["text"], "Saved") {
			t.Fatalf("Telegram /phone set: %s", r)
		}
	}
	if all, _ := reached(sim); all != 0 {
		t.Fatalf("setup rang: %d", all)
	}

	t.Run("SlackRequests", func(t *testing.T) { badInputSlackRequests(t, h) })
	t.Run("TelegramWebhook", func(t *testing.T) { badInputTelegramWebhook(t, h, &s) })
	t.Run("Pushes", func(t *testing.T) { badInputPushes(t, h) })
	t.Run("SlackText", func(t *testing.T) { badInputSlackText(t, h) })
	t.Run("SlackName", func(t *testing.T) { badInputSlackName(t, h) })
	t.Run("TelegramText", func(t *testing.T) { badInputTelegramText(t, h, &s) })
	t.Run("YTXAnswers", func(t *testing.T) { badInputYTX(t, h, &s) })
	t.Run("PushText", func(t *testing.T) { badInputPushText(t, h) })
	t.Run("ForeignButtons", func(t *testing.T) { badInputForeignButtons(t, h, &s) })
	t.Run("Methods", func(t *testing.T) { badInputMethods(t, h) })
	t.Run("AdminSocket", func(t *testing.T) { badInputAdminSocket(t, h) })

	// Still healthy, and a normal command still rings exactly once.
	if code, body := h.get(t, h.public+"/healthz"); code != http.StatusOK {
		t.Fatalf("healthz after the bad input: %d %q", code, body)
	}
	if code, body := h.get(t, h.public+"/readyz"); code != http.StatusOK {
		t.Fatalf("readyz after the bad input: %d %q", code, body)
	}
	before, _ := reached(sim)
	cards := h.slackPosted()
	rep := h.slackClient(t).command("/call", "dialback <@U0002|bob>", "U0001", "alice", "final-call")
	h.want.reached++
	h.want.rang++
	if after, _ := reached(sim); after != before+1 || strings.Contains(rep.Text, "wrong") {
		t.Errorf("a normal dial-back after the bad input: %d ringing request(s), reply %q", after-before, rep.Text)
	}
	h.slackCard(t, "the final call's card", cards)
	if err := h.stop(t); err != nil {
		t.Errorf("Run: %v", err)
	}

	// Drained: nothing rang late, beyond what the cases meant to.
	if all, rang := reached(sim); all != h.want.reached || rang != h.want.rang {
		t.Errorf("ringing requests at YTX: %d (%d ringing now), want %d (%d)", all, rang, h.want.reached, h.want.rang)
	}
	notes := 0
	for _, c := range h.tg.Calls("sendMessage") {
		switch c.Form["chat_id"] {
		case "-2002":
			notes++
		case "-3003":
			t.Errorf("answered in a channel: %s", c)
		}
		for _, u := range h.silent {
			for _, k := range []string{"message", "edited_message"} {
				if m, ok := u[k].(map[string]any); ok && m["message_id"] == c.replyTo() && c.Form["chat_id"] == strconv.FormatInt(tgE2EGroup, 10) {
					t.Errorf("answered an update that is none of ours: %s", c)
				}
			}
		}
	}
	if notes != h.want.notes {
		t.Errorf("%d \"not enabled\" notes in the chat that is not allowed, want %d", notes, h.want.notes)
	}
}

// badInputSlackRequests: POST /slack/commands and /slack/interactions with
// bodies and signatures Slack would never send.
func badInputSlackRequests(t *testing.T, h *hostile) {
	sc := h.slackClient(t)
	good := sc.slashForm("/call", "dialback <@U0002|bob>", "U0001", "alice", "bad-trigger-1")
	now := time.Now()
	big := sc.slashForm("/meet", "create "+strings.Repeat("x", 100<<10)+" <@U0002|bob>", "U0001", "alice", "bad-big")
	click := e2eClickPayload("U0001", "alice", "1700000000.000001", "card_actions", "c:1:again", "c:1:again", h.slack.URL()+"response/bad-click")
	foreignClick := strings.ReplaceAll(click, e2eTeam, "T9999")
	for _, path := range []string{"/slack/commands", "/slack/interactions"} {
		body := good
		if path == "/slack/interactions" {
			body = click
		}
		cases := []struct {
			name   string
			body   string
			header http.Header
			chunk  bool // no Content-Length: the limit must hold while reading
			want   int
		}{
			{"no signature", body, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, false, 401},
			{"no timestamp", body, func() http.Header {
				hd := slackHeaders(body, e2eSigningSecret, now)
				hd.Del("X-Slack-Request-Timestamp")
				return hd
			}(), false, 401},
			{"empty signature", body, func() http.Header {
				hd := slackHeaders(body, e2eSigningSecret, now)
				hd.Set("X-Slack-Signature", "")
				return hd
			}(), false, 401},
			{"forged", body, slackHeaders(body, "not-the-signing-secret", now), false, 401},
			{"signature of another body", body, slackHeaders(body+"&x=1", e2eSigningSecret, now), false, 401},
			{"replayed after 6 minutes", body, slackHeaders(body, e2eSigningSecret, now.Add(-6*time.Minute)), false, 401},
			{"stamped 6 minutes ahead", body, slackHeaders(body, e2eSigningSecret, now.Add(6*time.Minute)), false, 401},
			{"stamped far ahead", body, slackHeaders(body, e2eSigningSecret, now.Add(100*365*24*time.Hour)), false, 401},
			{"v1 signature", body, func() http.Header {
				hd := slackHeaders(body, e2eSigningSecret, now)
				hd.Set("X-Slack-Signature", strings.Replace(hd.Get("X-Slack-Signature"), "v0=", "v1=", 1))
				return hd
			}(), false, 401},
			{"signature not hex", body, func() http.Header {
				hd := slackHeaders(body, e2eSigningSecret, now)
				hd.Set("X-Slack-Signature", "v0=zz"+strings.Repeat("0", 62))
				return hd
			}(), false, 401},
			{"timestamp not a number", body, func() http.Header {
				hd := slackHeaders(body, e2eSigningSecret, now)
				hd.Set("X-Slack-Request-Timestamp", "now")
				return hd
			}(), false, 401},
			{"oversized", big, slackHeaders(big, e2eSigningSecret, now), false, 413},
			{"oversized, chunked", big, slackHeaders(big, e2eSigningSecret, now), true, 413},
			{"forged and oversized", big, slackHeaders(big, "nope", now), false, 413},
			{"not a form", "%zz%%", slackHeaders("%zz%%", e2eSigningSecret, now), false, 400},
			{"empty form", "", slackHeaders("", e2eSigningSecret, now), false, 400},
		}
		if path == "/slack/commands" {
			nocmd := "text=dialback&team_id=" + e2eTeam
			cases = append(cases, struct {
				name   string
				body   string
				header http.Header
				chunk  bool
				want   int
			}{"no command", nocmd, slackHeaders(nocmd, e2eSigningSecret, now), false, 400})
		} else {
			for _, p := range []string{"payload=%7Bnot+json", "payload=", "payload=%5B1%2C2%5D"} {
				cases = append(cases, struct {
					name   string
					body   string
					header http.Header
					chunk  bool
					want   int
				}{"payload " + p, p, slackHeaders(p, e2eSigningSecret, now), false, 400})
			}
		}
		for _, tc := range cases {
			t.Run(strings.TrimPrefix(path, "/slack/")+"/"+tc.name, func(t *testing.T) {
				calls := len(h.sfront.requests())
				noRing(t, h.sim, func() {
					var rd io.Reader = strings.NewReader(tc.body)
					if tc.chunk {
						rd = io.MultiReader(rd) // hides the length: chunked
					}
					code, answer := h.do(t, http.MethodPost, path, tc.header, rd)
					if code != tc.want {
						t.Errorf("status %d, want %d (answer %.80q)", code, tc.want, answer)
					}
					if strings.Contains(answer, "{") || strings.Contains(answer, "Working") {
						t.Errorf("answer %.200q: a refused request must not be processed", answer)
					}
				})
				if n := len(h.sfront.requests()) - calls; n != 0 {
					t.Errorf("a refused request made %d Slack API call(s)", n)
				}
			})
		}
	}
	posted := h.slackPosted()

	t.Run("commands/another workspace", func(t *testing.T) {
		noRing(t, h.sim, func() {
			body := strings.ReplaceAll(sc.slashForm("/call", "dialback <@U0002|bob>", "U0001", "alice", "foreign-1"), "team_id="+e2eTeam, "team_id=T9999")
			code, answer := sc.signedPost("/slack/commands", body, e2eSigningSecret)
			m := e2eDecodePrivate(t, "foreign command", []byte(answer))
			if code != http.StatusOK || !strings.Contains(m.Text, "not enabled") {
				t.Errorf("command from another workspace: %d %q, want a private \"not enabled\"", code, m.Text)
			}
		})
	})
	t.Run("interactions/another workspace", func(t *testing.T) {
		noRing(t, h.sim, func() {
			code, answer := sc.signedPost("/slack/interactions", foreignClick, e2eSigningSecret)
			if code != http.StatusOK || len(answer) != 0 {
				t.Errorf("click from another workspace: %d %q, want an empty 200", code, answer)
			}
		})
	})
	t.Run("commands/unknown command", func(t *testing.T) {
		noRing(t, h.sim, func() {
			code, answer := sc.signedPost("/slack/commands", sc.slashForm("/rm", "-rf /", "U0001", "alice", "unknown-1"), e2eSigningSecret)
			if m := e2eDecodePrivate(t, "unknown command", []byte(answer)); code != http.StatusOK || !strings.Contains(m.Text, "/rm") {
				t.Errorf("unknown command: %d %q", code, m.Text)
			}
		})
	})

	// A valid command replayed (same body, same signature, within the
	// window) and re-sent with the same trigger_id: handled once.
	t.Run("commands/replayed", func(t *testing.T) {
		before, _ := reached(h.sim)
		body := sc.slashForm("/call", "dialback <@U0002|bob>", "U0001", "alice", "replay-1")
		hd := slackHeaders(body, e2eSigningSecret, time.Now())
		code, first := h.do(t, http.MethodPost, "/slack/commands", hd, strings.NewReader(body))
		if code != http.StatusOK {
			t.Fatalf("first: %d %q", code, first)
		}
		for i, hd := range []http.Header{hd, slackHeaders(body, e2eSigningSecret, time.Now().Add(-time.Second))} {
			code, again := h.do(t, http.MethodPost, "/slack/commands", hd, strings.NewReader(body))
			if code != http.StatusOK || strings.Contains(again, "in_channel") {
				t.Errorf("replay %d: %d %q", i, code, again)
			}
		}
		h.want.reached++
		h.want.rang++
		if after, _ := reached(h.sim); after != before+1 {
			t.Errorf("a replayed command reached YTX %d times, want once", after-before)
		}
	})

	// A click replayed: Call again on the card rings once.
	t.Run("interactions/replayed", func(t *testing.T) {
		card := h.slackCard(t, "the replayed command's card", posted)
		var again e2eButton
		for _, b := range e2eButtons(t, card.Form.Get("blocks")) {
			if strings.HasSuffix(b.ActionID, ":again") {
				again = b
			}
		}
		if again.ActionID == "" {
			t.Fatalf("no Call again on %s", card.Form.Get("blocks"))
		}
		before, _ := reached(h.sim)
		payload := e2eClickPayload("U0001", "alice", card.TS, again.BlockID, again.ActionID, again.Value, h.slack.URL()+"response/replay-click")
		hd := slackHeaders(payload, e2eSigningSecret, time.Now())
		for i := range 3 {
			if code, answer := h.do(t, http.MethodPost, "/slack/interactions", hd, strings.NewReader(payload)); code != http.StatusOK || answer != "" {
				t.Errorf("click %d: %d %q", i, code, answer)
			}
		}
		h.want.reached++
		h.want.rang++
		h.slack.waitFor(t, "the click's answer", "/response/replay-click", nil)
		e2eWaitUntil(t, "the click to ring", func() bool { n, _ := reached(h.sim); return n > before })
		if after, _ := reached(h.sim); after != before+1 {
			t.Errorf("a click replayed 3 times reached YTX %d times, want once", after-before)
		}
	})
}

// tgSay is a message in chat from a person, with the entities Telegram
// marks (a bot_command at the start, @mentions at word starts), offsets in
// UTF-16 units as Telegram counts them.
func tgSay(s *tgE2EScript, from, chat map[string]any, text string) (map[string]any, int) {
	s.update++
	s.msg++
	var ents []map[string]any
	units := 0
	start := -1
	kind := ""
	flush := func() {
		if start >= 0 {
			ents = append(ents, map[string]any{"type": kind, "offset": start, "length": units - start})
			start = -1
		}
	}
	prev := ' '
	for _, r := range text {
		switch {
		case start >= 0 && r == ' ':
			flush()
		case start < 0 && r == '/' && units == 0:
			start, kind = units, "bot_command"
		case start < 0 && r == '@' && prev == ' ':
			start, kind = units, "mention"
		}
		prev = r
		units += len(utf16.Encode([]rune{r}))
	}
	flush()
	m := map[string]any{"message_id": s.msg, "from": from, "chat": chat, "date": tgE2EDate, "text": text}
	if len(ents) > 0 {
		m["entities"] = ents
	}
	return map[string]any{"update_id": s.update, "message": m}, s.msg
}

// badInputTelegramWebhook: POST /telegram/webhook with wrong secrets,
// bodies Telegram would not send, chats that are not allowed, replays.
func badInputTelegramWebhook(t *testing.T, h *hostile, s *tgE2EScript) {
	u, _ := tgSay(s, tgE2EAlice, tgE2EChat, "/call dialback @bob")
	good, _ := json.Marshal(u)
	huge := []byte(`{"update_id":1,"message":{"text":"` + strings.Repeat("x", 1<<20) + `"}}`)
	for _, tc := range []struct {
		name   string
		secret string
		body   []byte
		chunk  bool
		want   int
	}{
		{"no secret", "", good, false, 401},
		{"wrong secret", "not-the-secret", good, false, 401},
		{"secret in another case", strings.ToUpper(h.sec.webhook), good, false, 401},
		{"secret prefix", h.sec.webhook[:len(h.sec.webhook)-1], good, false, 401},
		{"secret plus a character", h.sec.webhook + "x", good, false, 401},
		{"wrong secret, oversized", "nope", huge, false, 401},
		{"oversized", h.sec.webhook, huge, false, 413},
		{"oversized, chunked", h.sec.webhook, huge, true, 413},
		{"not JSON", h.sec.webhook, []byte("update_id=1"), false, 400},
		{"truncated JSON", h.sec.webhook, good[:len(good)/2], false, 400},
		{"a JSON array", h.sec.webhook, []byte(`[{"update_id":5}]`), false, 400},
		{"update_id a string", h.sec.webhook, []byte(`{"update_id":"5","message":{}}`), false, 400},
		{"empty body", h.sec.webhook, nil, false, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := len(h.tfront.requests())
			defer func() {
				if n := len(h.tfront.requests()) - calls; n != 0 {
					t.Errorf("a refused update made %d Bot API call(s)", n)
				}
			}()
			noRing(t, h.sim, func() {
				hd := http.Header{"Content-Type": {"application/json"}}
				if tc.secret != "" {
					hd.Set("X-Telegram-Bot-Api-Secret-Token", tc.secret)
				}
				var rd io.Reader = bytes.NewReader(tc.body)
				if tc.chunk {
					rd = io.MultiReader(rd)
				}
				if code, answer := h.do(t, http.MethodPost, "/telegram/webhook", hd, rd); code != tc.want {
					t.Errorf("status %d, want %d (%.80q)", code, tc.want, answer)
				}
			})
		})
	}

	// Updates that are well-formed but none of ours: answered 200 (else
	// Telegram redelivers them), and nothing rings.
	other := map[string]any{"id": -2002, "type": "supergroup", "title": "elsewhere"}
	t.Run("ignored updates", func(t *testing.T) {
		noRing(t, h.sim, func() {
			bot := map[string]any{"id": 4242, "is_bot": true, "first_name": "spam", "username": "spam_bot"}
			fromBot, _ := tgSay(s, bot, tgE2EChat, "/call dialback @bob")
			otherBot, _ := tgSay(s, tgE2EAlice, tgE2EChat, "/call@OtherBot dialback @bob")
			edited, _ := tgSay(s, tgE2EAlice, tgE2EChat, "/call dialback @bob")
			edited["edited_message"] = edited["message"]
			delete(edited, "message")
			channel, _ := tgSay(s, tgE2EAlice, map[string]any{"id": -3003, "type": "channel", "title": "news"}, "/call dialback @bob")
			// Entities that point outside the text or into the middle of a
			// character: no command is found in them.
			outside, _ := tgSay(s, tgE2EAlice, tgE2EChat, "/call dialback @bob")
			outside["message"].(map[string]any)["entities"] = []map[string]any{{"type": "bot_command", "offset": 100, "length": 5},
				{"type": "bot_command", "offset": -3, "length": 5}, {"type": "bot_command", "offset": 0, "length": -5}}
			split, _ := tgSay(s, tgE2EAlice, tgE2EChat, "😀/call dialback @bob")
			split["message"].(map[string]any)["entities"] = []map[string]any{{"type": "bot_command", "offset": 1, "length": 5}}
			for _, u := range []map[string]any{fromBot, otherBot, edited, channel, outside, split} {
				h.silent = append(h.silent, u)
			}
			for _, u := range []map[string]any{{"update_id": 0}, fromBot, otherBot, edited, channel, outside, split,
				{"update_id": s.update + 1, "poll": map[string]any{"id": "1"}}} {
				h.tgUpdate(t, u)
			}
			s.update++
		})
	})
	t.Run("chat not allowed", func(t *testing.T) {
		noRing(t, h.sim, func() {
			u1, m1 := tgSay(s, tgE2EAlice, other, "/call dialback @bob")
			u2, _ := tgSay(s, tgE2EAlice, other, "/meet create x @bob")
			h.tgUpdate(t, u1)
			h.tgUpdate(t, u2)
			h.want.notes++ // one for the two commands
			note := h.tgReply(t, "the not-enabled note", m1)
			if !strings.Contains(note.Form["text"], "not enabled") || note.Form["chat_id"] != "-2002" {
				t.Errorf("note: %s", note)
			}
		})
	})
	t.Run("not a member", func(t *testing.T) {
		noRing(t, h.sim, func() {
			u, m := tgSay(s, tgMember(99, "Mallory", "mallory"), tgE2EChat, "/call dialback @bob")
			h.tgUpdate(t, u)
			if r := h.tgReply(t, "the refusal", m); !strings.Contains(r.Form["text"], "only take commands from members") {
				t.Errorf("refusal: %s", r)
			}
		})
	})
	t.Run("a click from outside", func(t *testing.T) {
		noRing(t, h.sim, func() {
			s.update++
			u := map[string]any{"update_id": s.update, "callback_query": map[string]any{
				"id": "cq-outside", "from": tgMember(99, "Mallory", "mallory"), "chat_instance": "-42", "data": "c:1:again",
				"message": map[string]any{"message_id": 1, "date": tgE2EDate, "chat": tgE2EChat, "text": "card"}}}
			h.tgUpdate(t, u)
			h.tgWait(t, "the click's answer", "answerCallbackQuery", func(c tgE2ECall) bool { return c.Form["callback_query_id"] == "cq-outside" })
		})
	})

	// A dial-back update delivered three times (twice with its id, once
	// under a new id with another text): one ring, one card.
	t.Run("replayed update", func(t *testing.T) {
		before, _ := reached(h.sim)
		sent := len(h.tg.Calls("sendMessage"))
		u, _ := tgSay(s, tgE2EAlice, tgE2EChat, "/call dialback @bob")
		h.tgUpdate(t, u)
		h.tgUpdate(t, u)
		u["message"].(map[string]any)["text"] = "/meet create twice @bob"
		h.tgUpdate(t, u)
		card := h.tgCard(t, "the dial-back card", sent)
		h.want.reached += 2 // with Call again below
		h.want.rang += 2
		if after, _ := reached(h.sim); after != before+1 {
			t.Errorf("a replayed update reached YTX %d times, want once", after-before)
		}
		// The card's Call again, clicked in one callback query delivered
		// under two update ids: one more ring.
		var again string
		for _, b := range card.buttons(t) {
			if strings.HasSuffix(b[1], ":again") {
				again = b[1]
			}
		}
		if again == "" {
			t.Fatalf("no Call again on %s", card.Form["reply_markup"])
		}
		click, cq := s.click(tgE2EAlice, card.MsgID, again)
		h.tgUpdate(t, click)
		click["update_id"] = s.update + 1
		s.update++
		h.tgUpdate(t, click)
		h.tgWait(t, "the click's answer", "answerCallbackQuery", func(c tgE2ECall) bool { return c.Form["callback_query_id"] == cq })
		e2eWaitUntil(t, "Call again to ring", func() bool { n, _ := reached(h.sim); return n > before+1 })
	})
}

// badInputPushes: POST /ytx/callback/{secret} with wrong secrets, bodies
// that are not JSON objects, and objects of no known shape.
func badInputPushes(t *testing.T, h *hostile) {
	ctx := context.Background()
	kept := func() int {
		ps, err := h.m.store.Pushes(ctx, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return len(ps)
	}
	sec := h.sec.callback
	push := `{"requestid":"x","dsc":"13800000001","state":"answer"}`
	cases := []struct {
		name, path, body string
		want             int
		keep             bool
	}{
		{"wrong secret", "/ytx/callback/wrong-secret-0123456789", push, 404, false},
		{"secret prefix", "/ytx/callback/" + sec[:len(sec)-1], push, 404, false},
		{"secret plus a character", "/ytx/callback/" + sec + "0", push, 404, false},
		{"secret in another case", "/ytx/callback/" + strings.ToUpper(sec), push, 404, false},
		{"no secret", "/ytx/callback/", push, 404, false},
		{"secret below", "/ytx/callback/" + sec + "/x", push, 404, false},
		{"wrong secret, oversized", "/ytx/callback/nope", `{"x":"` + strings.Repeat("a", maxPushBytes) + `"}`, 404, false},
		{"oversized", "/ytx/callback/" + sec, `{"x":"` + strings.Repeat("a", maxPushBytes) + `"}`, 413, false},
		{"not JSON", "/ytx/callback/" + sec, "requestid=1&state=answer", 400, false},
		{"truncated", "/ytx/callback/" + sec, push[:20], 400, false},
		{"empty", "/ytx/callback/" + sec, "", 400, false},
		{"an array", "/ytx/callback/" + sec, "[" + push + "]", 400, false},
		{"a string", "/ytx/callback/" + sec, `"` + strings.ReplaceAll(push, `"`, `\"`) + `"`, 400, false},
		{"null", "/ytx/callback/" + sec, "null", 400, false},
		{"no known keys", "/ytx/callback/" + sec, `{"foo":"bar","n":1}`, 200, true},
		{"empty object", "/ytx/callback/" + sec, `{}`, 200, true},
		{"state without requestid", "/ytx/callback/" + sec, `{"state":"answer","dsc":"13800000001"}`, 200, true},
		{"unmatched call state", "/ytx/callback/" + sec, `{"requestid":"nope","dsc":"13800000001","state":"answer"}`, 200, true},
		{"types all wrong", "/ytx/callback/" + sec, `{"requestid":123,"state":7,"dsc":true,"timestamp":{}}`, 200, true},
		{"cdr not a list", "/ytx/callback/" + sec, `{"cdr":"nope"}`, 200, true},
		{"cdr of garbage", "/ytx/callback/" + sec, `{"cdr":[1,"x",null,{"requestid":"nope","duration":"-5"}]}`, 200, true},
		{"unknown meeting", "/ytx/callback/" + sec, `{"meid":"99999","event":"weird","CustomParm":"<!channel>"}`, 200, true},
		{"deep nesting", "/ytx/callback/" + sec, `{"a":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`, 200, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			noRing(t, h.sim, func() {
				n := kept()
				code, answer := h.do(t, http.MethodPost, tc.path, http.Header{"Content-Type": {"application/json"}}, strings.NewReader(tc.body))
				if code != tc.want {
					t.Errorf("status %d, want %d (%.80q)", code, tc.want, answer)
				}
				if strings.Contains(answer, sec) {
					t.Errorf("the answer shows the secret: %q", answer)
				}
				if tc.keep {
					e2eWaitUntil(t, "the push kept", func() bool { return kept() == n+1 })
				} else if got := kept(); got != n {
					t.Errorf("%d push(es) kept, want none", got-n)
				}
			})
		})
	}
}

// badInputPushText: a push whose text is markup, for a real call, changes
// its card but brings none of its text along.
func badInputPushText(t *testing.T, h *hostile) {
	ctx := context.Background()
	cards := h.slackPosted()
	h.slackClient(t).command("/call", "dialback <@U0002|bob>", "U0001", "alice", "push-text")
	h.want.reached++
	h.want.rang++
	card := h.slackCard(t, "the call card", cards)
	id, _ := strconv.ParseInt(callNumber(card.Form.Get("text")), 10, 64)
	c, err := h.m.store.Call(ctx, id)
	if err != nil || c.RequestID == "" {
		t.Fatalf("call c%d: %+v %v", id, c, err)
	}
	for _, p := range []map[string]any{
		{"requestid": c.RequestID, "dsc": e2eAlice, "state": "answer", "stateDesc": "<!channel> <http://evil.example|x> &", "timestamp": ytx.Timestamp(time.Now())},
		{"requestid": c.RequestID, "dsc": "<@U0001>", "state": "<!here>", "stateDesc": "\u0000\u202e"},
		{"cdr": []any{map[string]any{"requestid": c.RequestID, "caller": e2eAlice, "called": e2eBob, "duration": "<!channel>", "stateDesc": "<b>x</b>|&", "tapesurl": "http://evil.example/<!channel>"}}},
	} {
		js, _ := json.Marshal(p)
		if code, answer := h.do(t, http.MethodPost, "/ytx/callback/"+h.sec.callback, http.Header{"Content-Type": {"application/json"}}, bytes.NewReader(js)); code != http.StatusOK {
			t.Fatalf("push %s: %d %q", js, code, answer)
		}
	}
	up := h.slack.waitFor(t, "the card's update", "/chat.update", func(r e2eSlackReq) bool { return r.Form.Get("ts") == card.TS })
	slackInert(t, "the updated card's text", up.Form.Get("text"))
	for _, s := range mrkdwnTexts(t, up.Form.Get("blocks")) {
		slackInert(t, "the updated card's blocks", s)
	}
}

// badInputForeignButtons: buttons are ids anyone can guess; a click that
// names another platform's call or meeting (a forged Telegram callback, a
// forged Slack action) is refused, and nothing rings.
func badInputForeignButtons(t *testing.T, h *hostile, s *tgE2EScript) {
	sc := h.slackClient(t)
	slackCards := h.slackPosted()
	sc.command("/call", "dialback <@U0002|bob>", "U0001", "alice", "foreign-call")
	sc.command("/meet", "create foreign <@U0002|bob>", "U0001", "alice", "foreign-meet")
	h.want.reached += 2
	h.want.rang += 2
	tgCards := len(h.tg.Calls("sendMessage"))
	u, _ := tgSay(s, tgE2EAlice, tgE2EChat, "/call dialback @bob")
	h.tgUpdate(t, u)
	h.want.reached++
	h.want.rang++
	var slackCall, slackMeet, tgCall string
	e2eWaitUntil(t, "the three cards", func() bool {
		for _, c := range h.slack.requests("/chat.postMessage")[slackCards:] {
			text := c.Form.Get("text")
			if n := callNumber(text); n != "" {
				slackCall = n
			}
			if m := regexp.MustCompile(`\[#(\d+)\] foreign`).FindStringSubmatch(text); m != nil {
				slackMeet = m[1]
			}
		}
		for _, c := range h.tg.Calls("sendMessage")[tgCards:] {
			if c.isCard() {
				for _, b := range c.buttons(t) {
					if m := regexp.MustCompile(`^c:(\d+):again$`).FindStringSubmatch(b[1]); m != nil {
						tgCall = m[1]
					}
				}
			}
		}
		return slackCall != "" && slackMeet != "" && tgCall != ""
	})
	noRing(t, h.sim, func() {
		// Ids that are no button's. (A padded id, c:02:again, reads as the
		// button c:2:again: the owner's own Call again, which may ring.)
		garbage := []string{"c:-1:again", "c:99999999999999999999:again", "x", "::::", "c:" + tgCall + ":again\x00",
			"C:" + tgCall + ":AGAIN", "c:" + tgCall + ":again:x"}
		for _, data := range append([]string{"c:" + slackCall + ":again", "c:" + slackCall + ":check", "c:" + slackCall + ":refresh",
			"m:" + slackMeet + ":end", "m:" + slackMeet + ":hangup:1", "m:" + slackMeet + ":refresh", "m:" + slackMeet + ":confirm"}, garbage...) {
			u, cq := s.click(tgE2EAlice, 1, data)
			h.tgUpdate(t, u)
			a := h.tgWait(t, "the answer to "+data, "answerCallbackQuery", func(c tgE2ECall) bool { return c.Form["callback_query_id"] == cq })
			if !strings.Contains(a.Form["text"], "no longer applies") {
				t.Errorf("Telegram click %q: %q", data, a.Form["text"])
			}
		}
		for i, action := range []string{"c:" + tgCall + ":again", "c:" + tgCall + ":check",
			"m:" + slackMeet + ":hangup:999", "m:" + slackMeet + ":hangup:-1", "m:" + slackMeet + ":hangup:x",
			"c:" + slackCall + ":again\x00", "c:99999999999999999999:again", "::::"} {
			trigger := fmt.Sprintf("foreign-click-%d", i)
			p := e2eClickPayload("U0001", "alice", "1700000000.000001", "card_actions", action, action, h.slack.URL()+"response/"+trigger)
			if code, answer := sc.signedPost("/slack/interactions", p, e2eSigningSecret); code != http.StatusOK || len(answer) != 0 {
				t.Errorf("Slack click %s: %d %q", action, code, answer)
			}
			r := h.slack.waitFor(t, "the answer to "+action, "/response/"+trigger, nil)
			if m := e2eDecodePrivate(t, "click answer", r.Body); !strings.Contains(m.Text, "no longer applies") {
				t.Errorf("Slack click %q: %q", action, m.Text)
			}
		}
	})
}

// badInputMethods: the public and admin listeners with methods and paths
// nobody serves, and a connection that does not speak HTTP.
func badInputMethods(t *testing.T, h *hostile) {
	for _, tc := range []struct {
		base, method, path string
		want               int
	}{
		{h.public, http.MethodPost, "/healthz", 405},
		{h.public, http.MethodPut, "/healthz", 405},
		{h.public, http.MethodDelete, "/readyz", 405},
		{h.public, http.MethodPost, "/readyz", 405},
		{h.public, http.MethodGet, "/slack/commands", 405},
		{h.public, http.MethodGet, "/slack/interactions", 405},
		{h.public, http.MethodGet, "/telegram/webhook", 405},
		{h.public, http.MethodPut, "/ytx/callback/" + h.sec.callback, 405},
		{h.public, http.MethodGet, "/healthz/x", 404},
		{h.public, http.MethodGet, "/metrics", 404},
		{h.public, http.MethodGet, "/../../etc/passwd", 404},
		{h.admin, http.MethodPost, "/metrics", 405},
		{h.admin, http.MethodPost, "/healthz", 405},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, tc.base+tc.path, strings.NewReader("x=1"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := h.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
			}
		})
	}
	t.Run("not HTTP", func(t *testing.T) {
		for _, addr := range []string{h.m.Addr("public").String(), h.m.Addr("admin").String()} {
			if status := rawExchange(t, "tcp", addr, "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03 garbage\r\n\r\n"); !strings.HasPrefix(status, "HTTP/1.1 400") {
				t.Errorf("%s: garbage answered %q, want a 400", addr, status)
			}
		}
	})
}

// rawExchange writes garbage to a listener and returns the first line of
// what it answers ("" when it closes without a word).
func rawExchange(t *testing.T, network, addr, garbage string) string {
	t.Helper()
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, garbage); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(io.LimitReader(c, 4096))
	line, _, _ := strings.Cut(string(b), "\r\n")
	return line
}

// badInputAdminSocket: the admin socket with garbage.
func badInputAdminSocket(t *testing.T, h *hostile) {
	sock := socketPath(h.cfg.Storage.Path)
	hc := socketClient(sock)
	defer hc.CloseIdleConnections()
	noRing(t, h.sim, func() {
		if status := rawExchange(t, "unix", sock, "\x00\x01\x02 not http\r\n\r\n"); !strings.HasPrefix(status, "HTTP/1.1 400") {
			t.Errorf("garbage on the socket answered %q, want a 400", status)
		}
		for _, tc := range []struct {
			method, path, body string
			want               int
		}{
			{http.MethodPost, "/v1/handle", "not json", 400},
			{http.MethodPost, "/v1/handle", `{}`, 400},
			{http.MethodPost, "/v1/handle", `{"user":"me","text":""}`, 400},
			{http.MethodPost, "/v1/handle", `{"user":"me","text":"` + strings.Repeat("x", 70<<10) + `"}`, 400},
			{http.MethodPost, "/v1/handle", `{"user":"me","text":"/call dialback 13900000002 \u0000\u001b[2J"}`, 200},
			{http.MethodPost, "/v1/handle", `{"user":"me","text":"/meet create \u202e\u200b @alice"}`, 200},
			{http.MethodPost, "/v1/phones", "not json", 400},
			{http.MethodPost, "/v1/phones", `{"users":"nope"}`, 400},
			{http.MethodPost, "/v1/phones", `{"users":[null]}`, 400},
			{http.MethodPost, "/v1/phones", `{"users":[{"identity":"slack:T0001:U0777","phone":"<!channel>"}]}`, 400},
			{http.MethodPost, "/v1/phones", `{"users":[{"identity":"not an identity","phone":"13700000009"}]}`, 400},
			{http.MethodPost, "/v1/phones", `{"users":[{"identity":"slack:T0001:U0777","phone":"13700000009\u0000"}]}`, 400},
			{http.MethodPost, "/v1/phones", `{"users":[{"identity":"slack:T0001:U0777"}]}`, 400},
			{http.MethodGet, "/v1/audit?since=yesterday", "", 400},
			{http.MethodGet, "/v1/audit", "", 400},
			{http.MethodGet, "/v1/nothing", "", 404},
			{http.MethodDelete, "/v1/phones", "", 405},
		} {
			req, _ := http.NewRequest(tc.method, "http://ytxbot"+tc.path, strings.NewReader(tc.body))
			resp, err := hc.Do(req)
			if err != nil {
				t.Errorf("%s %s: %v", tc.method, tc.path, err)
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("%s %s %.40q: %d %q, want %d", tc.method, tc.path, tc.body, resp.StatusCode, b, tc.want)
			}
		}
	})
	if dialAdmin(sock) == nil {
		t.Error("the admin socket no longer answers after the garbage")
	}
	// Nothing of it was stored: the export still reads back.
	if us, err := (&remoteStore{hc: hc}).Users(context.Background()); err != nil {
		t.Errorf("phone export over the socket after the garbage: %v", err)
	} else {
		for _, u := range us {
			if u.Identity == "slack:T0001:U0777" || u.Identity == "not an identity" {
				t.Errorf("garbage stored: %+v", u)
			}
		}
	}
	// A good row still imports, normalised.
	req, _ := http.NewRequest(http.MethodPost, "http://ytxbot/v1/phones", strings.NewReader(`{"users":[{"identity":"slack:T0001:U0778","phone":"+86 137-0000-0008"}]}`))
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if u, err := h.m.store.User(context.Background(), "slack:T0001:U0778"); resp.StatusCode != http.StatusOK || err != nil || u.Phone != "13700000008" {
		t.Errorf("a good import: %d, stored %+v %v", resp.StatusCode, u, err)
	}
}

// mrkdwnTexts returns the mrkdwn texts of a message's blocks (section,
// context), where Slack would parse markup.
func mrkdwnTexts(t *testing.T, blocks string) []string {
	t.Helper()
	var bs any
	if err := json.Unmarshal([]byte(blocks), &bs); err != nil {
		t.Fatalf("blocks are not JSON: %v\n%s", err, blocks)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "mrkdwn" {
				s, _ := x["text"].(string)
				out = append(out, s)
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(bs)
	return out
}

// slackInert checks that Slack text where markup is parsed (mrkdwn blocks,
// the top-level text) carries no markup that came from people: no < or >
// at all (mentions, broadcasts and links all start with <), no bare &
// outside the three escapes, no control characters.
func slackInert(t *testing.T, what, s string) {
	t.Helper()
	if strings.ContainsAny(s, "<>") {
		t.Errorf("%s has live Slack markup: %q", what, s)
	}
	if rest := regexp.MustCompile(`&(amp|lt|gt);`).ReplaceAllString(s, ""); strings.Contains(rest, "&") {
		t.Errorf("%s has an unescaped &: %q", what, s)
	}
	if controlRE.MatchString(s) {
		t.Errorf("%s has control characters: %q", what, s)
	}
}

// noFakeRow checks that a title with line breaks stays on the card's first
// line: it cannot pose as a participant row ("• Eve … — joined").
func noFakeRow(t *testing.T, what, text string) {
	t.Helper()
	if _, rest, _ := strings.Cut(text, "\n"); strings.Contains(rest, "Eve") {
		t.Errorf("%s: a title spread over several lines: %q", what, text)
	}
}

// tgTagRE finds HTML tags in a Telegram message.
var tgTagRE = regexp.MustCompile(`<[^>]*>`)

// tgInert checks a Telegram card (HTML parse mode): the only tags are the
// card's own <b> and <i>, every & starts an entity, no control characters.
func tgInert(t *testing.T, what string, c tgE2ECall) {
	t.Helper()
	text := c.Form["text"]
	if c.Form["parse_mode"] != "HTML" {
		t.Errorf("%s: parse_mode %q", what, c.Form["parse_mode"])
	}
	for _, tag := range tgTagRE.FindAllString(text, -1) {
		switch tag {
		case "<b>", "</b>", "<i>", "</i>":
		default:
			t.Errorf("%s carries the tag %q from user input: %q", what, tag, text)
		}
	}
	if rest := regexp.MustCompile(`&(amp|lt|gt|quot|#39|#34);`).ReplaceAllString(text, ""); strings.Contains(rest, "&") {
		t.Errorf("%s has an unescaped &: %q", what, text)
	}
	if controlRE.MatchString(text) {
		t.Errorf("%s has control characters: %q", what, text)
	}
}

// badInputSlackText: hostile command text through Slack. Every case either
// is refused privately (nothing reaches YTX) or books a meeting (which rings
// nobody now) whose card must show the text inert.
func badInputSlackText(t *testing.T, h *hostile) {
	booked := " --at tomorrow 10:00"
	for i, tc := range []struct {
		name, cmd, text string
		card            bool   // a booking: its card is checked
		want            string // in the private answer
	}{
		{"NUL and controls in a mention", "/call", "dialback <@U0002|bob>\x00\x07", false, "control characters"},
		{"NUL and controls in a title", "/meet", "create stand\x00up\x1b[2J\x07 <@U0002|bob>" + booked, false, "control characters"},
		{"C1 control in a title", "/meet", "create stand\u0085up <@U0002|bob>" + booked, false, "control characters"},
		{"RTL override in a title", "/meet", "create \u202etxt.exe <@U0002|bob>" + booked, false, "control characters"},
		{"zero-width in a title", "/meet", "create stand\u200bup\ufeff <@U0002|bob>" + booked, true, "booked"},
		{"zero-width in a mention", "/call", "dialback <@U00\u200b02|bob>", false, "not a valid mention"},
		{"zero-width in a number", "/call", "dialback 139\u200b0000\u200b0002", false, "did not understand"},
		{"broadcast as a party", "/meet", "create standup <!channel> <@U0002|bob>", false, "cannot be rung"},
		{"broadcast with a label as a party", "/call", "dialback <!here|here>", false, "cannot be rung"},
		{"markup in a title, as Slack escapes it", "/meet", "create &lt;!channel&gt; &lt;!here|here&gt; &lt;@U0003&gt; " +
			"*bold* _it_ ~st~ `code` <http://evil.example|click> <mailto:x@evil.example> &amp;amp; &lt;#C0001&gt; <@U0002|bob>" + booked, true, "booked"},
		{"markup in a quoted title", "/meet", `create "<!channel> <@U0003> <http://evil.example|x> & <b>" <@U0002|bob>` + booked, true, "booked"},
		{"markup in a mention label", "/meet", "create label <@U0002|&lt;!everyone&gt;*x*&lt;http://evil.example&gt;&amp;>" + booked, true, "booked"},
		{"mention label with a raw broadcast", "/call", "dialback <@U0002|<!channel>>", false, "not a valid mention"},
		{"50 KB title", "/meet", "create " + strings.Repeat("a", 50<<10) + " <@U0002|bob>" + booked, false, "too long"},
		{"line breaks in a title", "/meet", "create x\n\u2028• Eve 138****0009 — joined\n <@U0002|bob>" + booked, true, "booked"},
		{"a carriage return in a title", "/meet", "create x\r• Eve 138****0009 — joined <@U0002|bob>" + booked, false, "control characters"},
		{"a flag full of markup", "/call", "dialback <@U0002|bob> --max <!channel>", false, "duration"},
		{"unknown subcommand with markup", "/meet", "<!channel> <http://evil.example|x>", false, "no subcommand"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := h.slackClient(t)
			before, rangBefore := reached(h.sim)
			cards := h.slackPosted()
			rep := sc.command(tc.cmd, tc.text, "U0001", "alice", fmt.Sprintf("hostile-%d", i))
			t.Logf("answer: %.300q", rep.Text)
			if !strings.Contains(rep.Text, tc.want) {
				t.Errorf("answer %.300q, want it to say %q", rep.Text, tc.want)
			}
			slackInert(t, "the answer", rep.Text)
			if rep.Blocks != nil {
				for _, s := range mrkdwnTexts(t, string(rep.Blocks)) {
					slackInert(t, "the answer's blocks", s)
				}
			}
			all, rang := reached(h.sim)
			if rang != rangBefore {
				t.Errorf("%d phone(s) rang", rang-rangBefore)
			}
			if !tc.card {
				if all != before {
					t.Errorf("%d request(s) reached YTX, want none", all-before)
				}
				if n := h.slackPosted(); n != cards {
					t.Errorf("%d card(s) posted, want none", n-cards)
				}
				return
			}
			h.want.reached++
			if all != before+1 {
				t.Fatalf("%d createMeeting(s) reached YTX, want the booking", all-before)
			}
			card := h.slackCard(t, "the booking's card", cards)
			t.Logf("card text: %.300q", card.Form.Get("text"))
			slackInert(t, "the card's text", card.Form.Get("text"))
			for _, s := range mrkdwnTexts(t, card.Form.Get("blocks")) {
				slackInert(t, "the card's blocks", s)
			}
			if controlRE.MatchString(card.Form.Get("blocks")) {
				t.Errorf("the card's blocks carry control characters: %q", card.Form.Get("blocks"))
			}
			noFakeRow(t, "the card's text", card.Form.Get("text"))
		})
	}
}

// badInputSlackName: a person whose Slack display name is markup (users.info
// says so) is shown inert on the card of a meeting they are part of.
func badInputSlackName(t *testing.T, h *hostile) {
	sc := h.slackClient(t)
	hostileName := "<!channel> *x* <http://evil.example|y> &amp <@U0001>"
	h.sfront.fail("/users.info", 1, answerJSON(http.StatusOK, map[string]any{"ok": true, "user": map[string]any{
		"id": "U0666", "name": "eve", "deleted": false, "locale": "en-US",
		"profile": map[string]any{"display_name": hostileName, "real_name": hostileName}}}))
	noRing(t, h.sim, func() {
		if rep := sc.command("/phone", "set 13700000006", "U0666", hostileName, "name-1"); !strings.Contains(rep.Text, "Saved") {
			t.Fatalf("eve's /phone set: %q", rep.Text)
		}
	})
	if n := h.sfront.pending("/users.info"); n != 0 {
		t.Fatalf("users.info was not asked about eve")
	}
	cards := h.slackPosted()
	rep := sc.command("/meet", "create names <@U0666> <@U0002|bob> --at tomorrow 10:00", "U0001", "alice", "name-2")
	h.want.reached++
	if !strings.Contains(rep.Text, "booked") {
		t.Fatalf("booking: %q", rep.Text)
	}
	card := h.slackCard(t, "the booking's card", cards)
	slackInert(t, "the card's text", card.Form.Get("text"))
	texts := mrkdwnTexts(t, card.Form.Get("blocks"))
	for _, s := range texts {
		slackInert(t, "the card's blocks", s)
	}
	if !strings.Contains(strings.Join(texts, "\n"), "&lt;!channel&gt;") {
		t.Errorf("the card does not show eve's name, escaped: %q", texts)
	}
}

// badInputTelegramText: hostile command text and names through Telegram.
// Cards are HTML: what people typed must arrive escaped; answers are plain
// text (no parse mode), where markup is inert anyway.
func badInputTelegramText(t *testing.T, h *hostile, s *tgE2EScript) {
	carol := tgMember(3, `<b>Carol</b> <a href="tg://user?id=1">x</a> &amp; *y* _z_`, "")
	u, msg := tgSay(s, carol, tgE2EChat, "/phone set 13700000003")
	h.tgUpdate(t, u)
	if r := h.tgReply(t, "carol's /phone set", msg); !strings.Contains(r.Form["text"], "Saved") {
		t.Fatalf("carol's /phone set: %s", r)
	}
	booked := " --at tomorrow 10:00"
	for _, tc := range []struct {
		name string
		from map[string]any
		text string
		card bool
		want string // in the answer (when no card)
	}{
		{"HTML in a title", tgE2EAlice, `/meet create @bob <b>bold</b> <a href="http://evil.example">x</a> &amp; <i>` + booked, true, ""},
		{"Markdown in a title", tgE2EAlice, "/meet create @bob *bold* _it_ [x](http://evil.example) `code` ~s~ ||sp||" + booked, true, ""},
		{"a name full of HTML", carol, "/meet create names @bob" + booked, true, ""},
		{"HTML where a party goes", tgE2EAlice, `/call dialback <a href="tg://user?id=2">@bob</a>`, false, "not"},
		{"line breaks in a title", tgE2EAlice, "/meet create @bob x\n• Eve 138****0009 — joined\n\u2028more" + booked, true, ""},
		{"a carriage return in a title", tgE2EAlice, "/meet create @bob x\r• Eve 138****0009 — joined" + booked, false, "control characters"},
		{"NUL and controls", tgE2EAlice, "/meet create a\x00b\x1b[2J @bob" + booked, false, "control characters"},
		{"RTL override", tgE2EAlice, "/meet create \u202etxt.exe @bob" + booked, false, "control characters"},
		{"zero-width in a username", tgE2EAlice, "/call dialback @b\u200bob", false, "not"},
		{"100 KB text", tgE2EAlice, "/meet create @bob " + strings.Repeat("<b>&", 25<<10) + booked, false, "too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, rangBefore := reached(h.sim)
			sent := len(h.tg.Calls("sendMessage"))
			u, msg := tgSay(s, tc.from, tgE2EChat, tc.text)
			h.tgUpdate(t, u)
			if !tc.card {
				r := h.tgReply(t, "the answer", msg)
				t.Logf("answer: %.300q", r.Form["text"])
				if !strings.Contains(r.Form["text"], tc.want) || r.Form["parse_mode"] != "" {
					t.Errorf("answer %s (parse mode %q), want a plain-text answer saying %q", r, r.Form["parse_mode"], tc.want)
				}
				if all, _ := reached(h.sim); all != before {
					t.Errorf("%d request(s) reached YTX, want none", all-before)
				}
				return
			}
			h.want.reached++
			card := h.tgCard(t, "the booking's card", sent)
			t.Logf("card: %.400q", card.Form["text"])
			tgInert(t, "the card", card)
			noFakeRow(t, "the card", card.Form["text"])
			if all, rang := reached(h.sim); all != before+1 || rang != rangBefore {
				t.Errorf("%d request(s) reached YTX, %d rang; want the booking alone", all-before, rang-rangBefore)
			}
		})
	}
}

// ytxGarbage is a malformed YTX answer and what the person must be told.
type ytxGarbage struct {
	name   string
	answer http.HandlerFunc
	want   string // in the answer
	card   string // in the call card's text, "" = no card
}

// ytxGarbageCases are answers YTX (or a proxy before it) might give that
// the client cannot read. Where the request may have reached YTX, the
// outcome is unknown: the person is told so and nothing is resent.
func ytxGarbageCases() []ytxGarbage {
	const unknown = "can't tell whether the phones are ringing"
	return []ytxGarbage{
		{"not JSON", answerRaw(200, "text/plain", "OK"), unknown, "outcome unknown"},
		{"empty 200", answerRaw(200, "application/json", ""), unknown, "outcome unknown"},
		{"truncated JSON", answerRaw(200, "application/json", `{"statusCode":"0","statusMsg":{"meid":"1`), unknown, "outcome unknown"},
		{"HTML 502", answerRaw(502, "text/html", "<html><body><h1>502 Bad Gateway</h1><!channel></body></html>"), unknown, "outcome unknown"},
		{"HTML 200", answerRaw(200, "text/html", "<html><body>Login to the captive portal</body></html>"), unknown, "outcome unknown"},
		{"huge body", answerRaw(200, "application/json", `{"statusCode":"0","pad":"`+strings.Repeat("x", 2<<20)+`"}`), unknown, "outcome unknown"},
		{"statusCode an object", answerJSON(200, map[string]any{"statusCode": map[string]any{"code": "0"}, "statusMsg": "x"}), unknown, "outcome unknown"},
		{"statusCode null", answerRaw(200, "application/json", `{"statusCode":null,"statusMsg":"x"}`), unknown, "outcome unknown"},
		{"statusCode a list", answerRaw(200, "application/json", `{"statusCode":["0"]}`), unknown, "outcome unknown"},
		{"connection dropped", hangUp, unknown, "outcome unknown"},
		{"HTML 404", answerRaw(404, "text/html", "<html>Not Found</html>"), "couldn't reach YTX. Nothing was rung", ""},
		{"statusCode -104 as a number", answerRaw(200, "application/json", `{"statusCode":-104,"statusMsg":"请求频率过高"}`), "rate limiting, try again in a minute", ""},
		{"an unknown code with markup", answerJSON(200, map[string]any{"statusCode": "-999", "statusMsg": "<!channel> <b>x</b> &"}), "YTX refused the request (code -999", ""},
	}
}

// badInputYTX: malformed YTX answers to ringing actions, through Slack and
// Telegram. The front answers in the simulator's place, so no phone rings;
// each request is sent exactly once.
func badInputYTX(t *testing.T, h *hostile, s *tgE2EScript) {
	for i, tc := range ytxGarbageCases() {
		t.Run("dialback/"+tc.name, func(t *testing.T) {
			sc := h.slackClient(t)
			sent := h.ytx.count(ytx.ActionDialBack)
			cards := h.slackPosted()
			h.ytx.fail(ytx.ActionDialBack, 1, tc.answer)
			noRing(t, h.sim, func() {
				rep := sc.command("/call", "dialback <@U0002|bob>", "U0001", "alice", fmt.Sprintf("garbage-%d", i))
				t.Logf("answer: %.300q", rep.Text)
				if !strings.Contains(rep.Text, tc.want) {
					t.Errorf("answer %.300q, want it to say %q", rep.Text, tc.want)
				}
				slackInert(t, "the answer", rep.Text)
			})
			if n := h.ytx.count(ytx.ActionDialBack) - sent; n != 1 {
				t.Errorf("callDailBack sent %d times, want once (a ringing action is never resent)", n)
			}
			if tc.card == "" {
				if n := h.slackPosted(); n != cards {
					t.Errorf("%d card(s) posted for a refused call", n-cards)
				}
				return
			}
			card := h.slackCard(t, "the call card", cards)
			if text := card.Form.Get("text"); !strings.Contains(text, tc.card) {
				t.Errorf("call card %q, want it to say %q", text, tc.card)
			}
			if !e2eHasAction(e2eButtons(t, card.Form.Get("blocks")), "c:"+callNumber(card.Form.Get("text"))+":check") {
				t.Errorf("call card has no Check again: %s", card.Form.Get("blocks"))
			}
		})
	}
	// A meeting and an invite, whose answers are lost the same way; and a
	// meeting YTX says it created without saying which room.
	truncated := answerRaw(200, "application/json", `{"statusCode":"0","statusMsg":{"meid":`)
	for _, tc := range []struct {
		name, action, cmd, text string
		answer                  http.HandlerFunc
	}{
		{"create/truncated JSON", ytx.ActionCreateMeeting, "/meet", "create lost <@U0002|bob>", truncated},
		{"create/success without a room", ytx.ActionCreateMeeting, "/meet", "create roomless <@U0002|bob> --confirm",
			answerJSON(200, map[string]any{"statusCode": "0", "statusMsg": "提交成功"})},
		{"invite/truncated JSON", ytx.ActionInvite, "/meet", "invite 13700000005", truncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.action == ytx.ActionInvite {
				// A meeting to invite into, created for real.
				if rep := h.slackClient(t).command("/meet", "create real <@U0002|bob>", "U0001", "alice", "garbage-real"); strings.Contains(rep.Text, "can't") {
					t.Fatalf("meeting: %q", rep.Text)
				}
				h.want.reached++
				h.want.rang++
			}
			sent := h.ytx.count(tc.action)
			h.ytx.fail(tc.action, 1, tc.answer)
			noRing(t, h.sim, func() {
				rep := h.slackClient(t).command(tc.cmd, tc.text, "U0001", "alice", "garbage-"+strings.ReplaceAll(tc.name, " ", "-"))
				if !strings.Contains(rep.Text, "can't tell whether the phones are ringing") {
					t.Errorf("answer %.300q, want outcome unknown", rep.Text)
				}
			})
			if n := h.ytx.count(tc.action) - sent; n != 1 {
				t.Errorf("%s sent %d times, want once", tc.action, n)
			}
		})
	}
	t.Run("telegram/HTML 502", func(t *testing.T) {
		sent := h.ytx.count(ytx.ActionDialBack)
		h.ytx.fail(ytx.ActionDialBack, 1, answerRaw(502, "text/html", "<html>502</html>"))
		noRing(t, h.sim, func() {
			u, msg := tgSay(s, tgE2EAlice, tgE2EChat, "/call dialback @bob")
			h.tgUpdate(t, u)
			r := h.tgReply(t, "the answer", msg)
			if !strings.Contains(r.Form["text"], "can't tell whether the phones are ringing") {
				t.Errorf("answer %s, want outcome unknown", r)
			}
		})
		if n := h.ytx.count(ytx.ActionDialBack) - sent; n != 1 {
			t.Errorf("callDailBack sent %d times, want once", n)
		}
	})
}

// callNumber is 12 of a call card's text "[c12] …".
func callNumber(text string) string {
	m := regexp.MustCompile(`\[c(\d+)\]`).FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return m[1]
}
