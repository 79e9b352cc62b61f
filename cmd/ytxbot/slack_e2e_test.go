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

	"github.com/ytxbot/ytxbot/ytx"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

// The Slack side of the end-to-end test: a fake Slack Web API (and
// response_url endpoint) that records every request, and a client that
// signs slash commands and interactions like Slack does.

const (
	e2eTeam          = "T0001"
	e2eSigningSecret = "e2e-signing-secret-8f742231b10e8888"
	e2eBotToken      = "xoxb-e2e-bot-token-0001"
	e2ePushSecret    = "e2e-push-secret-0123456789"
	e2eChannel       = "C0001"
	e2eAlice         = "13800000001"
	e2eBob           = "13900000002"
)

// e2eSlackReq is one request the fake Slack received.
type e2eSlackReq struct {
	Path string
	Form url.Values // form-encoded Web API calls: the token is a form field
	Body []byte     // JSON calls (views.open) and response_url deliveries
	Auth string     // Authorization header
	TS   string     // chat.postMessage: the ts the fake answered with
}

// e2eFakeSlack is an in-process Slack Web API. auth.test is held until
// releaseAuth is called, so the test can see serve not ready before it.
type e2eFakeSlack struct {
	srv         *httptest.Server
	authGate    chan struct{} // closed by releaseAuth
	release     sync.Once
	authArrived chan struct{} // closed when the first auth.test comes in
	arrived     sync.Once

	mu      sync.Mutex
	reqs    []e2eSlackReq
	seq     int
	changed chan struct{} // signalled (non-blocking) after every request
}

func newE2EFakeSlack(t *testing.T) *e2eFakeSlack {
	t.Helper()
	f := &e2eFakeSlack{authGate: make(chan struct{}), authArrived: make(chan struct{}), changed: make(chan struct{}, 1)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	t.Cleanup(f.releaseAuth) // runs first: Close waits for the held auth.test
	return f
}

func (f *e2eFakeSlack) URL() string { return f.srv.URL + "/" }

func (f *e2eFakeSlack) releaseAuth() { f.release.Do(func() { close(f.authGate) }) }

func (f *e2eFakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	c := e2eSlackReq{Path: r.URL.Path, Auth: r.Header.Get("Authorization")}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		_ = r.ParseForm()
		c.Form = r.PostForm
	} else {
		c.Body, _ = io.ReadAll(r.Body)
	}
	if c.Path == "/auth.test" {
		f.arrived.Do(func() { close(f.authArrived) })
		select {
		case <-f.authGate:
		case <-r.Context().Done():
			return
		}
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, c)
	var answer any
	switch {
	case c.Path == "/auth.test":
		answer = map[string]any{"ok": true, "url": "https://acme.slack.com/", "team": "Acme", "user": "ytxbot",
			"team_id": e2eTeam, "user_id": "UBOT", "bot_id": "BBOT"}
	case c.Path == "/users.info":
		id := c.Form.Get("user")
		name := map[string]string{"U0001": "alice", "U0002": "bob"}[id]
		if name == "" {
			name = strings.ToLower(id)
		}
		answer = map[string]any{"ok": true, "user": map[string]any{"id": id, "name": name, "deleted": false,
			"locale": "en-US", "profile": map[string]any{"display_name": name}}}
	case c.Path == "/chat.postMessage":
		f.seq++
		f.reqs[len(f.reqs)-1].TS = fmt.Sprintf("1700000000.%06d", f.seq)
		answer = map[string]any{"ok": true, "channel": c.Form.Get("channel"), "ts": f.reqs[len(f.reqs)-1].TS}
	case c.Path == "/chat.update":
		answer = map[string]any{"ok": true, "channel": c.Form.Get("channel"), "ts": c.Form.Get("ts"), "text": ""}
	case c.Path == "/chat.postEphemeral":
		answer = map[string]any{"ok": true, "message_ts": "1700000000.999999"}
	case c.Path == "/views.open":
		answer = map[string]any{"ok": true, "view": map[string]any{"id": "V0001"}}
	case strings.HasPrefix(c.Path, "/response/"):
		f.mu.Unlock()
		f.signal()
		_, _ = io.WriteString(w, "ok")
		return
	default:
		answer = map[string]any{"ok": false, "error": "unknown_method"}
	}
	f.mu.Unlock()
	f.signal()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(answer)
}

