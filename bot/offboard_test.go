package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
)

// fakeRoster is a platform's view of its people: who is gone, whose
// profile shows a number, and whether it can be reached at all.
type fakeRoster struct {
	mu       sync.Mutex
	gone     map[string]bool
	profiles map[string]string
	down     bool
	asked    int
}

func (r *fakeRoster) Active(_ context.Context, _, user string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked++
	if r.down {
		return false, errors.New("platform unreachable")
	}
	return !r.gone[user], nil
}

func (r *fakeRoster) ProfilePhone(_ context.Context, _, user string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.profiles[user], nil
}

func rosterEnv(t *testing.T, r *fakeRoster, cfg bot.Config) *bottest.Env {
	t.Helper()
	cfg.Policy.AllowRawNumbers = true
	e := bottest.New(t, cfg, bot.WithRoster(bot.Console, r))
	e.Map(t, "admin", "13600000000")
	e.Map(t, "alice", "13800000001")
	e.Map(t, "bob", "13900000002")
	return e
}

// TestOffboardedTreatedAsUnmapped: a gone account's mapping is not used,
// as a party or as the caller; nothing rings; an unreachable platform does
// not stop calls.
func TestOffboardedTreatedAsUnmapped(t *testing.T) {
	r := &fakeRoster{gone: map[string]bool{"bob": true}}
	e := rosterEnv(t, r, bot.Config{})
	rep := e.Say("alice", "/call dialback @bob")
	if !strings.Contains(rep.Text, "bob has left") || !strings.Contains(rep.Text, "Nothing was rung") {
		t.Errorf("dial-back to a gone account: %q", rep.Text)
	}
	if rep := e.Say("bob", "/call dialback @alice"); !strings.Contains(rep.Text, "no longer active") {
		t.Errorf("a gone account calling: %q", rep.Text)
	}
	if rep := e.Say("alice", "/meet create x @bob"); !strings.Contains(rep.Text, "bob has left") {
		t.Errorf("meeting with a gone account: %q", rep.Text)
	}
	if n := len(e.Sim.Requests()); n != 0 {
		t.Fatalf("%d requests reached YTX", n)
	}
	r.mu.Lock()
	r.down = true
	r.mu.Unlock()
	if rep := e.Say("alice", "/call dialback @bob"); strings.Contains(rep.Text, "has left") {
		t.Errorf("an unreachable roster stopped a call: %q", rep.Text)
	}
	if n := len(e.Sim.Requests()); n != 1 {
		t.Errorf("%d requests reached YTX, want the one dial-back", n)
	}

	us, err := e.Store.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r.down = false
	stale, err := bot.StaleUsers(context.Background(), us, map[bot.Platform]bot.Roster{bot.Console: r})
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 1 || stale[0].Identity != "console:bob" {
		t.Errorf("stale users: %+v", stale)
	}
}

// TestProfilePhoneFallback: an unmapped person whose platform profile shows
// a number is rung on it (never stored); a profile number outside the
// allow-list or malformed is no number.
func TestProfilePhoneFallback(t *testing.T) {
	r := &fakeRoster{profiles: map[string]string{"carol": "+86 137-0000-0003", "dave": "not a number"}}
	e := rosterEnv(t, r, bot.Config{})
	if rep := e.Say("alice", "/call dialback @carol"); strings.Contains(rep.Text, "no phone number") {
		t.Fatalf("profile fallback not used: %q", rep.Text)
	}
	reqs := e.Sim.Requests()
	if len(reqs) != 1 || !strings.Contains(string(reqs[0].Body), "13700000003") {
		t.Fatalf("YTX requests: %+v", reqs)
	}
	if _, err := e.Store.User(context.Background(), "console:carol"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("the profile number was stored: %v", err)
	}
	if rep := e.Say("alice", "/call dialback @dave"); !strings.Contains(rep.Text, "no phone number") {
		t.Errorf("a malformed profile number: %q", rep.Text)
	}
	if rep := e.Say("carol", "/call dialback @alice"); strings.Contains(rep.Text, "no phone number") {
		t.Errorf("the caller's profile number not used: %q", rep.Text)
	}
}

