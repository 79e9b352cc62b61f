package ytxsim

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

const (
	testSID   = "abcdefghijklmnopqrstuvwxyz012345"
	testToken = "0123456789abcdef0123456789abcdef"
	testApp   = "ff8080813fc70a7b013fc72312324213"
)

// t0 is the start of every scenario: 2026-03-02 09:00:00 Beijing.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, ytx.Beijing)

// testTimeline has a distinct value per step so each expected time names
// the step it comes from.
var testTimeline = Timeline{
	Ring:     1 * time.Second,
	Answer:   2 * time.Second,
	NoAnswer: 20 * time.Second,
	Busy:     3 * time.Second,
	Leave:    5 * time.Second,
	Talk:     90 * time.Second,
}

// omit, as a body value, removes the key the helpers would add.
var omit = &struct{}{}

type env struct {
	sim    *Sim
	clock  *FakeClock
	pushes *pushSink
}

// pushSink collects pushes delivered through WithPushFunc.
type pushSink struct {
	mu     sync.Mutex
	bodies []string
	ch     chan string // optional: each body is also sent here
}

func (p *pushSink) push(_ context.Context, body []byte) error {
	p.mu.Lock()
	p.bodies = append(p.bodies, string(body))
	p.mu.Unlock()
	if p.ch != nil {
		p.ch <- string(body)
	}
	return nil
}

func (p *pushSink) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.bodies...)
}

// newEnv returns a simulator on a FakeClock at t0 that collects its pushes.
func newEnv(t testing.TB, opts ...Option) *env {
	t.Helper()
	return newEnvConfig(t, Config{}, opts...)
}