func (f *e2eFakeSlack) signal() {
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

// requests returns the requests to path ("" = all).
func (f *e2eFakeSlack) requests(path string) []e2eSlackReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []e2eSlackReq
	for _, c := range f.reqs {
		if path == "" || c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

// waitFor waits until some request to path satisfies match, and returns it.
func (f *e2eFakeSlack) waitFor(t *testing.T, what, path string, match func(e2eSlackReq) bool) e2eSlackReq {
	t.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for {
		for _, c := range f.requests(path) {
			if match == nil || match(c) {
				return c
			}
		}
		select {
		case <-f.changed:
		case <-deadline.C:
			t.Fatalf("fake Slack: timed out waiting for %s (%s); got %d requests to it", what, path, len(f.requests(path)))
		}
	}
}

// e2eLog collects serve's logs from its goroutines.
type e2eLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *e2eLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *e2eLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// e2eSlackClient plays Slack towards serve's public listener.
type e2eSlackClient struct {
	t      *testing.T
	public string // http://host:port
	fake   *e2eFakeSlack
	http   *http.Client
}

// signedPost POSTs a form body signed with key, like Slack does.
func (c *e2eSlackClient) signedPost(path, body, key string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.public+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(key))
	io.WriteString(mac, "v0:"+ts+":"+body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("POST %s: reading the answer: %v", path, err)
	}
	return resp.StatusCode, b
}

// slashForm is a slash command as Slack posts it.
func (c *e2eSlackClient) slashForm(command, text, user, name, trigger string) string {
	return url.Values{
		"token": {"legacy-verification-token"}, "team_id": {e2eTeam}, "team_domain": {"acme"},
		"channel_id": {e2eChannel}, "channel_name": {"general"}, "user_id": {user}, "user_name": {name},
		"command": {command}, "text": {text}, "api_app_id": {"A0001"}, "is_enterprise_install": {"false"},
		"response_url": {c.fake.srv.URL + "/response/" + trigger}, "trigger_id": {trigger},
	}.Encode()
}

// e2ePrivateMessage is a reply meant for one person.
type e2ePrivateMessage struct {
	ResponseType string          `json:"response_type"`
	Text         string          `json:"text"`
	Blocks       json.RawMessage `json:"blocks"`
}

// e2eDecodePrivate checks that a reply is private and decodes it.
func e2eDecodePrivate(t *testing.T, what string, body []byte) e2ePrivateMessage {
	t.Helper()
	if bytes.Contains(body, []byte("in_channel")) {
		t.Fatalf("%s: reply mentions in_channel: %s", what, body)
	}
	var m e2ePrivateMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: reply is not JSON: %q: %v", what, body, err)
	}
	if m.ResponseType != "ephemeral" {
		t.Fatalf("%s: response_type %q, want ephemeral: %s", what, m.ResponseType, body)
	}
	return m
}

// command sends a signed slash command and returns the person's reply: the
// HTTP answer, or, when serve acknowledged first ("Working on it…"), what
// it delivered later through response_url. Both must be private.
func (c *e2eSlackClient) command(command, text, user, name, trigger string) e2ePrivateMessage {
	c.t.Helper()
	code, body := c.signedPost("/slack/commands", c.slashForm(command, text, user, name, trigger), e2eSigningSecret)
	if code != http.StatusOK {
		c.t.Fatalf("%s %s: status %d, body %q", command, text, code, body)
	}
	m := e2eDecodePrivate(c.t, command+" "+text, body)
	if m.Text != "Working on it…" {
		return m
	}
	late := c.fake.waitFor(c.t, "the late reply to "+trigger, "/response/"+trigger, nil)
	return e2eDecodePrivate(c.t, command+" "+text+" (late)", late.Body)
}

