package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// TestServeRestartMidMeeting stops the real serve in the middle of a
// meeting, lets the meeting end at YTX while nothing watches, starts serve
// again on the same database: the card in Slack still reaches its final
// state and the summary is posted.
func TestServeRestartMidMeeting(t *testing.T) {
	ysrv, sim := simServer(t)
	fake := newE2EFakeSlack(t)
	fake.releaseAuth()
	cfg := slackE2EConfig(t, ysrv.URL, fake.URL())
	logs := &e2eLog{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve logs:\n%s", logs.String())
		}
	})
	// start runs serve until the returned stop is called.
	start := func() (*e2eSlackClient, func()) {
		t.Helper()
		m := &Main{Config: &cfg, Logger: slog.New(slog.NewJSONHandler(logs, nil))}
		stopServe := runServe(t, m, 15*time.Second)
		hc := &http.Client{Timeout: 5 * time.Second}
		stop := func() {
			stopServe()
			hc.CloseIdleConnections()
		}
		return &e2eSlackClient{t: t, public: "http://" + m.Addr("public").String(), fake: fake, http: hc}, stop
	}

	sc, stop := start()
	sc.command("/phone", "set 13800000001", "U0001", "alice", "t1")
	sc.command("/phone", "set 13900000002", "U0002", "bob", "t2")
	sc.command("/meet", "create standup <@U0002|bob>", "U0001", "alice", "t3")
	card := fake.waitFor(t, "the meeting card", "/chat.postMessage", func(r e2eSlackReq) bool { return strings.Contains(r.Form.Get("text"), "standup") })
	stop() // mid-meeting

	ms := sim.Meetings()
	if len(ms) != 1 || ms[0].State != "active" {
		t.Fatalf("simulator meetings: %+v", ms)
	}
	ytxc, err := ytx.New(cfg.YTXClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ytxc.DestroyMeeting(context.Background(), ms[0].ID); err != nil { // it ends while serve is down
		t.Fatal(err)
	}

	_, stop = start()
	defer stop()
	fake.waitFor(t, "the card's final state", "/chat.update", func(r e2eSlackReq) bool {
		return r.Form.Get("ts") == card.TS && strings.Contains(r.Form.Get("text"), "ended")
	})
	fake.waitFor(t, "the summary", "/chat.postMessage", func(r e2eSlackReq) bool { return strings.Contains(r.Form.Get("text"), "Summary: standup") })
}
