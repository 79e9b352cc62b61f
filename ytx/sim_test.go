package ytx_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

const (
	sid   = "abcdefghijklmnopqrstuvwxyz012345"
	token = "0123456789abcdef0123456789abcdef"
	appID = "ff8080813fc70a7b013fc72312324213"
)

var start = time.Date(2026, 11, 25, 10, 0, 0, 0, ytx.Beijing)

type fixture struct {
	c      *ytx.Client
	sim    *ytxsim.Sim
	clock  *ytxsim.FakeClock
	url    string
	mu     sync.Mutex
	pushes [][]byte
}

// setup serves a simulator on a fake clock and returns a real client for it,
// retrying reads without pausing.
func setup(t *testing.T, opts ...ytx.Option) *fixture {
	t.Helper()
	f := &fixture{clock: ytxsim.NewFakeClock(start)}
	sim, err := ytxsim.New(ytxsim.Config{AccountSID: sid, AuthToken: token, AppID: appID, Timeline: ytxsim.DefaultTimeline()},
		ytxsim.WithClock(f.clock),
		ytxsim.WithPushFunc(func(_ context.Context, body []byte) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.pushes = append(f.pushes, body)
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	f.sim, f.url = sim, srv.URL
	f.c = f.client(t, ytx.Config{}, opts...)
	return f
}

// client builds a client for the fixture; zero fields of cfg take the
// simulator's account.
func (f *fixture) client(t *testing.T, cfg ytx.Config, opts ...ytx.Option) *ytx.Client {
	t.Helper()
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&cfg.BaseURL, f.url)
	def(&cfg.AccountSID, sid)
	def(&cfg.AuthToken, token)
	def(&cfg.AppID, appID)
	base := []ytx.Option{ytx.WithClock(f.clock.Now), ytx.WithRetry(ytx.RetryPolicy{Attempts: 3})}
	c, err := ytx.New(cfg, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// advance moves the clock and delivers the pushes that came due.
func (f *fixture) advance(d time.Duration) {
	f.clock.Advance(d)
	f.sim.Tick(context.Background())
}

func (f *fixture) parsedPushes(t *testing.T) []*ytx.Push {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*ytx.Push
	for _, b := range f.pushes {
		p, err := ytx.ParsePush(b)
		if err != nil {
			t.Fatalf("the simulator's push does not parse: %s: %v", b, err)
		}
		out = append(out, p)
	}
	return out
}

func partyStates(m *ytx.MeetingInfo) map[string]string {
	out := map[string]string{}
	for _, p := range m.Parties {
		out[p.Phone] = p.State
	}
	return out
}

func TestMeetingLifecycle(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	m, err := f.c.CreateMeeting(ctx, &ytx.MeetingParams{Name: "standup", Creator: "13800000001", CustomParm: "m1",
		Parties: []ytx.Party{{"me", "13800000001"}, {"alice", "13900000009"}, {"bob", "13700000008"}}})
	if err != nil {
		t.Fatal(err)
	}
	if m.ID == "" || len(m.Password) != 6 || m.CallerID != ytxsim.DefaultCallerID {
		t.Fatalf("meeting %+v", m)
	}
	f.advance(10 * time.Second)
	info, err := f.c.QueryMeeting(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"13800000001": ytx.PartyJoined, "13900000009": ytx.PartyRinging, "13700000008": ytx.PartyBusy}
	if got := partyStates(info); !equal(got, want) || info.State != ytx.MeetingActive || info.Name != "standup" || info.StartTime.IsZero() {
		t.Errorf("after 10s: %+v parties %v, want %v", info, got, want)
	}

	if _, err := f.c.Invite(ctx, m.ID, []ytx.Party{{"carol", "13600000003"}}, "m1"); err != nil {
		t.Fatal(err)
	}
	f.advance(10 * time.Second)
	if _, err := f.c.Hangup(ctx, m.ID, "13600000003"); err != nil {
		t.Fatal(err)
	}
	f.advance(30 * time.Second)
	info, _ = f.c.QueryMeeting(ctx, m.ID)
	want = map[string]string{"13800000001": ytx.PartyJoined, "13900000009": ytx.PartyNoAnswer, "13700000008": ytx.PartyBusy, "13600000003": ytx.PartyLeft}
	if got := partyStates(info); !equal(got, want) {
		t.Errorf("after hangup: %v, want %v", got, want)
	}

	if _, err := f.c.DestroyMeeting(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	f.advance(0) // deliver the pushes the end queued
	info, _ = f.c.QueryMeeting(ctx, m.ID)
	if info.State != ytx.MeetingEnded || info.EndTime.IsZero() {
		t.Errorf("after destroy: %+v", info)
	}
	// Acting on an ended meeting is refused; the bot refreshes it then.
	_, err = f.c.Invite(ctx, m.ID, []ytx.Party{{"dan", "13500000005"}}, "")
	var ae *ytx.APIError
	if !errors.As(err, &ae) || ae.Code != ytx.CodeInvalidParam || ae.Action != ytx.ActionInvite {
		t.Errorf("invite after end: %v", err)
	}

	var kinds []string
	for _, p := range f.parsedPushes(t) {
		if p.Kind != ytx.PushMeeting || p.ConfID != m.ID || p.CustomParm != "m1" {
			t.Errorf("push %s: kind %v conf %q custom %q", p.Raw, p.Kind, p.ConfID, p.CustomParm)
		}
		kinds = append(kinds, p.Meeting.State)
	}
	if len(kinds) == 0 || kinds[len(kinds)-1] != "end" {
		t.Errorf("meeting pushes %v do not end with the meeting's end", kinds)
	}
}

func TestBookedMeeting(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := &ytx.MeetingParams{Name: "planning", Creator: "13800000001", Parties: []ytx.Party{{"me", "13800000001"}, {"alice", "13900000002"}}}
	m, err := f.c.BookMeeting(ctx, p, start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	info, err := f.c.QueryMeeting(ctx, m.ID)
	if err != nil || info.State != ytx.MeetingBooked || !info.BookTime.Equal(start.Add(time.Hour)) {
		t.Fatalf("booked: %+v, %v", info, err)
	}
	p.Name = "planning (moved)"
	if _, err := f.c.EditBooking(ctx, m.ID, p, start.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	f.advance(time.Hour + time.Minute)
	info, _ = f.c.QueryMeeting(ctx, m.ID)
	if info.State != ytx.MeetingBooked || info.Name != "planning (moved)" {
		t.Errorf("moved booking started at the old time: %+v", info)
	}
	f.advance(time.Hour)
	info, _ = f.c.QueryMeeting(ctx, m.ID)
	if info.State != ytx.MeetingActive {
		t.Errorf("booking did not start at its time: %+v", info)
	}

	m2, err := f.c.BookMeeting(ctx, p, f.clock.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.c.CancelBooking(ctx, m2.ID, p); err != nil {
		t.Fatal(err)
	}
	info, _ = f.c.QueryMeeting(ctx, m2.ID)
	if info.State != ytx.MeetingCancelled {
		t.Errorf("cancelled booking: %+v", info)
	}
	list, err := f.c.ListMeetings(ctx, 10)
	if err != nil || len(list) != 2 || list[0].ID != m2.ID || list[1].ID != m.ID {
		t.Errorf("ListMeetings = %+v, %v; want newest first", list, err)
	}
}

func TestDialBackPushesAndRecord(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	call, err := f.c.DialBack(ctx, &ytx.DialBackParams{From: "13800000001", To: "13900000002", MaxDuration: 10 * time.Minute, CustomParm: "c42"})
	if err != nil || len(call.RequestID) != 29 {
		t.Fatalf("DialBack = %+v, %v", call, err)
	}
	f.advance(5 * time.Second)
	if _, err := f.c.CallRecord(ctx, call.RequestID); !errors.Is(err, ytx.ErrNotFound) {
		t.Errorf("record of a running call: %v, want ErrNotFound", err)
	}
	for range 10 {
		f.advance(10 * time.Second)
	}
	var seq []string
	var cdr *ytx.CallRecord
	for _, p := range f.parsedPushes(t) {
		if p.RequestID != call.RequestID {
			t.Errorf("push %s carries another request id", p.Raw)
		}
		switch p.Kind {
		case ytx.PushCallState:
			seq = append(seq, p.State.Number[len(p.State.Number)-1:]+":"+p.State.State)
		case ytx.PushCDR:
			cdr = &p.Records[0]
		default:
			t.Errorf("unexpected push %s", p.Raw)
		}
	}
	want := "1:callout 1:alerting 1:answer 2:callout 2:alerting 2:answer 1:disconnect 2:disconnect"
	if got := strings.Join(seq, " "); got != want {
		t.Errorf("state pushes\n got %s\nwant %s", got, want)
	}
	if cdr == nil || cdr.CustomParm != "c42" || cdr.Duration != ytxsim.DefaultTimeline().Talk || cdr.CalledStart.IsZero() {
		t.Fatalf("CDR push %+v", cdr)
	}
	rec, err := f.c.CallRecord(ctx, call.RequestID)
	if err != nil || rec.Duration != cdr.Duration || rec.Caller != "13800000001" || rec.Called != "13900000002" {
		t.Errorf("CallRecord = %+v, %v", rec, err)
	}
}

func TestDialBackCreditCapsTalk(t *testing.T) {
	f := setup(t)
	call, err := f.c.DialBack(context.Background(), &ytx.DialBackParams{From: "13800000001", To: "13900000002", MaxDuration: 61 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	f.advance(5 * time.Minute)
	rec, err := f.c.CallRecord(context.Background(), call.RequestID)
	if err != nil || rec.Duration != 60*time.Second && rec.Duration != 61*time.Second {
		t.Errorf("record %+v, %v: talk not capped by the credit", rec, err)
	}
}

// TestErrorPaths: every way the account or the request can be wrong comes
// back as a typed error with an explanation, never a panic or a raw body.
func TestErrorPaths(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	dial := func(c *ytx.Client) error {
		_, err := c.DialBack(ctx, &ytx.DialBackParams{From: "13800000001", To: "13900000002", MaxDuration: 2 * time.Minute})
		return err
	}
	tests := []struct {
		name string
		c    *ytx.Client
		code string
	}{
		{"wrong account", f.client(t, ytx.Config{AccountSID: "nosuchaccount"}), ytx.CodeNoSuchAccount},
		{"clock 11 minutes behind", f.client(t, ytx.Config{}, ytx.WithClock(func() time.Time { return f.clock.Now().Add(-11 * time.Minute) })), ytx.CodeBadAuthorization},
		{"wrong token", f.client(t, ytx.Config{AuthToken: "wrong"}), ytx.CodeBadAuthToken},
		{"wrong route", f.client(t, ytx.Config{Endpoints: []ytx.Endpoint{{Action: ytx.ActionDialBack, FuncURL: "CodeCallOut.wx"}}}), ytx.CodeUnknownAction},
		{"wrong app", f.client(t, ytx.Config{AppID: "otherapp"}), ytx.CodeAppCheckFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := dial(tc.c)
			var ae *ytx.APIError
			if !errors.As(err, &ae) || ae.Code != tc.code {
				t.Fatalf("err %v, want code %s", err, tc.code)
			}
			en, zh, advice := ae.Explain()
			if en == "" || zh != ytx.StatusMessage(tc.code) || advice == "" || ae.Retryable() {
				t.Errorf("Explain = %q %q %q retryable %v", en, zh, advice, ae.Retryable())
			}
		})
	}
	if n := f.sim.Count(ytx.ActionDialBack); n != 0 {
		t.Errorf("%d refused dial-backs were placed", n)
	}
	if err := dial(f.client(t, ytx.Config{PartiesEncoding: ytx.PartiesArray})); err != nil {
		t.Errorf("array parties encoding: %v", err)
	}
}

func TestInjectedFaults(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	params := &ytx.DialBackParams{From: "13800000001", To: "13900000002", MaxDuration: 2 * time.Minute}

	f.sim.FailNext(ytx.ActionDialBack, ytx.CodeLowBalance, 1)
	if _, err := f.c.DialBack(ctx, params); !ytx.IsCode(err, ytx.CodeLowBalance) {
		t.Errorf("-204: %v", err)
	}

	f.sim.FailNext(ytx.ActionDialBack, ytx.CodeRateLimited, 1)
	before := len(f.sim.Requests())
	_, err := f.c.DialBack(ctx, params)
	if !ytx.IsCode(err, ytx.CodeRateLimited) || !ytx.Retryable(err) || len(f.sim.Requests())-before != 1 {
		t.Errorf("-104 on a ringing action: %v after %d requests; want one request", err, len(f.sim.Requests())-before)
	}

	m, err := f.c.CreateMeeting(ctx, &ytx.MeetingParams{Name: "x", Creator: "13800000001", Parties: []ytx.Party{{"a", "13800000001"}, {"b", "13900000002"}}})
	if err != nil {
		t.Fatal(err)
	}
	f.sim.FailNext(ytx.ActionQueryMeeting, ytx.CodeRateLimited, 2)
	if _, err := f.c.QueryMeeting(ctx, m.ID); err != nil {
		t.Errorf("a read did not ride out two -104s: %v", err)
	}

	f.sim.DropNext(ytx.ActionDialBack, 1, ytxsim.DropAfter)
	placed := f.sim.Count(ytx.ActionDialBack)
	if _, err := f.c.DialBack(ctx, params); !errors.Is(err, ytx.ErrOutcomeUnknown) {
		t.Errorf("dropped after acting: %v, want outcome unknown", err)
	}
	if f.sim.Count(ytx.ActionDialBack) != placed+1 {
		t.Error("DropAfter did not place the call: the test proves nothing")
	}

	f.sim.DropNext(ytx.ActionDialBack, 1, ytxsim.DropBefore)
	if _, err := f.c.DialBack(ctx, params); !errors.Is(err, ytx.ErrOutcomeUnknown) {
		t.Errorf("dropped connection: %v; the client cannot know YTX did nothing", err)
	}

	// A slow YTX: the caller's deadline passes while the request is held.
	release := f.sim.Gate(ytx.ActionDialBack)
	defer release()
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err = f.c.DialBack(short, params)
	if !errors.Is(err, ytx.ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("held past the deadline: %v", err)
	}
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