// e2eClickPayload is a block_actions payload for a button of a card in the
// channel, as Slack sends it.
func e2eClickPayload(user, name, ts, blockID, actionID, value, responseURL string) string {
	p := map[string]any{
		"type":         "block_actions",
		"team":         map[string]any{"id": e2eTeam, "domain": "acme"},
		"user":         map[string]any{"id": user, "name": name, "team_id": e2eTeam},
		"api_app_id":   "A0001",
		"token":        "legacy-verification-token",
		"trigger_id":   "trig-click-" + actionID,
		"channel":      map[string]any{"id": e2eChannel, "name": "general"},
		"container":    map[string]any{"type": "message", "message_ts": ts, "channel_id": e2eChannel, "is_ephemeral": false},
		"message":      map[string]any{"ts": ts, "type": "message"},
		"response_url": responseURL,
		"actions": []any{map[string]any{"type": "button", "action_id": actionID, "block_id": blockID, "value": value,
			"action_ts": "1700000100.000200", "text": map[string]any{"type": "plain_text", "text": "End meeting"}}},
	}
	js, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	return url.Values{"payload": {string(js)}}.Encode()
}

// e2eButton is a button found in a card's blocks.
type e2eButton struct {
	BlockID, ActionID, Value, Label string
}

// e2eButtons lists the e2eButtons of a posted message's blocks (a JSON array).
func e2eButtons(t *testing.T, blocks string) []e2eButton {
	t.Helper()
	var bs []any
	if err := json.Unmarshal([]byte(blocks), &bs); err != nil {
		t.Fatalf("blocks are not a JSON array: %v\n%s", err, blocks)
	}
	var out []e2eButton
	var walk func(v any, blockID string)
	walk = func(v any, blockID string) {
		switch x := v.(type) {
		case map[string]any:
			if id, ok := x["block_id"].(string); ok {
				blockID = id
			}
			if x["type"] == "button" {
				b := e2eButton{BlockID: blockID}
				b.ActionID, _ = x["action_id"].(string)
				b.Value, _ = x["value"].(string)
				if txt, ok := x["text"].(map[string]any); ok {
					b.Label, _ = txt["text"].(string)
				}
				out = append(out, b)
			}
			for _, y := range x {
				walk(y, blockID)
			}
		case []any:
			for _, y := range x {
				walk(y, blockID)
			}
		}
	}
	walk(bs, "")
	return out
}

// e2eSimRequests returns the simulator's requests of action.
func e2eSimRequests(sim *ytxsim.Sim, action string) []ytxsim.Request {
	var out []ytxsim.Request
	for _, r := range sim.Requests() {
		if r.Action == action {
			out = append(out, r)
		}
	}
	return out
}

