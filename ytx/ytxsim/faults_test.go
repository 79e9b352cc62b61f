package ytxsim

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// post sends p to srv with client and returns the statusCode answered.
func post(t *testing.T, client *http.Client, srv *httptest.Server, p parts) (string, error) {
	t.Helper()
	resp, err := client.Do(p.request(t.Context(), srv.URL))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var a answer
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("answer %q: %v", b, err)
	}
	return a.StatusCode, nil
}

func TestFailNext(t *testing.T) {
	e := newEnv(t)
	e.sim.FailNext(ytx.ActionCreateMeeting, ytx.CodeInternal, 2)
	for i, want := range []string{ytx.CodeInternal, ytx.CodeInternal, ytx.CodeOK} {
		a := e.call(t, ytx.ActionCreateMeeting, meetingBody("13800000001"))
		if a.StatusCode != want {
			t.Fatalf("request %d: %s, want %s", i, a.raw, want)
		}
		if want != ytx.CodeOK && a.raw != `{"statusCode":"-100","statusMsg":"异常错误","requestId":""}` {
			t.Errorf("answer %s", a.raw)
		}
	}
	e.sim.FailNext(AnyAction, ytx.CodeLowBalance, 1)
	if a := e.call(t, ytx.ActionDialBack, dialBackBody("13800000001", "13800000002", 120)); a.StatusCode != ytx.CodeLowBalance {
		t.Errorf("AnyAction rule: %s", a.raw)
	}
	e.ok(t, ytx.ActionDialBack, dialBackBody("13800000001", "13800000002", 120))
	if n := len(e.sim.Meetings()); n != 1 {
		t.Errorf("%d meetings, want 1", n)
	}
	if n := e.sim.Count(ytx.ActionCreateMeeting); n != 1 {
		t.Errorf("Count = %d", n)
	}
	// A bad signature is refused before the fault applies.
	e.sim.FailNext(ytx.ActionQueryMeeting, ytx.CodeInternal, 1)
	p := e.validParts(ytx.ActionQueryMeeting, map[string]any{"confid": "", "meetingcount": 1})
	p.sign = "X"
	if a := e.serve(t, p.request(t.Context(), "http://ytx.test")); a.StatusCode != ytx.CodeBadAuthToken {
		t.Errorf("bad sign under FailNext: %s", a.raw)
	}
	if a := e.call(t, ytx.ActionQueryMeeting, map[string]any{"confid": "", "meetingcount": 1}); a.StatusCode != ytx.CodeInternal {
		t.Errorf("FailNext after a refused request: %s", a.raw)
	}
	e.sim.FailNext(ytx.ActionQueryMeeting, ytx.CodeInternal, 5)
	e.sim.FailNext(ytx.ActionQueryMeeting, "", 0) // cleared
	e.ok(t, ytx.ActionQueryMeeting, map[string]any{"confid": "", "meetingcount": 1})
}

func TestDrop(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(e.sim)
	defer srv.Close()
	client := srv.Client()

	e.sim.DropNext(ytx.ActionDialBack, 1, DropBefore)
	_, err := post(t, client, srv, e.validParts(ytx.ActionDialBack, dialBackBody("13800000001", "13800000002", 120)))
	if err == nil || !(errors.Is(err, io.EOF) || strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "connection reset")) {
		t.Fatalf("DropBefore: err = %v, want the connection closed", err)
	}
	if n := e.sim.Count(ytx.ActionDialBack); n != 0 {
		t.Errorf("DropBefore acted: Count = %d", n)
	}
	e.clock.Advance(time.Hour)
	e.sim.Tick(t.Context())
	if n := len(e.pushes.all()); n != 0 {
		t.Errorf("DropBefore rang phones: %d pushes", n)
	}
	reqs := e.sim.Requests()
	if last := reqs[len(reqs)-1]; last.Action != ytx.ActionDialBack || last.Code != "" || last.HTTPStatus != 0 {
		t.Errorf("recorded %+v", last)
	}

	e.sim.DropNext(ytx.ActionCreateMeeting, 1, DropAfter)
	_, err = post(t, client, srv, e.validParts(ytx.ActionCreateMeeting, meetingBody("13800000001")))
	if err == nil {
		t.Fatal("DropAfter answered")
	}
	ms := e.sim.Meetings()
	if len(ms) != 1 || ms[0].State != StateActive || ms[0].Parties[0].State != StateCalling {
		t.Fatalf("DropAfter did not act: %+v", ms)
	}
	reqs = e.sim.Requests()
	if last := reqs[len(reqs)-1]; last.Code != ytx.CodeOK || last.HTTPStatus != 0 {
		t.Errorf("recorded %+v", last)
	}
	if n := e.sim.Count(ytx.ActionCreateMeeting); n != 1 {
		t.Errorf("Count = %d", n)
	}
	// The rule is used up: the next request is answered.
	if code, err := post(t, client, srv, e.validParts(ytx.ActionCreateMeeting, meetingBody("13800000001"))); err != nil || code != ytx.CodeOK {
		t.Errorf("after the drop: %s %v", code, err)
	}
}

