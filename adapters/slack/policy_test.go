package slack

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
	"github.com/ytxbot/ytxbot/ytx"
)

// ringing counts the requests that make phones ring at the simulator.
func (e *testEnv) ringing() int {
	return len(e.ytxRequests(ytx.ActionCreateMeeting)) + len(e.ytxRequests(ytx.ActionInvite)) + len(e.ytxRequests(ytx.ActionDialBack))
}

// refusedAudit returns the audit results of refused ringing requests.
func (e *testEnv) refusedAudit(t *testing.T) []bot.AuditEntry {
	t.Helper()
	es, err := e.Store.Audit(context.Background(), bottest.Start.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var out []bot.AuditEntry
	for _, a := range es {
		if strings.HasPrefix(a.Result, "refused: ") {
			out = append(out, a)
		}
	}
	return out
}

var fullNumberRE = regexp.MustCompile(`1[3-9]\d{9}|0[1-9]\d{9,10}`)

// TestPolicyThroughSlack: every limit and consent rule, through signed
// slash commands and the fake Slack API: the phone does not ring, the
// requester gets a clear private refusal naming the rule (never the
// target's number), and the audit log records the refusal.
func TestPolicyThroughSlack(t *testing.T) {
	allowMobiles := []*regexp.Regexp{regexp.MustCompile(`^1[3-9]\d{9}$`)}
	cases := []struct {
		name   string
		policy bot.Policy
		before func(t *testing.T, e *testEnv) // setup commands, allowed to ring
		user   string
		cmd    string
		text   string
		want   string // in the refusal
		code   string // the audited reason
	}{
		{name: "do not disturb", user: "U0001", cmd: "/call", text: "dialback <@U0002|bob>",
			before: func(t *testing.T, e *testEnv) { ephemeralAnswer(t, e.command(t, "/phone", "dnd on", "U0002", "dnd")) },
			want:   "bob has turned on do not disturb", code: "dnd"},
		{name: "do not disturb as a typed number", user: "U0001", cmd: "/meet", text: "create x 139-0000-0002",
			before: func(t *testing.T, e *testEnv) { ephemeralAnswer(t, e.command(t, "/phone", "dnd on", "U0002", "dnd")) },
			want:   "bob has turned on do not disturb", code: "dnd"},
		{name: "rings per target", policy: bot.Policy{RingsPerTargetPerHour: 1}, user: "U0003", cmd: "/call", text: "dialback <@U0002|bob>",
			before: func(t *testing.T, e *testEnv) {
				ephemeralAnswer(t, e.command(t, "/call", "dialback <@U0002|bob>", "U0001", "first"))
			},
			want: "bob has reached the limit of 1 rings an hour", code: "target_limited"},
		{name: "calls per user", policy: bot.Policy{CallsPerUserPerHour: 3}, user: "U0001", cmd: "/call", text: "dialback <@U0003|carol>",
			before: func(t *testing.T, e *testEnv) {
				ephemeralAnswer(t, e.command(t, "/call", "dialback <@U0002|bob>", "U0001", "first"))
			},
			want: "limit of 3 rings per hour", code: "rate_limited"},
		{name: "calls per minute global", policy: bot.Policy{CallsPerMinuteGlobal: 3}, user: "U0003", cmd: "/meet", text: "create x <@U0001|alice>",
			before: func(t *testing.T, e *testEnv) {
				ephemeralAnswer(t, e.command(t, "/call", "dialback <@U0003|carol>", "U0002", "first"))
			},
			want: "too many calls right now", code: "global_limited"},
		{name: "duplicate meeting", policy: bot.Policy{DuplicateWindow: time.Minute}, user: "U0001", cmd: "/meet", text: "create again <@U0002|bob>",
			before: func(t *testing.T, e *testEnv) {
				ephemeralAnswer(t, e.command(t, "/meet", "create standup <@U0002|bob>", "U0001", "first"))
			},
			want: "Create another one anyway", code: "duplicate"},
		{name: "number allow-list", policy: bot.Policy{NumberAllow: allowMobiles}, user: "U0001", cmd: "/meet", text: "create x 010-5388-9900",
			want: "010****9900 is not allowed", code: "number_not_allowed"},
		{name: "international off", user: "U0001", cmd: "/call", text: "dialback +44 20 7946 0958",
			want: "international numbers are not enabled", code: "international"},
		{name: "deactivated party", user: "U0001", cmd: "/call", text: "dialback <@U0002|bob>",
			before: func(t *testing.T, e *testEnv) {
				e.slack.set(func(f *fakeSlack) { f.users["U0002"] = fakeUser{Name: "bob", Locale: "en-US", Deleted: true} })
			},
			want: "has left", code: "party_offboarded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.policy.AllowRawNumbers = true
			e := setupBot(t, bot.Config{Locale: "en", Policy: c.policy})
			if c.before != nil {
				c.before(t, e)
			}
			rang := e.ringing()
			m := ephemeralAnswer(t, e.command(t, c.cmd, c.text, c.user, "refused"))
			if !strings.Contains(m.Text, c.want) {
				t.Errorf("refusal %q, want %q", m.Text, c.want)
			}
			if n := fullNumberRE.FindString(m.Text); n != "" {
				t.Errorf("refusal shows the number %s: %q", n, m.Text)
			}
			if n := e.ringing() - rang; n != 0 {
				t.Errorf("%d ringing requests reached YTX", n)
			}
			audit := e.refusedAudit(t)
			if len(audit) != 1 || audit[0].Result != "refused: "+c.code || audit[0].Actor != bot.IdentityOf(bot.Slack, team, c.user) {
				t.Fatalf("audit of refusals %+v, want one refused: %s by %s", audit, c.code, c.user)
			}
			if n := fullNumberRE.FindString(audit[0].Target); n != "" {
				t.Errorf("audit target shows %s", n)
			}
			for _, p := range e.slack.Calls("/chat.postMessage") {
				if strings.Contains(p.Form.Get("text"), c.want) {
					t.Errorf("the refusal was posted to the channel: %q", p.Form.Get("text"))
				}
			}
		})
	}
}

