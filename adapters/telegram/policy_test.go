package telegram

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
	"github.com/ytxbot/ytxbot/ytx"
)

var fullNumberRE = regexp.MustCompile(`1[3-9]\d{9}|0[1-9]\d{9,10}`)

func (e *env) ringing() int {
	return e.Sim.Count(ytx.ActionCreateMeeting) + e.Sim.Count(ytx.ActionInvite) + e.Sim.Count(ytx.ActionDialBack)
}

// TestPolicyThroughTelegram: the consent rules and limits, through updates
// and the fake Bot API: nothing rings, the requester gets a private answer
// (their private chat exists) naming the rule and never the number, the
// group sees nothing, and the audit log records the refusal.
func TestPolicyThroughTelegram(t *testing.T) {
	cases := []struct {
		name   string
		policy bot.Policy
		before func(e *env)
		text   string
		want   string
		code   string
	}{
		{name: "do not disturb", text: "/call dialback @bob", want: "Bob has turned on do not disturb", code: "dnd",
			before: func(e *env) { e.send(e.msg(privateChat(bob), bob, "/phone dnd on")) }},
		{name: "rings per target", policy: bot.Policy{RingsPerTargetPerHour: 1}, text: "/call dialback @bob",
			want: "Bob has reached the limit of 1 rings an hour", code: "target_limited",
			before: func(e *env) { e.send(e.msg(group, carol, "/call dialback 13900000002")) }},
		{name: "calls per user", policy: bot.Policy{CallsPerUserPerHour: 2}, text: "/meet create x @bob",
			want: "limit of 2 rings per hour", code: "rate_limited",
			before: func(e *env) { e.send(e.msg(group, alice, "/call dialback 13700000003")) }},
		{name: "calls per minute global", policy: bot.Policy{CallsPerMinuteGlobal: 2}, text: "/call dialback @bob",
			want: "too many calls right now", code: "global_limited",
			before: func(e *env) { e.send(e.msg(group, carol, "/call dialback 13900000002")) }},
		{name: "duplicate meeting", policy: bot.Policy{DuplicateWindow: time.Minute}, text: "/meet create again @bob",
			want: "Create another one anyway", code: "duplicate",
			before: func(e *env) { e.send(e.msg(group, alice, "/meet create standup @bob")) }},
		{name: "left every allowed chat", text: "/call dialback @bob", want: "has left", code: "party_offboarded",
			before: func(e *env) { e.api.setMember(bob.ID, "left") }},
		{name: "international off", text: "/call dialback +44 20 7946 0958", want: "international numbers are not enabled", code: "international"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.policy.AllowRawNumbers, c.policy.SelfService = true, true
			e := setupBot(t, bot.Config{Policy: c.policy}).started()
			e.send(e.msg(privateChat(alice), alice, "/start"))
			if c.before != nil {
				c.before(e)
			}
			rang, inGroup, private := e.ringing(), len(e.sent(group.ID)), len(e.sent(alice.ID))
			e.send(e.msg(group, alice, c.text))
			if n := e.ringing() - rang; n != 0 {
				t.Errorf("%d ringing requests reached YTX", n)
			}
			priv := e.sent(alice.ID)
			if len(priv) != private+1 {
				t.Fatalf("%d private answers, want 1", len(priv)-private)
			}
			txt := priv[len(priv)-1].Form["text"]
			if !strings.Contains(txt, c.want) {
				t.Errorf("refusal %q, want %q", txt, c.want)
			}
			if n := fullNumberRE.FindString(txt); n != "" {
				t.Errorf("refusal shows the number %s", n)
			}
			for _, m := range e.sent(group.ID)[inGroup:] {
				if strings.Contains(m.Form["text"], c.want) {
					t.Errorf("the refusal went to the group: %q", m.Form["text"])
				}
			}
			es, err := e.Store.Audit(context.Background(), bottest.Start.Add(-time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			var refused []bot.AuditEntry
			for _, a := range es {
				if strings.HasPrefix(a.Result, "refused: ") {
					refused = append(refused, a)
				}
			}
			if len(refused) != 1 || refused[0].Result != "refused: "+c.code || refused[0].Actor != identity(alice.ID) {
				t.Fatalf("audit of refusals %+v, want one refused: %s", refused, c.code)
			}
		})
	}
}

// TestAlertsThroughTelegram: a burst of webhook requests with a wrong
// secret and repeated refusals each reach the alert chat once per window.
func TestAlertsThroughTelegram(t *testing.T) {
	const secret = "s3cret_-"
	alerts := []bot.Destination{{Platform: bot.Telegram, Channel: "-1009999"}}
	e := setupBot(t, bot.Config{Alerts: alerts, AlertWindow: time.Hour, BadSignaturesBeforeAlert: 3, RefusalsBeforeAlert: 3,
		Policy: bot.Policy{AllowRawNumbers: true}}, func(c *Config) {
		c.Mode, c.WebhookURL, c.WebhookSecret = ModeWebhook, "https://bot.example/telegram/webhook", secret
	}).started()
	alertsSent := func() []string {
		var out []string
		for _, m := range e.sent(-1009999) {
			out = append(out, m.Form["text"])
		}
		return out
	}
	mux := http.NewServeMux()
	e.a.Routes(mux)
	for range 5 {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodPost, WebhookPath, bytes.NewReader([]byte(`{"update_id":1}`)))
		r.Header.Set("X-Telegram-Bot-Api-Secret-Token", "guess")
		mux.ServeHTTP(w, r)
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("wrong secret: %d", w.Code)
		}
	}
	got := alertsSent()
	if len(got) != 1 || !strings.Contains(got[0], "3 telegram requests with a bad signature or secret") {
		t.Fatalf("alerts after five wrong secrets: %q", got)
	}
	for range 4 {
		e.send(e.msg(group, alice, "/call dialback @dave")) // nobody knows @dave
	}
	got = alertsSent()
	if len(got) != 2 || !strings.Contains(got[1], "telegram:1001 was refused 3 times") {
		t.Fatalf("alerts after four refusals: %q", got)
	}
	for _, a := range got {
		if strings.Contains(a, secret) || strings.Contains(a, testToken) || fullNumberRE.MatchString(a) {
			t.Errorf("alert leaks: %q", a)
		}
	}
	if n := e.ringing(); n != 0 {
		t.Errorf("%d ringing requests reached YTX", n)
	}
}