// TestDropWithoutHijacker aborts the handler when the writer cannot be hijacked.
func TestDropWithoutHijacker(t *testing.T) {
	e := newEnv(t)
	e.sim.DropNext(AnyAction, 1, DropBefore)
	defer func() {
		if r := recover(); r != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", r)
		}
	}()
	e.sim.ServeHTTP(httptest.NewRecorder(), e.signedRequest(t, ytx.ActionDestroy, map[string]any{"confid": "1"}))
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t)
	e.sim.SetRateLimit(2)
	query := map[string]any{"confid": "", "meetingcount": 1}
	codes := func(n int) string {
		var out []string
		for i := 0; i < n; i++ {
			out = append(out, e.call(t, ytx.ActionQueryMeeting, query).StatusCode)
		}
		return strings.Join(out, " ")
	}
	if got := codes(3); got != "0 0 -104" {
		t.Errorf("burst: %s", got)
	}
	if a := e.call(t, ytx.ActionCreateMeeting, meetingBody("13800000001")); a.raw != `{"statusCode":"-104","statusMsg":"请求频率过高","requestId":""}` {
		t.Errorf("refused create: %s", a.raw)
	}
	if n := len(e.sim.Meetings()); n != 0 {
		t.Errorf("a refused create made %d meetings", n)
	}
	e.clock.Advance(500 * time.Millisecond)
	if got := codes(2); got != "0 -104" {
		t.Errorf("after 0.5 s: %s", got)
	}
	e.clock.Advance(time.Hour) // refills to the burst, no more
	if got := codes(3); got != "0 0 -104" {
		t.Errorf("after an hour: %s", got)
	}
	e.sim.SetRateLimit(0)
	if got := codes(5); got != "0 0 0 0 0" {
		t.Errorf("limit off: %s", got)
	}
}

func TestGate(t *testing.T) {
	e := newEnv(t)
	release := e.sim.Gate(ytx.ActionDialBack)
	done := make(chan answer, 1)
	go func() {
		rec := httptest.NewRecorder()
		e.sim.ServeHTTP(rec, e.signedRequest(t, ytx.ActionDialBack, dialBackBody("13800000001", "13800000002", 120)))
		var a answer
		_ = json.Unmarshal(rec.Body.Bytes(), &a)
		done <- a
	}()
	waitFor(t, "the request to reach the gate", func() bool { return e.sim.Held(ytx.ActionDialBack) == 1 })
	if e.sim.Held(AnyAction) != 1 || e.sim.Held(ytx.ActionCreateMeeting) != 0 {
		t.Error("Held counts")
	}
	// Other actions pass.
	e.ok(t, ytx.ActionQueryMeeting, map[string]any{"confid": "", "meetingcount": 1})
	select {
	case a := <-done:
		t.Fatalf("answered through a closed gate: %+v", a)
	default:
	}
	if n := e.sim.Count(ytx.ActionDialBack); n != 0 {
		t.Fatalf("acted before release: Count = %d", n)
	}
	release()
	release() // idempotent
	select {
	case a := <-done:
		if a.StatusCode != ytx.CodeOK {
			t.Errorf("after release: %+v", a)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not answered after release")
	}
	if e.sim.Held(AnyAction) != 0 || e.sim.Count(ytx.ActionDialBack) != 1 {
		t.Error("after release: still held or not counted")
	}
}

// TestGateContext: a held request whose client gives up changes nothing.
func TestGateContext(t *testing.T) {
	e := newEnv(t)
	defer e.sim.Gate(AnyAction)()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		rec := httptest.NewRecorder()
		e.sim.ServeHTTP(rec, e.signedRequest(t, ytx.ActionCreateMeeting, meetingBody("13800000001")).WithContext(ctx))
		done <- rec
	}()
	waitFor(t, "the request to reach the gate", func() bool { return e.sim.Held(AnyAction) == 1 })
	cancel()
	select {
	case rec := <-done:
		if rec.Body.Len() != 0 {
			t.Errorf("answered %s", rec.Body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the handler did not return")
	}
	if n := len(e.sim.Meetings()); n != 0 {
		t.Errorf("%d meetings", n)
	}
}

func TestLatency(t *testing.T) {
	e := newEnv(t)
	e.sim.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.sim.ServeHTTP(httptest.NewRecorder(), e.signedRequest(t, ytx.ActionCreateMeeting, meetingBody("13800000001")).WithContext(ctx))
	}()
	waitFor(t, "the request to arrive", func() bool { return len(e.sim.Requests()) == 1 })
	cancel()
	<-done
	if n := len(e.sim.Meetings()); n != 0 {
		t.Errorf("a request abandoned during latency acted: %d meetings", n)
	}
	if r := e.sim.Requests()[0]; r.HTTPStatus != 0 || r.Code != "" {
		t.Errorf("recorded %+v", r)
	}
	e.sim.SetLatency(time.Millisecond)
	start := time.Now()
	e.ok(t, ytx.ActionCreateMeeting, meetingBody("13800000001"))
	if time.Since(start) < time.Millisecond {
		t.Error("answered without latency")
	}
}