// TestAlertsThroughSlack: limit hits, a foreign workspace and a burst of
// bad signatures each reach the alert channel once per window, however
// often they happen; nothing about them reaches YTX.
func TestAlertsThroughSlack(t *testing.T) {
	alerts := []bot.Destination{{Platform: bot.Slack, Workspace: team, Channel: "C0ALERTS"}}
	e := setupBot(t, bot.Config{Locale: "en", Alerts: alerts, AlertWindow: time.Hour, BadSignaturesBeforeAlert: 3,
		Policy: bot.Policy{AllowRawNumbers: true, CallsPerUserPerHour: 2}})
	alertPosts := func() []string {
		e.a.Wait()
		var out []string
		for _, p := range e.slack.Calls("/chat.postMessage") {
			if p.Form.Get("channel") == "C0ALERTS" {
				out = append(out, p.Form.Get("text"))
			}
		}
		return out
	}
	ephemeralAnswer(t, e.command(t, "/call", "dialback <@U0002|bob>", "U0001", "ok"))
	for i := range 4 {
		m := ephemeralAnswer(t, e.command(t, "/call", "dialback <@U0003|carol>", "U0001", "over-"+string(rune('a'+i))))
		if !strings.Contains(m.Text, "limit of 2 rings") {
			t.Fatalf("refusal %q", m.Text)
		}
	}
	got := alertPosts()
	if len(got) != 1 || !strings.Contains(got[0], "slack:T0001:U0001 hit a limit") {
		t.Fatalf("alerts after four limit hits: %q", got)
	}

	for i := range 3 {
		body := strings.Replace(e.slash("/call", "dialback <@U0002|bob>", "U0001", "foreign-"+string(rune('a'+i))), "team_id="+team, "team_id=T0EVIL", 1)
		ephemeralAnswer(t, e.serve(signed("/slack/commands", body, time.Now(), secret)))
	}
	got = alertPosts()
	if len(got) != 2 || !strings.Contains(got[1], "T0EVIL") {
		t.Fatalf("alerts after three foreign requests: %q", got)
	}

	for i := range 5 {
		w := e.serve(signed("/slack/commands", e.slash("/call", "dialback <@U0002|bob>", "U0001", "forged-"+string(rune('a'+i))), time.Now(), "wrong-secret"))
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("forged request: %d", w.Code)
		}
	}
	got = alertPosts()
	if len(got) != 3 || !strings.Contains(got[2], "3 slack requests with a bad signature") {
		t.Fatalf("alerts after five forged requests: %q", got)
	}
	for _, a := range got {
		if strings.Contains(a, secret) || strings.Contains(a, "wrong-secret") || fullNumberRE.MatchString(a) {
			t.Errorf("alert leaks: %q", a)
		}
	}
	if n := len(e.ytxRequests(ytx.ActionDialBack)); n != 1 {
		t.Errorf("%d dial-backs reached YTX, want the first one only", n)
	}
}

// TestRunKeepsPeople: Run fills the users cache from users.list (paged), so
// that judging a party (deactivated?) and ringing them on a profile number
// cost no users.info round trip.
func TestRunKeepsPeople(t *testing.T) {
	e := setup(t, func(c *Config) { c.ProfilePhoneFallback = true })
	e.slack.set(func(f *fakeSlack) {
		for i := range 250 { // two pages of 200
			f.users[fmt.Sprintf("U9%04d", i)] = fakeUser{Name: "filler"}
		}
		f.users["U0002"] = fakeUser{Name: "bob", Deleted: true}
		f.users["U0004"] = fakeUser{Name: "dan", Phone: "+86 135 0000 0004"}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	if n := len(e.slack.waitCalls(t, "/users.list", 2)); n != 2 {
		t.Fatalf("%d users.list pages, want 2", n)
	}
	eventually(t, "cache filled", func() bool {
		e.a.usersMu.Lock()
		defer e.a.usersMu.Unlock()
		return e.a.users[team+":U0004"].known
	})
	if m := ephemeralAnswer(t, e.command(t, "/call", "dialback <@U0002|bob>", "U0001", "gone")); !strings.Contains(m.Text, "has left") {
		t.Errorf("deactivated party: %q", m.Text)
	}
	ephemeralAnswer(t, e.command(t, "/call", "dialback <@U0004|dan>", "U0001", "profile"))
	reqs := e.ytxRequests(ytx.ActionDialBack)
	if len(reqs) != 1 || !strings.Contains(reqs[0], "13500000004") {
		t.Errorf("dial-back to a profile number: %q", reqs)
	}
	for _, c := range e.slack.Calls("/users.info") {
		if u := c.Form.Get("user"); u == "U0002" || u == "U0004" {
			t.Errorf("users.info asked for %s although users.list told", u)
		}
	}
}
