package ytxsim

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

func partyPushJSON(confid, custom, phone, state, desc string, d time.Duration) string {
	return `{"confid":"` + confid + `","CustomParm":"` + custom + `","phone":"` + phone + `","state":"` + state +
		`","stateDesc":"` + desc + `","timestamp":"` + at(d) + `"}`
}

func TestMeetingPushes(t *testing.T) {
	e := newEnv(t)
	const a, d, x = "13800000001", "13800000007", "13800000008"
	id := e.createMeeting(t, a, d)
	e.clock.Advance(10 * time.Second)
	e.ok(t, ytx.ActionInvite, map[string]any{"confid": id, "parties": partiesOf(x), "CustomParm": "inv"})
	e.clock.Advance(5 * time.Second)
	e.ok(t, ytx.ActionDestroy, map[string]any{"confid": id})
	if got := e.pushes.all(); len(got) != 0 {
		t.Fatalf("pushes before Tick: %v", got)
	}
	e.sim.Tick(t.Context())
	s := time.Second
	want := []string{
		partyPushJSON(id, "order-1", a, "alerting", "振铃", 1*s),
		partyPushJSON(id, "order-1", d, "alerting", "振铃", 1*s),
		partyPushJSON(id, "order-1", a, "answer", "应答", 3*s),
		partyPushJSON(id, "order-1", d, "answer", "应答", 3*s),
		partyPushJSON(id, "order-1", d, "disconnect", "挂机", 8*s),
		partyPushJSON(id, "inv", x, "disconnect", "用户忙", 13*s),
		partyPushJSON(id, "order-1", a, "disconnect", "挂机", 15*s),
		`{"confid":"` + id + `","CustomParm":"order-1","state":"end","timestamp":"` + at(15*s) + `"}`,
	}
	equalLines(t, "meeting pushes", e.pushes.all(), want)
}

func TestPushDuplicatesAndReorder(t *testing.T) {
	const src, dst = "13800000001", "13900000009"
	run := func(t *testing.T, opts ...Option) (string, []string) {
		e := newEnv(t, opts...)
		id := e.dialBack(t, src, dst, 120)
		e.clock.Advance(2 * time.Second)
		e.sim.Tick(t.Context()) // callout, alerting
		e.clock.Advance(time.Hour)
		e.sim.Tick(t.Context()) // the rest
		return id, e.pushes.all()
	}
	_, plain := run(t)
	if len(plain) != 8 {
		t.Fatalf("plain run: %d pushes", len(plain))
	}
	t.Run("duplicates", func(t *testing.T) {
		_, got := run(t, WithPushDuplicates(true))
		var want []string
		for _, p := range plain {
			want = append(want, p, p)
		}
		equalLines(t, "pushes", got, want)
	})
	t.Run("reorder", func(t *testing.T) {
		_, got := run(t, WithPushReorder(true))
		want := append(slices.Clone(plain[:2]), plain[2:]...)
		slices.Reverse(want[:2])
		slices.Reverse(want[2:])
		equalLines(t, "pushes", got, want)
		if !strings.HasPrefix(got[2], `{"cdr":`) {
			t.Errorf("the record does not come first in the second batch: %s", got[2])
		}
	})
}

func TestNoPushesWithoutCallback(t *testing.T) {
	s, err := New(Config{AccountSID: testSID, AuthToken: testToken, AppID: testApp}, WithClock(NewFakeClock(t0)))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{sim: s, clock: s.clock.(*FakeClock)}
	e.dialBack(t, "13800000001", "13900000002", 120)
	e.clock.Advance(time.Hour)
	s.Tick(t.Context())
	if n := len(s.Pushes()); n != 0 {
		t.Errorf("%d pushes without a callback", n)
	}
}

