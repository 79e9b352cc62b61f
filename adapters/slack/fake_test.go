package slack

import (
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
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
)

// call is one request the fake Slack received.
type call struct {
	Path string
	Form url.Values // form-encoded Web API calls (the token is a form field)
	Body []byte     // JSON calls: views.open, apps.connections.open, response_url
	Auth string     // Authorization header
}

// fakeUser is what users.info answers for a user id.
type fakeUser struct {
	Name    string
	Locale  string
	Deleted bool
	Phone   string // the profile's phone field
	Bot     bool
}

func (u fakeUser) json(id string) map[string]any {
	return map[string]any{"id": id, "team_id": "T0001", "name": u.Name, "deleted": u.Deleted, "is_bot": u.Bot,
		"locale": u.Locale, "profile": map[string]any{"display_name": u.Name, "phone": u.Phone}}
}

// fakeSlack is an in-process Slack Web API: it routes by path, records every
// request and answers like Slack does.
type fakeSlack struct {
	srv *httptest.Server

	mu               sync.Mutex
	calls            []call
	seq              int
	postErr          string              // chat.postMessage answers {"ok":false,"error":postErr}
	updateLimited    int                 // chat.update answers 429 this many more times
	updateRetryAfter string              // the Retry-After of those 429s
	updateErr        string              // chat.update answers {"ok":false,"error":updateErr}
	authErr          string              // auth.test answers {"ok":false,"error":authErr}
	users            map[string]fakeUser // users.info; unknown ids get a plain active user
	groups           map[string][]string // usergroups.users.list
	wsURL            string              // apps.connections.open
	changed          chan struct{}
}

func newFakeSlack(t *testing.T) *fakeSlack {
	t.Helper()
	f := &fakeSlack{users: map[string]fakeUser{}, groups: map[string][]string{}, updateRetryAfter: "1",
		changed: make(chan struct{}, 1)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSlack) URL() string { return f.srv.URL + "/" }

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	c := call{Path: r.URL.Path, Auth: r.Header.Get("Authorization")}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		_ = r.ParseForm()
		c.Form = r.PostForm
	} else {
		c.Body, _ = io.ReadAll(r.Body)
	}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	var answer any
	status, retryAfter := http.StatusOK, ""
	switch {
	case c.Path == "/auth.test" && f.authErr != "":
		answer = map[string]any{"ok": false, "error": f.authErr}
	case c.Path == "/auth.test":
		answer = map[string]any{"ok": true, "url": "https://acme.slack.com/", "team": "Acme", "user": "ytxbot",
			"team_id": "T0001", "user_id": "UBOT", "bot_id": "BBOT"}
	case c.Path == "/chat.postMessage":
		if f.postErr != "" {
			answer = map[string]any{"ok": false, "error": f.postErr}
			break
		}
		f.seq++
		answer = map[string]any{"ok": true, "channel": c.Form.Get("channel"), "ts": fmt.Sprintf("1700000000.%06d", f.seq)}
	case c.Path == "/chat.update":
		if f.updateLimited > 0 {
			f.updateLimited--
			status, retryAfter = http.StatusTooManyRequests, f.updateRetryAfter
			answer = map[string]any{"ok": false, "error": "ratelimited"}
			break
		}
		if f.updateErr != "" {
			answer = map[string]any{"ok": false, "error": f.updateErr}
			break
		}
		answer = map[string]any{"ok": true, "channel": c.Form.Get("channel"), "ts": c.Form.Get("ts"), "text": ""}
	case c.Path == "/chat.postEphemeral":
		answer = map[string]any{"ok": true, "message_ts": "1700000000.999999"}
	case c.Path == "/users.info":
		id := c.Form.Get("user")
		u, ok := f.users[id]
		if !ok {
			u = fakeUser{Name: strings.ToLower(id), Locale: "en-US"}
		}
		answer = map[string]any{"ok": true, "user": u.json(id)}
	case c.Path == "/users.list":
		answer = f.usersList(c.Form)
	case c.Path == "/usergroups.users.list":
		answer = map[string]any{"ok": true, "users": f.groups[c.Form.Get("usergroup")]}
	case c.Path == "/views.open":
		answer = map[string]any{"ok": true, "view": map[string]any{"id": "V0001"}}
	case c.Path == "/apps.connections.open":
		answer = map[string]any{"ok": true, "url": f.wsURL}
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
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(answer)
}