// newEnvConfig fills the account fields of cfg that are empty.
func newEnvConfig(t testing.TB, cfg Config, opts ...Option) *env {
	t.Helper()
	if cfg.AccountSID == "" {
		cfg.AccountSID = testSID
	}
	if cfg.AuthToken == "" {
		cfg.AuthToken = testToken
	}
	if cfg.AppID == "" {
		cfg.AppID = testApp
	}
	if cfg.Timeline == (Timeline{}) {
		cfg.Timeline = testTimeline
	}
	e := &env{clock: NewFakeClock(t0), pushes: &pushSink{}}
	opts = append([]Option{WithClock(e.clock), WithPushFunc(e.pushes.push)}, opts...)
	s, err := New(cfg, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.sim = s
	return e
}

// parts are the pieces of a request, for tests that break one of them.
type parts struct {
	method string
	path   string
	sign   string // "" sends no Sign parameter
	auth   string // "" sends no Authorization header
	body   string
}

// routeOf is the default route of action.
func routeOf(action string) ytx.Endpoint {
	for _, e := range ytx.DefaultEndpoints() {
		if e.Action == action {
			return e
		}
	}
	return ytx.Endpoint{Action: action, Version: "201612", FuncURL: "TeleMeeting.wx"}
}

func pathOf(e ytx.Endpoint, sid string) string {
	return "/" + e.Version + "/sid/" + sid + "/call/" + e.FuncURL
}

// bodyOf encodes body with action and appid added unless set (omit
// removes a key).
func bodyOf(action string, body map[string]any) string {
	m := map[string]any{"action": action, "appid": testApp}
	for k, v := range body {
		m[k] = v
	}
	for k, v := range m {
		if v == omit {
			delete(m, k)
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// validParts signs a request at the clock's time.
func (e *env) validParts(action string, body map[string]any) parts {
	ts := ytx.Timestamp(e.clock.Now())
	return parts{
		method: http.MethodPost,
		path:   pathOf(routeOf(action), testSID),
		sign:   ytx.Sign(testSID, testToken, ts),
		auth:   ytx.Authorization(testSID, ts),
		body:   bodyOf(action, body),
	}
}

func (p parts) request(ctx context.Context, base string) *http.Request {
	u := base + p.path
	if p.sign != "" {
		u += "?Sign=" + p.sign
	}
	req, err := http.NewRequestWithContext(ctx, p.method, u, strings.NewReader(p.body))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json;charset=utf-8")
	if p.auth != "" {
		req.Header.Set("Authorization", p.auth)
	}
	return req
}

// signedRequest builds a correctly signed request of action, stamped with
// the clock's time, for ServeHTTP.
func (e *env) signedRequest(t testing.TB, action string, body map[string]any) *http.Request {
	t.Helper()
	return e.validParts(action, body).request(context.Background(), "http://ytx.test")
}

// answer is any YTX answer: the envelope and the call-record query's cdr.
type answer struct {
	StatusCode string          `json:"statusCode"`
	StatusMsg  json.RawMessage `json:"statusMsg"`
	RequestID  *string         `json:"requestId"`
	Data       json.RawMessage `json:"data"`
	CDR        json.RawMessage `json:"cdr"`
	raw        string
	httpStatus int
}

func (e *env) serve(t testing.TB, req *http.Request) answer {
	t.Helper()
	rec := httptest.NewRecorder()
	e.sim.ServeHTTP(rec, req)
	a := answer{raw: rec.Body.String(), httpStatus: rec.Code}
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
			t.Fatalf("answer %q: %v", rec.Body.String(), err)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q", ct)
		}
	}
	return a
}

// call sends a signed request of action and decodes the answer.
func (e *env) call(t testing.TB, action string, body map[string]any) answer {
	t.Helper()
	return e.serve(t, e.signedRequest(t, action, body))
}

// ok is call that requires statusCode "0".
func (e *env) ok(t testing.TB, action string, body map[string]any) answer {
	t.Helper()
	a := e.call(t, action, body)
	if a.StatusCode != ytx.CodeOK {
		t.Fatalf("%s: %s", action, a.raw)
	}
	return a
}

// partiesOf names each phone p1, p2, … and encodes the list as the client
// does by default: a JSON array inside a JSON string.
func partiesOf(phones ...string) string {
	ps := make([]ytx.Party, len(phones))
	for i, p := range phones {
		ps[i] = ytx.Party{Name: fmt.Sprintf("p%d", i+1), Phone: p}
	}
	b, err := json.Marshal(ps)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func meetingBody(phones ...string) map[string]any {
	return map[string]any{
		"meetingname": "standup",
		"creator":     phones[0],
		"parties":     partiesOf(phones...),
		"bookmeeting": "0",
		"confid":      "",
		"booktime":    "",
		"CustomParm":  "order-1",
	}
}

// createMeeting starts a meeting now and returns its meid.
func (e *env) createMeeting(t testing.TB, phones ...string) string {
	t.Helper()
	a := e.ok(t, ytx.ActionCreateMeeting, meetingBody(phones...))
	var info meetingInfo
	if err := json.Unmarshal(a.StatusMsg, &info); err != nil {
		t.Fatalf("statusMsg %s: %v", a.StatusMsg, err)
	}
	return info.MeID
}

func dialBackBody(src, dst string, credit any) map[string]any {
	return map[string]any{"src": src, "dst": dst, "credit": credit, "customParm": "call-1"}
}

// dialBack places a call and returns its requestId.
func (e *env) dialBack(t testing.TB, src, dst string, credit any) string {
	t.Helper()
	a := e.ok(t, ytx.ActionDialBack, dialBackBody(src, dst, credit))
	return *a.RequestID
}

// query answers queryMeeting's data for one meeting.
func (e *env) query(t testing.TB, meid string) meetingData {
	t.Helper()
	a := e.ok(t, ytx.ActionQueryMeeting, map[string]any{"confid": meid, "meetingcount": "1"})
	var d meetingData
	if err := json.Unmarshal(a.Data, &d); err != nil {
		t.Fatalf("data %s: %v", a.Data, err)
	}
	return d
}

// at formats t0+d like a push or a queryMeeting time.
func at(d time.Duration) string { return t0.Add(d).Format(ytx.TimeLayout) }

// waitFor polls cond until it holds or 5 s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// syncBuffer is a bytes.Buffer safe for a logger used from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// equalLines reports a line-by-line difference of got and want.
func equalLines(t testing.TB, name string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %d items, want %d\ngot:\n%s\nwant:\n%s", name, len(got), len(want),
			strings.Join(got, "\n"), strings.Join(want, "\n"))
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%s[%d]:\n got %s\nwant %s", name, i, got[i], want[i])
		}
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