// TestSlackServeEndToEnd runs the real serve process (Main) with Slack over
// HTTP against a fake Slack Web API and the YTX simulator, and drives it
// like Slack and YTX do: signed slash commands and button clicks, and a
// YTX push.
func TestSlackServeEndToEnd(t *testing.T) {
	ysrv, sim := simServer(t)
	fake := newE2EFakeSlack(t)

	cfg := DefaultConfig()
	cfg.HTTP.Addr, cfg.HTTP.AdminAddr = "127.0.0.1:0", "127.0.0.2:0"
	cfg.Storage.Path = filepath.Join(t.TempDir(), "ytxbot.db")
	cfg.YTX.BaseURL, cfg.YTX.AccountSID, cfg.YTX.AuthToken, cfg.YTX.AppID = ysrv.URL, simDefaultSID, Secret(simDefaultToken), simDefaultApp
	cfg.YTX.CallbackSecret = Secret(e2ePushSecret)
	cfg.Telegram.Enabled = false
	cfg.Slack.Enabled = true
	cfg.Slack.TeamID = e2eTeam
	cfg.Slack.SigningSecret = Secret(e2eSigningSecret)
	cfg.Slack.BotToken = Secret(e2eBotToken)
	cfg.Slack.APIURL = fake.URL()
	cfg.Slack.AckWithin = 500 * time.Millisecond
	cfg.Admins = []string{"slack:T0001:UADMIN"}
	cfg.Policy.SelfService = true
	// No background polling during the test: every card edit below is
	// caused by what the test does.
	cfg.Tracker.PollInterval = time.Hour
	if err := cfg.Validate(); err != nil {
		t.Fatalf("the test's configuration does not validate:\n%v", err)
	}

	logs := &e2eLog{}
	m := &Main{Config: &cfg, Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve logs:\n%s", logs.String())
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	select {
	case <-m.Listening():
	case err := <-done:
		t.Fatalf("serve stopped before listening: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not listen")
	}
	stopped := false
	defer func() {
		if !stopped { // a failed assertion: still stop serve before the fakes close
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
			}
		}
	}()
	public, admin := "http://"+m.Addr("public").String(), "http://"+m.Addr("admin").String()
	hc := &http.Client{Timeout: 5 * time.Second}
	defer hc.CloseIdleConnections()
	sc := &e2eSlackClient{t: t, public: public, fake: fake, http: hc}
	getStatus := func(u string) (int, string) {
		t.Helper()
		resp, err := hc.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	// (6) Not ready while auth.test is unanswered; ready once it succeeded.
	select {
	case <-fake.authArrived:
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not call auth.test")
	}
	if code, body := getStatus(public + "/healthz"); code != http.StatusOK {
		t.Errorf("healthz: %d %q", code, body)
	}
	if code, body := getStatus(public + "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "slack") {
		t.Errorf("readyz before auth.test answered: %d %q, want 503 naming slack", code, body)
	}
	fake.releaseAuth()
	e2eWaitUntil(t, "readyz 200 after auth.test", func() bool { code, _ := getStatus(public + "/readyz"); return code == http.StatusOK })
	if a := fake.requests("/auth.test"); len(a) != 1 || a[0].Form.Get("token") != e2eBotToken {
		t.Errorf("auth.test calls: %+v, want one with the bot token", a)
	}

	// (1) Self-service /phone set: each answer is private and only the
	// person's own answer shows the number they saved.
	alice := sc.command("/phone", "set "+e2eAlice, "U0001", "alice", "phone-1")
	bob := sc.command("/phone", "set "+e2eBob, "U0002", "bob", "phone-2")
	if s := alice.Text + string(alice.Blocks); !strings.Contains(s, e2eAlice) || strings.Contains(s, e2eBob) {
		t.Errorf("alice's /phone set answer: %q", s)
	}
	if s := bob.Text + string(bob.Blocks); !strings.Contains(s, e2eBob) || strings.Contains(s, e2eAlice) {
		t.Errorf("bob's /phone set answer: %q", s)
	}
	for _, path := range []string{"/chat.postMessage", "/chat.postEphemeral", "/chat.update"} {
		if n := len(fake.requests(path)); n != 0 {
			t.Errorf("/phone set made %d %s calls; the number must stay private", n, path)
		}
	}

	// (4) A forged slash command: 401, nothing reaches YTX or Slack. The
	// callers have numbers by now, so a leak would really dial.
	forged := sc.slashForm("/call", "dialback <@U0002|bob>", "U0001", "alice", "forged-1")
	if code, body := sc.signedPost("/slack/commands", forged, "not-the-signing-secret"); code != http.StatusUnauthorized ||
		strings.Contains(string(body), e2eSigningSecret) {
		t.Errorf("forged command: %d %q, want 401", code, body)
	}
	if rs := sim.Requests(); len(rs) != 0 {
		t.Errorf("a forged command reached YTX: %d requests", len(rs))
	}
	if n := len(fake.requests("/chat.postMessage")); n != 0 {
		t.Errorf("a forged command posted %d messages", n)
	}

	// (2) /call dialback: one callDailBack from alice's number to bob's,
	// then a card in the channel with masked numbers only.
	rep := sc.command("/call", "dialback <@U0002|bob>", "U0001", "alice", "call-1")
	if s := rep.Text + string(rep.Blocks); strings.Contains(s, e2eAlice) || strings.Contains(s, e2eBob) {
		t.Errorf("dial-back answer shows a full number: %q", s)
	}
	dbs := e2eSimRequests(sim, ytx.ActionDialBack)
	if len(dbs) != 1 {
		t.Fatalf("YTX got %d %s, want 1", len(dbs), ytx.ActionDialBack)
	}
	var dial struct{ Src, Dst string }
	if err := json.Unmarshal(dbs[0].Body, &dial); err != nil {
		t.Fatalf("%s body %s: %v", ytx.ActionDialBack, dbs[0].Body, err)
	}
	if dial.Src != e2eAlice || dial.Dst != e2eBob || dbs[0].Code != ytx.CodeOK {
		t.Errorf("dial-back src %q dst %q code %q, want alice's then bob's number, accepted", dial.Src, dial.Dst, dbs[0].Code)
	}
	callCard := fake.waitFor(t, "the call card", "/chat.postMessage", nil)
	e2eCheckCard(t, "call card", callCard, "138****0001", "139****0002")
	callID := int64(0)
	for _, b := range e2eButtons(t, callCard.Form.Get("blocks")) {
		if mm := regexp.MustCompile(`^c:(\d+):again$`).FindStringSubmatch(b.ActionID); mm != nil {
			callID, _ = strconv.ParseInt(mm[1], 10, 64)
		}
	}
	if callID == 0 {
		t.Fatalf("call card has no Call again button: %+v", e2eButtons(t, callCard.Form.Get("blocks")))
	}

	// (5) A YTX push for the dial-back (alice answered) updates its card.
	call, err := m.store.Call(ctx, callID)
	if err != nil || call.RequestID == "" {
		t.Fatalf("call c%d in the store: %+v, %v", callID, call, err)
	}
	if st, ok := sim.Call(call.RequestID); !ok || st.Src.Phone != e2eAlice || st.Dst.Phone != e2eBob {
		t.Fatalf("the simulator does not know requestId %s as alice→bob: %+v", call.RequestID, st)
	}
	push, _ := json.Marshal(map[string]string{"requestid": call.RequestID, "dsc": e2eAlice, "state": "answer",
		"stateDesc": "应答", "timestamp": ytx.Timestamp(time.Now())})
	resp, err := hc.Post(public+"/ytx/callback/"+e2ePushSecret, "application/json", bytes.NewReader(push))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("push: status %d", resp.StatusCode)
	}
	callUp := fake.waitFor(t, "the call card's update", "/chat.update", func(r e2eSlackReq) bool { return r.Form.Get("ts") == callCard.TS })
	e2eCheckCard(t, "updated call card", callUp, "138****0001", "139****0002")
	if !strings.Contains(callUp.Form.Get("blocks"), "`138****0001` — joined") {
		t.Errorf("updated call card does not show alice joined:\n%s", callUp.Form.Get("blocks"))
	}

	// (3) /meet create: createMeeting at YTX and a card with an End meeting
	// button; a forged click on it is refused, a signed one ends the
	// meeting at YTX and updates the card.
	rep = sc.command("/meet", "create standup <@U0002|bob>", "U0001", "alice", "meet-1")
	if s := rep.Text + string(rep.Blocks); strings.Contains(s, e2eAlice) || strings.Contains(s, e2eBob) {
		t.Errorf("meeting answer shows a full number: %q", s)
	}
	creates := e2eSimRequests(sim, ytx.ActionCreateMeeting)
	if len(creates) != 1 || creates[0].Code != ytx.CodeOK {
		t.Fatalf("YTX got %d accepted %s, want 1: %+v", len(creates), ytx.ActionCreateMeeting, creates)
	}
	for _, n := range []string{e2eAlice, e2eBob} {
		if !bytes.Contains(creates[0].Body, []byte(n)) {
			t.Errorf("createMeeting %s lacks %s", creates[0].Body, n)
		}
	}
	ms := sim.Meetings()
	if len(ms) != 1 || ms[0].State != ytxsim.StateActive || ms[0].Name != "standup" {
		t.Fatalf("simulator meetings: %+v", ms)
	}
	meetCard := fake.waitFor(t, "the meeting card", "/chat.postMessage", func(r e2eSlackReq) bool { return r.TS != callCard.TS })
	e2eCheckCard(t, "meeting card", meetCard, "138****0001", "139****0002")
	var end e2eButton
	for _, b := range e2eButtons(t, meetCard.Form.Get("blocks")) {
		if b.Label == "End meeting" {
			end = b
		}
	}
	if end.ActionID == "" {
		t.Fatalf("meeting card has no End meeting button: %+v", e2eButtons(t, meetCard.Form.Get("blocks")))
	}
	endClick := func(responseTrigger string) string {
		return e2eClickPayload("U0001", "alice", meetCard.TS, end.BlockID, end.ActionID, end.Value, fake.srv.URL+"/response/"+responseTrigger)
	}
	if code, body := sc.signedPost("/slack/interactions", endClick("forged-click"), "not-the-signing-secret"); code != http.StatusUnauthorized {
		t.Errorf("forged click: %d %q, want 401", code, body)
	}
	if code, body := sc.signedPost("/slack/interactions", endClick("click-end"), e2eSigningSecret); code != http.StatusOK || len(body) != 0 {
		t.Fatalf("End meeting click: %d %q, want an empty 200", code, body)
	}
	meetUp := fake.waitFor(t, "the meeting card's update", "/chat.update", func(r e2eSlackReq) bool { return r.Form.Get("ts") == meetCard.TS })
	e2eCheckCard(t, "updated meeting card", meetUp, "138****0001", "139****0002")
	if !strings.Contains(meetUp.Form.Get("blocks"), "*#1* · ended") || e2eHasAction(e2eButtons(t, meetUp.Form.Get("blocks")), end.ActionID) {
		t.Errorf("updated meeting card does not show the meeting ended:\n%s", meetUp.Form.Get("blocks"))
	}
	destroys := e2eSimRequests(sim, ytx.ActionDestroy)
	if len(destroys) != 1 || destroys[0].Code != ytx.CodeOK || !bytes.Contains(destroys[0].Body, []byte(ms[0].ID)) {
		t.Fatalf("YTX got %d %s (want 1 for meeting %s): %+v", len(destroys), ytx.ActionDestroy, ms[0].ID, destroys)
	}
	if ms := sim.Meetings(); ms[0].State != ytxsim.StateEnded {
		t.Errorf("simulator meeting state %q after End meeting, want %q", ms[0].State, ytxsim.StateEnded)
	}
	clickReply := fake.waitFor(t, "the click's reply", "/response/click-end", nil)
	if m := e2eDecodePrivate(t, "click reply", clickReply.Body); !strings.Contains(m.Text, "ended") {
		t.Errorf("click reply %q, want the meeting ended", m.Text)
	}

	// The admin listener counted the refusals by route, never by raw path.
	_, metrics := getStatus(admin + "/metrics")
	for _, want := range []string{
		`ytxbot_http_requests_total{code="401",route="POST /slack/commands"} 1`,
		`ytxbot_http_requests_total{code="401",route="POST /slack/interactions"} 1`,
		`ytxbot_http_requests_total{code="200",route="POST /ytx/callback/{secret}"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(metrics, e2ePushSecret) {
		t.Error("metrics show the push secret")
	}

	// (6) Still ready; cancel stops serve cleanly.
	if code, body := getStatus(public + "/readyz"); code != http.StatusOK {
		t.Errorf("readyz: %d %q", code, body)
	}
	cancel()
	stopped = true
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}

	// After the drain: exactly the YTX calls asked for (the forged
	// requests never got through, not even late), every Web API call with
	// the bot token, no full number in the channel, no secret in the logs.
	for action, want := range map[string]int{ytx.ActionDialBack: 1, ytx.ActionCreateMeeting: 1, ytx.ActionDestroy: 1} {
		if n := len(e2eSimRequests(sim, action)); n != want {
			t.Errorf("YTX got %d %s, want %d", n, action, want)
		}
	}
	for _, r := range fake.requests("") {
		switch {
		case strings.HasPrefix(r.Path, "/response/"):
			trigger := strings.TrimPrefix(r.Path, "/response/")
			if strings.HasPrefix(trigger, "forged") {
				t.Errorf("a forged request got a reply at %s", r.Path)
			}
			if (trigger != "phone-1" && bytes.Contains(r.Body, []byte(e2eAlice))) ||
				(trigger != "phone-2" && bytes.Contains(r.Body, []byte(e2eBob))) {
				t.Errorf("reply %s shows someone else's number: %s", trigger, r.Body)
			}
			e2eDecodePrivate(t, "reply "+trigger, r.Body)
		case r.Form != nil:
			if tok := r.Form.Get("token"); tok != e2eBotToken {
				t.Errorf("%s sent token %q", r.Path, tok)
			}
			if s := r.Form.Encode(); strings.Contains(s, e2eAlice) || strings.Contains(s, e2eBob) {
				t.Errorf("%s carries a full number: %s", r.Path, s)
			}
		default:
			t.Errorf("unexpected Slack call %s: %s", r.Path, r.Body)
		}
	}
	out := logs.String()
	for name, secret := range map[string]string{"signing secret": e2eSigningSecret, "bot token": e2eBotToken,
		"push secret": e2ePushSecret, "YTX auth token": simDefaultToken} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs show the %s", name)
		}
	}
}

// e2eCheckCard checks a card posted or updated in the channel: the bot token,
// the channel, the masked numbers in both the blocks and the fallback text,
// and no full number anywhere.
func e2eCheckCard(t *testing.T, what string, r e2eSlackReq, masked ...string) {
	t.Helper()
	f := r.Form
	if f.Get("channel") != e2eChannel || f.Get("token") != e2eBotToken {
		t.Errorf("%s: channel %q token %q", what, f.Get("channel"), f.Get("token"))
	}
	blocks, text := f.Get("blocks"), f.Get("text")
	if !json.Valid([]byte(blocks)) {
		t.Errorf("%s: blocks are not JSON: %s", what, blocks)
	}
	for _, mk := range masked {
		if !strings.Contains(blocks, mk) || !strings.Contains(text, mk) {
			t.Errorf("%s lacks masked number %s:\nblocks %s\ntext %s", what, mk, blocks, text)
		}
	}
	for _, full := range []string{e2eAlice, e2eBob} {
		if strings.Contains(f.Encode(), full) {
			t.Errorf("%s shows the full number %s", what, full)
		}
	}
}

func e2eHasAction(bs []e2eButton, actionID string) bool {
	for _, b := range bs {
		if b.ActionID == actionID {
			return true
		}
	}
	return false
}

// e2eWaitUntil polls cond until it holds, failing the test after 5 s.
func e2eWaitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// slackE2EConfig is serve's configuration for the end-to-end tests: Slack
// against fakeURL, YTX at ytxURL (the simulator's default account), a
// fresh store, pushes at e2ePushSecret, the poller every 50 ms.
func slackE2EConfig(t *testing.T, ytxURL, fakeURL string) Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.HTTP.Addr, cfg.HTTP.AdminAddr = "127.0.0.1:0", "127.0.0.2:0"
	cfg.Storage.Path = filepath.Join(t.TempDir(), "ytxbot.db")
	cfg.YTX.BaseURL, cfg.YTX.AccountSID, cfg.YTX.AuthToken, cfg.YTX.AppID = ytxURL, simDefaultSID, Secret(simDefaultToken), simDefaultApp
	cfg.YTX.CallbackSecret = Secret(e2ePushSecret)
	cfg.Telegram.Enabled = false
	cfg.Slack.TeamID, cfg.Slack.SigningSecret, cfg.Slack.BotToken = e2eTeam, Secret(e2eSigningSecret), Secret(e2eBotToken)
	cfg.Slack.APIURL = fakeURL
	cfg.Policy.SelfService = true
	cfg.Tracker.PollInterval = 50 * time.Millisecond
	return cfg
}