// TestRefusalsAuditedAndAlerted: a refused ringing request is in the audit
// log with its masked target and the reason; five refusals of one person
// within the window make one alert, do-not-disturb refusals none.
func TestRefusalsAuditedAndAlerted(t *testing.T) {
	alerts := []bot.Destination{{Platform: bot.Console, Channel: "alerts"}}
	e := demo(t, bot.Config{Alerts: alerts})
	e.Say("bob", "/phone dnd on")
	for range 7 {
		e.Say("alice", "/call dialback @bob")
	}
	if n := len(e.Sim.Requests()); n != 0 {
		t.Fatalf("%d requests reached YTX", n)
	}
	es, err := e.Store.Audit(context.Background(), bottest.Start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var refused int
	for _, a := range es {
		if a.Action == "call.dialback" && a.Result == "refused: dnd" {
			refused++
			if a.Target != "138****0001,139****0002" && a.Target != "139****0002" {
				t.Errorf("audit target %q", a.Target)
			}
		}
	}
	if refused != 7 {
		t.Errorf("%d refusals audited, want 7: %+v", refused, es)
	}
	if got := alertPosts(e.Notifier); len(got) != 0 {
		t.Fatalf("do not disturb refusals alerted (SPEC §11: they are a choice, not abuse): %+v", got)
	}
	for range 6 {
		e.Say("alice", "/call dialback @zed")
	}
	got := alertPosts(e.Notifier)
	if len(got) != 1 || !strings.Contains(got[0].Note, "console:alice was refused 5 times within 10m (latest: party_not_mapped)") {
		t.Fatalf("alerts: %d %+v", len(got), got)
	}
	if fullNumber.MatchString(got[0].Text()) {
		t.Errorf("alert shows a number: %s", got[0].Text())
	}
}

// TestIncidentAlerts: a foreign workspace alerts at once (once per window
// and workspace); bad signatures only as a burst.
func TestIncidentAlerts(t *testing.T) {
	alerts := []bot.Destination{{Platform: bot.Console, Channel: "alerts"}}
	e := demo(t, bot.Config{Alerts: alerts, AlertWindow: time.Hour, BadSignaturesBeforeAlert: 3})
	ctx := context.Background()
	e.Bot.Incident(ctx, bot.Slack, bot.IncidentForeignWorkspace, "T0EVIL")
	e.Bot.Incident(ctx, bot.Slack, bot.IncidentForeignWorkspace, "T0EVIL")
	if got := alertPosts(e.Notifier); len(got) != 1 || !strings.Contains(got[0].Note, "T0EVIL") {
		t.Fatalf("foreign workspace alerts: %+v", got)
	}
	for range 2 {
		e.Bot.Incident(ctx, bot.Telegram, bot.IncidentBadSignature, "10.0.0.9")
	}
	if n := len(alertPosts(e.Notifier)); n != 1 {
		t.Fatalf("two bad signatures alerted: %d alerts", n)
	}
	for range 5 {
		e.Bot.Incident(ctx, bot.Telegram, bot.IncidentBadSignature, "10.0.0.9")
	}
	got := alertPosts(e.Notifier)
	if len(got) != 2 || !strings.Contains(got[1].Note, "3 telegram requests with a bad signature or secret within 1h") {
		t.Fatalf("signature burst alerts: %d %+v", len(got), got)
	}
}

// TestMeetListOwnChannelOnly: /meet list shows the meetings of the channel
// it is typed in, never another channel's (titles can be confidential).
func TestMeetListOwnChannelOnly(t *testing.T) {
	e := demo(t, bot.Config{})
	e.Say("alice", "/meet create secret-merger @bob")
	if rep := e.Say("alice", "/meet list"); !strings.Contains(rep.Text, "secret-merger") {
		t.Fatalf("own channel's list: %q", rep.Text)
	}
	for _, ch := range []string{"other", ""} {
		rep := e.Bot.Handle(context.Background(), &bot.Request{ID: "list-" + ch, Platform: bot.Console, Channel: ch, UserID: "admin", Text: "/meet list"})
		if strings.Contains(rep.Text, "secret-merger") || strings.Contains(rep.Text, "#1") {
			t.Errorf("channel %q sees another channel's meeting: %q", ch, rep.Text)
		}
	}
}