// usersList pages through the known users in id order, like users.list:
// limit per page, the next page's cursor in response_metadata.
func (f *fakeSlack) usersList(form url.Values) map[string]any {
	ids := make([]string, 0, len(f.users))
	for id := range f.users {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	start := 0
	if c := form.Get("cursor"); c != "" {
		start, _ = strconv.Atoi(c)
	}
	limit, _ := strconv.Atoi(form.Get("limit"))
	if limit <= 0 {
		limit = 100
	}
	end := min(start+limit, len(ids))
	start = min(start, end)
	members := make([]map[string]any, 0, end-start)
	for _, id := range ids[start:end] {
		members = append(members, f.users[id].json(id))
	}
	next := ""
	if end < len(ids) {
		next = strconv.Itoa(end)
	}
	return map[string]any{"ok": true, "members": members, "response_metadata": map[string]any{"next_cursor": next}}
}

func (f *fakeSlack) signal() {
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

// Calls returns the requests received for path ("" = all).
func (f *fakeSlack) Calls(path string) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		if path == "" || c.Path == path || (strings.HasSuffix(path, "/") && strings.HasPrefix(c.Path, path)) {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeSlack) set(fn func(f *fakeSlack)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// waitCalls waits until path has received at least n requests.
func (f *fakeSlack) waitCalls(t *testing.T, path string, n int) []call {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		if cs := f.Calls(path); len(cs) >= n {
			return cs
		}
		select {
		case <-f.changed:
		case <-deadline.C:
			t.Fatalf("fake Slack: %s got %d requests, want %d", path, len(f.Calls(path)), n)
		}
	}
}

// eventually polls cond until it holds, failing the test after 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

const (
	secret = "8f742231b10e8888abcd99yyyzzz85a5"
	team   = "T0001"
)

// countingHandler forwards to the real core and counts what reaches it.
type countingHandler struct {
	b *bot.Bot
	n atomic.Int64
}

func (h *countingHandler) Handle(ctx context.Context, req *bot.Request) bot.Reply {
	h.n.Add(1)
	return h.b.Handle(ctx, req)
}

func (h *countingHandler) Incident(ctx context.Context, p bot.Platform, kind, detail string) {
	h.b.Incident(ctx, p, kind, detail)
}

// testEnv is the adapter wired to the real core (memstore, ytx client on
// the YTX simulator) and a fake Slack.
type testEnv struct {
	*bottest.Env
	slack *fakeSlack
	a     *Adapter
	h     *countingHandler
	mux   *http.ServeMux
}

func setup(t *testing.T, mods ...func(*Config)) *testEnv {
	t.Helper()
	return setupBot(t, bot.Config{Locale: "en", Policy: bot.Policy{AllowRawNumbers: true}}, mods...)
}

// setupBot is setup with the core configured by bc (policy, alerts).
func setupBot(t *testing.T, bc bot.Config, mods ...func(*Config)) *testEnv {
	t.Helper()
	fs := newFakeSlack(t)
	cfg := Config{TeamID: team, SigningSecret: secret, BotToken: "xoxb-test-token", APIURL: fs.URL(), AckWithin: time.Second}
	for _, m := range mods {
		m(&cfg)
	}
	h := &countingHandler{}
	a, err := New(cfg, h, WithHTTPClient(fs.srv.Client()), WithLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	env := bottest.New(t, bc, bot.WithNotifier(bot.Slack, a), bot.WithDirectory(bot.Slack, a), bot.WithRoster(bot.Slack, a))
	h.b = env.Bot
	t.Cleanup(a.Wait)
	for _, u := range []struct{ id, name, phone string }{
		{"U0001", "alice", "13800000001"}, {"U0002", "bob", "13900000002"}, {"U0003", "carol", "13700000003"},
	} {
		if err := env.Store.PutUser(context.Background(), &bot.User{Identity: bot.IdentityOf(bot.Slack, team, u.id), Name: u.name, Phone: u.phone}); err != nil {
			t.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	a.Routes(mux)
	return &testEnv{Env: env, slack: fs, a: a, h: h, mux: mux}
}

// signed builds a Slack request to path with a real v0 signature made at ts.
func signed(path, body string, ts time.Time, key string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(key))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	r.Header.Set("X-Slack-Request-Timestamp", stamp)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return r
}

// serve runs a request through the adapter's routes.
func (e *testEnv) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, r)
	return w
}

// slash is a slash command's form as Slack sends it.
func (e *testEnv) slash(command, text, user, trigger string) string {
	return url.Values{
		"token": {"legacy-verification-token"}, "team_id": {team}, "team_domain": {"acme"},
		"channel_id": {"C0001"}, "channel_name": {"general"}, "user_id": {user}, "user_name": {strings.ToLower(user)},
		"command": {command}, "text": {text}, "api_app_id": {"A0001"}, "is_enterprise_install": {"false"},
		"response_url": {e.slack.srv.URL + "/response/" + trigger}, "trigger_id": {trigger},
	}.Encode()
}

// command sends a signed slash command and returns the response.
func (e *testEnv) command(t *testing.T, command, text, user, trigger string) *httptest.ResponseRecorder {
	t.Helper()
	return e.serve(signed("/slack/commands", e.slash(command, text, user, trigger), time.Now(), secret))
}

// interact sends a signed interaction payload.
func (e *testEnv) interact(t *testing.T, payload any) *httptest.ResponseRecorder {
	t.Helper()
	js, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return e.serve(signed("/slack/interactions", url.Values{"payload": {string(js)}}.Encode(), time.Now(), secret))
}

// ephemeralAnswer decodes a command's HTTP answer, checking it is private.
func ephemeralAnswer(t *testing.T, w *httptest.ResponseRecorder) message {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d, body %q", w.Code, w.Body.String())
	}
	if strings.Contains(w.Body.String(), "in_channel") {
		t.Fatalf("answer mentions in_channel: %s", w.Body.String())
	}
	var m struct {
		ResponseType string          `json:"response_type"`
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("answer is not JSON: %q: %v", w.Body.String(), err)
	}
	if m.ResponseType != "ephemeral" {
		t.Fatalf("response_type %q, want ephemeral: %s", m.ResponseType, w.Body.String())
	}
	return message{ResponseType: m.ResponseType, Text: m.Text}
}

// ytxRequests returns the simulator's requests of action.
func (e *testEnv) ytxRequests(action string) []string {
	var out []string
	for _, r := range e.Sim.Requests() {
		if r.Action == action {
			out = append(out, string(r.Body))
		}
	}
	return out
}

// buttonIDs lists the action ids in a posted message's blocks.
func buttonIDs(t *testing.T, blocks string) []string {
	t.Helper()
	var bs []map[string]any
	if err := json.Unmarshal([]byte(blocks), &bs); err != nil {
		t.Fatalf("blocks %q: %v", blocks, err)
	}
	var ids []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "button" {
				if id, ok := x["action_id"].(string); ok {
					ids = append(ids, id)
				}
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
	walk(any(toAny(bs)))
	return ids
}

func toAny(bs []map[string]any) []any {
	out := make([]any, len(bs))
	for i, b := range bs {
		out[i] = b
	}
	return out
}

// testLogger writes to the test log while the test runs (set YTXBOT_TEST_LOG=1).
func testLogger(t *testing.T) *slog.Logger {
	if os.Getenv("YTXBOT_TEST_LOG") == "" {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