func TestPushOverHTTP(t *testing.T) {
	got := make(chan string, 100)
	var status atomic.Int32
	status.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.URL.Path != "/ytx/s3cr3t" {
			t.Errorf("push %s %s %s", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		got <- string(b)
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()

	clock := NewFakeClock(t0)
	s, err := New(Config{AccountSID: testSID, AuthToken: testToken, AppID: testApp, CallbackURL: srv.URL + "/ytx/s3cr3t", Timeline: testTimeline},
		WithClock(clock), WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{sim: s, clock: clock}
	id := e.dialBack(t, "13800000001", "13900000002", 120)
	clock.Advance(time.Hour)
	s.Tick(t.Context())
	close(got)
	var bodies []string
	for b := range got {
		bodies = append(bodies, b)
	}
	if len(bodies) != 9 || !strings.Contains(bodies[0], id) || !strings.HasPrefix(bodies[8], `{"cdr":[`) {
		t.Fatalf("received %v", bodies)
	}
	for _, d := range s.Deliveries() {
		if d.Err != nil {
			t.Errorf("delivery error: %v", d.Err)
		}
	}

	// A callback that fails is recorded, not retried.
	status.Store(http.StatusInternalServerError)
	got = make(chan string, 100)
	e.dialBack(t, "13800000009", "13900000002", 120)
	clock.Advance(time.Hour)
	s.Tick(t.Context())
	ds := s.Deliveries()
	failed := ds[9:]
	if len(failed) != 4 || len(got) != 4 {
		t.Fatalf("%d deliveries, %d received", len(failed), len(got))
	}
	for _, d := range failed {
		if d.Err == nil || strings.Contains(d.Err.Error(), "s3cr3t") {
			t.Errorf("failed delivery error: %v", d.Err)
		}
	}
}

// TestNoSecretsLogged logs at debug level through every path, including a
// failing push, and looks for the token, the Sign and the callback secret.
func TestNoSecretsLogged(t *testing.T) {
	var buf syncBuffer
	clock := NewFakeClock(t0)
	s, err := New(Config{AccountSID: testSID, AuthToken: testToken, AppID: testApp, CallbackURL: "http://127.0.0.1:1/hook/s3cr3t", Timeline: testTimeline},
		WithClock(clock), WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{sim: s, clock: clock}
	e.dialBack(t, "13800000001", "13900000002", 120)
	p := e.validParts(ytx.ActionCreateMeeting, meetingBody("13800000001"))
	sign := p.sign
	p.sign = strings.ToLower(sign)
	e.serve(t, p.request(context.Background(), "http://ytx.test"))
	p.sign = "0BADSIGN"
	if a := e.serve(t, p.request(context.Background(), "http://ytx.test")); strings.Contains(a.raw, sign) {
		t.Errorf("answer echoes the Sign: %s", a.raw)
	}
	clock.Advance(time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	s.Tick(ctx)
	out := buf.String()
	if !strings.Contains(out, "push not delivered") || !strings.Contains(out, "callDailBack") {
		t.Fatalf("log lacks the expected lines:\n%s", out)
	}
	for _, secret := range []string{testToken, sign, strings.ToLower(sign), "s3cr3t"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	for _, r := range s.Requests() {
		if strings.Contains(r.Path, sign) || strings.Contains(string(r.Body), testToken) {
			t.Errorf("request record leaks: %+v", r)
		}
	}
}

// TestRun drives the simulator in real-time mode: Run ticks, the fake clock
// moves, pushes arrive.
func TestRun(t *testing.T) {
	e := newEnv(t)
	e.pushes.ch = make(chan string, 100)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.sim.Run(ctx) }()

	e.dialBack(t, "13800000001", "13900000002", 120)
	e.clock.Advance(time.Hour)
	timeout := time.After(5 * time.Second)
	for n := 0; n < 9; n++ {
		select {
		case b := <-e.pushes.ch:
			if n == 8 && !strings.HasPrefix(b, `{"cdr":`) {
				t.Errorf("last push %s", b)
			}
		case <-timeout:
			t.Fatalf("only %d pushes arrived", n)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
}
