package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/ytx"
)

func alertPosts(e interface{ Posts() []*bot.Card }) []*bot.Card {
	var out []*bot.Card
	for _, c := range e.Posts() {
		if c.Kind == bot.AlertKind {
			out = append(out, c)
		}
	}
	return out
}

// TestAlertsOncePerWindow: account-level YTX refusals and limit hits reach
// the alert channel once per incident window, not once per request.
func TestAlertsOncePerWindow(t *testing.T) {
	alerts := []bot.Destination{{Platform: bot.Console, Channel: "alerts"}}
	e := demo(t, bot.Config{Alerts: alerts, AlertWindow: time.Hour, Policy: bot.Policy{CallsPerUserPerHour: 6}})
	e.Sim.FailNext(ytx.ActionDialBack, ytx.CodeLowBalance, 3)
	for range 3 {
		e.Say("alice", "/call dialback @bob")
	}
	got := alertPosts(e.Notifier)
	if len(got) != 1 || !strings.Contains(got[0].Note, "-204") || !strings.Contains(got[0].Note, "top up") {
		t.Fatalf("alerts after three -204: %d %+v", len(got), got)
	}
	for range 3 { // 6 rings an hour: the fourth create on is refused
		e.Say("bob", "/meet create x @carol")
		e.Say("bob", "/meet create y @dave")
	}
	got = alertPosts(e.Notifier)
	if len(got) != 2 || !strings.Contains(got[1].Note, "console:bob hit a limit") {
		t.Fatalf("alerts after repeated limit hits: %d", len(got))
	}
	for _, c := range got {
		if fullNumber.MatchString(c.Text()) {
			t.Errorf("alert shows a number: %s", c.Text())
		}
	}
	e.Advance(time.Hour)
	e.Sim.FailNext(ytx.ActionDialBack, ytx.CodeLowBalance, 1)
	e.Say("carol", "/call dialback @alice")
	if n := len(alertPosts(e.Notifier)); n != 3 {
		t.Errorf("a new window did not alert again: %d alerts", n)
	}
}
