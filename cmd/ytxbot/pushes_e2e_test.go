package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

// TestSlackCardFollowsPushes runs the real serve with the simulator's
// pushes, duplicated and reordered, posted to /ytx/callback/{secret}: the
// dial-back card in Slack goes to connected and ends with the call
// record's duration.
func TestSlackCardFollowsPushes(t *testing.T) {
	var callback atomic.Value // serve's push URL, known once it listens
	clock := ytxsim.NewFakeClock(time.Now())
	sim, err := ytxsim.New(ytxsim.Config{AccountSID: simDefaultSID, AuthToken: simDefaultToken, AppID: simDefaultApp},
		ytxsim.WithClock(clock), ytxsim.WithPushDuplicates(true), ytxsim.WithPushReorder(true),
		ytxsim.WithPushFunc(func(ctx context.Context, body []byte) error {
			resp, err := http.Post(callback.Load().(string), "application/json", bytes.NewReader(body))
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("push: %s", resp.Status)
			}
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	ysrv := httptest.NewServer(sim)
	defer ysrv.Close()
	fake := newE2EFakeSlack(t)
	fake.releaseAuth()
	cfg := slackE2EConfig(t, ysrv.URL, fake.URL())
	cfg.Tracker.PollInterval = time.Hour // pushes alone
	logs := &e2eLog{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("serve logs:\n%s", logs.String())
		}
	})
	m := &Main{Config: &cfg, Logger: slog.New(slog.NewJSONHandler(logs, nil))}
	defer runServe(t, m, 15*time.Second)() // before the simulator closes
	public := "http://" + m.Addr("public").String()
	callback.Store(public + "/ytx/callback/" + e2ePushSecret)
	hc := &http.Client{Timeout: 5 * time.Second}
	defer hc.CloseIdleConnections()
	sc := &e2eSlackClient{t: t, public: public, fake: fake, http: hc}
	sc.command("/phone", "set 13800000001", "U0001", "alice", "t1")
	sc.command("/phone", "set 13900000002", "U0002", "bob", "t2")
	sc.command("/call", "dialback <@U0002|bob>", "U0001", "alice", "t3")
	card := fake.waitFor(t, "the call card", "/chat.postMessage", func(r e2eSlackReq) bool { return strings.Contains(r.Form.Get("text"), "[c1]") })
	tl := ytxsim.DefaultTimeline()
	step := func(d time.Duration) {
		clock.Advance(d)
		sim.Tick(context.Background())
	}
	step(tl.Ring + tl.Answer)
	step(tl.Ring + tl.Answer)
	t.Cleanup(func() {
		if t.Failed() {
			for _, r := range fake.requests("/chat.update") {
				t.Logf("chat.update: %q", r.Form.Get("text"))
			}
			for _, d := range sim.Deliveries() {
				t.Logf("push %s err=%v", d.Body, d.Err)
			}
		}
	})
	fake.waitFor(t, "connected", "/chat.update", func(r e2eSlackReq) bool {
		return r.Form.Get("ts") == card.TS && strings.Contains(r.Form.Get("text"), "connected")
	})
	step(tl.Talk)
	want := fmt.Sprintf("lasted %d:%02d", int(tl.Talk.Minutes()), int(tl.Talk.Seconds())%60)
	fake.waitFor(t, "the final duration", "/chat.update", func(r e2eSlackReq) bool {
		text := r.Form.Get("text")
		return r.Form.Get("ts") == card.TS && strings.Contains(text, "ended") && strings.Contains(text, want)
	})
}

// TestTelegramCardFollowsPushes: the same through the real serve in polling
// mode, the card edited in the group with editMessageText.
func TestTelegramCardFollowsPushes(t *testing.T) {
	var callback atomic.Value
	clock := ytxsim.NewFakeClock(time.Now())
	sim, err := ytxsim.New(ytxsim.Config{AccountSID: simDefaultSID, AuthToken: simDefaultToken, AppID: simDefaultApp},
		ytxsim.WithClock(clock), ytxsim.WithPushDuplicates(true), ytxsim.WithPushReorder(true),
		ytxsim.WithPushFunc(func(ctx context.Context, body []byte) error {
			resp, err := http.Post(callback.Load().(string), "application/json", bytes.NewReader(body))
			if err != nil {
				return err
			}
			resp.Body.Close()
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	ysrv := httptest.NewServer(sim)
	defer ysrv.Close()
	api := newTgE2EAPI(t)
	cfg := DefaultConfig()
	cfg.HTTP.Addr, cfg.HTTP.AdminAddr = "127.0.0.1:0", "127.0.0.2:0"
	cfg.Storage.Path = filepath.Join(t.TempDir(), "ytxbot.db")
	cfg.YTX.BaseURL, cfg.YTX.AccountSID, cfg.YTX.AuthToken, cfg.YTX.AppID = ysrv.URL, simDefaultSID, Secret(simDefaultToken), simDefaultApp
	cfg.YTX.CallbackSecret = Secret(e2ePushSecret)
	cfg.Slack.Enabled = false
	cfg.Telegram.Token, cfg.Telegram.ServerURL = Secret(tgE2EToken), api.srv.URL
	cfg.Telegram.AllowedChats = []int64{tgE2EGroup}
	cfg.Admins = []string{"telegram:1"}
	cfg.Tracker.PollInterval = time.Hour // pushes alone
	logs := &tgE2ELog{t: t}
	t.Cleanup(func() { logs.mu.Lock(); logs.done = true; logs.mu.Unlock() })
	m := &Main{Config: &cfg, Logger: slog.New(slog.NewTextHandler(logs, nil))}
	runServe(t, m, 25*time.Second)
	callback.Store("http://" + m.Addr("public").String() + "/ytx/callback/" + e2ePushSecret)
	api.until("the first getUpdates", func() bool { return api.offset > 0 })

	var s tgE2EScript
	s.update, s.msg = 100, 10
	u1, _ := s.say(tgE2EAlice, "/phone set "+tgE2EAlicePhone)
	u2, _ := s.say(tgE2EBob, "hi")
	u3, bobSet := s.say(tgE2EAlice, "/phone set @bob "+tgE2EBobPhone)
	api.push(u1, u2, u3)
	// Commands of one batch run concurrently: map bob before ringing him.
	api.waitFor("bob mapped", "sendMessage", func(c tgE2ECall) bool { return c.replyTo() == bobSet })
	u4, _ := s.say(tgE2EAlice, "/call dialback @bob")
	api.push(u4)
	card := api.waitFor("the call card", "sendMessage", func(c tgE2ECall) bool { return c.isCard() && strings.Contains(c.Form["text"], "c1") })
	tl := ytxsim.DefaultTimeline()
	step := func(d time.Duration) {
		clock.Advance(d)
		sim.Tick(context.Background())
	}
	step(tl.Ring + tl.Answer)
	step(tl.Ring + tl.Answer)
	step(tl.Talk)
	want := fmt.Sprintf("lasted %d:%02d", int(tl.Talk.Minutes()), int(tl.Talk.Seconds())%60)
	api.waitFor("the final duration", "editMessageText", func(c tgE2ECall) bool {
		return c.Form["message_id"] == strconv.Itoa(card.MsgID) && strings.Contains(c.Form["text"], "ended") && strings.Contains(c.Form["text"], want)
	})
}
