package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// TestPushAnsweredAfterApplied: a push is answered 200 only once applied
// (stored), 503 when it could not be, and one beyond maxPushesAtOnce
// waits for a slot (503 when none comes within the timeout).
func TestPushAnsweredAfterApplied(t *testing.T) {
	const secret = "push-secret-push-secret"
	post := func(h http.Handler) int {
		r := httptest.NewRequest(http.MethodPost, "/ytx/callback/"+secret, strings.NewReader(`{"confid":"c1","state":"join","phone":"13800000001"}`))
		r.SetPathValue("secret", secret)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	var mu sync.Mutex
	applied := 0
	ok := newPushHandler(secret, func(context.Context, *ytx.Push) (bool, error) {
		mu.Lock()
		defer mu.Unlock()
		applied++
		return true, nil
	}, slog.New(slog.DiscardHandler))
	if code := post(ok); code != http.StatusOK || applied != 1 {
		t.Errorf("applied push: %d, applied %d", code, applied)
	}
	failing := newPushHandler(secret, func(context.Context, *ytx.Push) (bool, error) {
		return false, errors.New("store closed")
	}, slog.New(slog.DiscardHandler))
	if code := post(failing); code != http.StatusServiceUnavailable {
		t.Errorf("push not applied: %d, want 503", code)
	}

	entered, release := make(chan struct{}, maxPushesAtOnce), make(chan struct{})
	slow := newPushHandler(secret, func(context.Context, *ytx.Push) (bool, error) {
		entered <- struct{}{}
		<-release
		return true, nil
	}, slog.New(slog.DiscardHandler))
	codes := make(chan int, maxPushesAtOnce)
	for range maxPushesAtOnce {
		go func() { codes <- post(slow) }()
	}
	for range maxPushesAtOnce {
		<-entered
	}
	slow.timeout = 50 * time.Millisecond // no slot comes free
	if code := post(slow); code != http.StatusServiceUnavailable {
		t.Errorf("push beyond %d at once: %d, want 503", maxPushesAtOnce, code)
	}
	slow.timeout = 10 * time.Second
	late := make(chan int, 1)
	go func() { late <- post(slow) }() // waits for a slot
	close(release)
	if code := <-late; code != http.StatusOK {
		t.Errorf("push that waited for a slot: %d", code)
	}
	for range maxPushesAtOnce {
		if code := <-codes; code != http.StatusOK {
			t.Errorf("push applied after waiting: %d", code)
		}
	}
	slow.Wait()
}

// TestShutdownCancelsSlowPoll: SIGTERM while a poll waits on a slow YTX
// (ytx.timeout 25 s): serve cancels the poll rather than wait for it.
func TestShutdownCancelsSlowPoll(t *testing.T) {
	ysrv, sim := simServer(t)
	fake := newE2EFakeSlack(t)
	fake.releaseAuth()
	cfg := slackE2EConfig(t, ysrv.URL, fake.URL())
	cfg.YTX.Timeout = 25 * time.Second
	m := &Main{Config: &cfg, Logger: slog.New(slog.DiscardHandler)}
	stop := runServe(t, m, 20*time.Second)
	public := "http://" + m.Addr("public").String()
	sc := &e2eSlackClient{t: t, public: public, fake: fake, http: &http.Client{Timeout: 5 * time.Second}}
	sc.command("/phone", "set 13800000001", "U0001", "alice", "t1")
	sc.command("/phone", "set 13900000002", "U0002", "bob", "t2")
	sc.command("/meet", "create standup <@U0002|bob>", "U0001", "alice", "t3")
	fake.waitFor(t, "the meeting card", "/chat.postMessage", func(r e2eSlackReq) bool { return strings.Contains(r.Form.Get("text"), "standup") })

	release := sim.Gate(ytx.ActionQueryMeeting) // YTX is slow now
	defer release()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for sim.Held(ytx.ActionQueryMeeting) == 0 { // until a poll holds the meeting
		select {
		case <-deadline:
			t.Fatal("no poll reached YTX")
		case <-tick.C:
		}
	}
	start := time.Now()
	stop()
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("serve took %v to stop behind a slow poll (ytx.timeout 25 s)", took.Round(time.Second))
	}
}

// TestListenerBindFailureClosesAll: when one listener cannot bind, Run
// returns and no other listener is left answering.
func TestListenerBindFailureClosesAll(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	srv, _ := simServer(t)
	for i := range 10 { // map order decides which listener binds first
		for _, busyOne := range []string{"public", "admin"} {
			free := freeAddr(t) // where the other listener goes
			cfg := DefaultConfig()
			cfg.HTTP.Addr, cfg.HTTP.AdminAddr = free, busy.Addr().String()
			if busyOne == "public" {
				cfg.HTTP.Addr, cfg.HTTP.AdminAddr = busy.Addr().String(), free
			}
			cfg.Storage.Path = filepath.Join(t.TempDir(), "ytxbot.db")
			cfg.YTX.BaseURL, cfg.YTX.AccountSID, cfg.YTX.AuthToken, cfg.YTX.AppID = srv.URL, simDefaultSID, Secret(simDefaultToken), simDefaultApp
			cfg.Telegram.Enabled, cfg.Slack.Enabled = false, false
			m := &Main{Config: &cfg, Logger: slog.New(slog.DiscardHandler)}
			err := m.Run(context.Background())
			if err == nil || !strings.Contains(err.Error(), "listener") {
				t.Fatalf("round %d, %s busy: Run returned %v", i, busyOne, err)
			}
			if c, err := net.DialTimeout("tcp", free, time.Second); err == nil {
				c.Close()
				t.Fatalf("round %d, %s busy: the other listener %s still accepts", i, busyOne, free)
			}
		}
	}
}

// freeAddr is a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestAdminSocketOwnership: serve refuses an admin socket path that holds
// something else than its user's socket, and the CLI does not talk to a
// socket another user owns (it could be put first in a shared directory).
func TestAdminSocketOwnership(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.sock")
	if err := os.WriteFile(plain, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if ln, err := listenAdmin(plain); err == nil || !strings.Contains(err.Error(), "not a socket of this user") {
		if ln != nil {
			ln.Close()
		}
		t.Errorf("listenAdmin over a plain file: %v", err)
	}
	if dialAdmin(plain) != nil {
		t.Error("dialAdmin used a plain file")
	}
	mine := filepath.Join(dir, "mine.sock")
	ln, err := listenAdmin(mine)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })}
	go srv.Serve(ln)
	defer srv.Close()
	if dialAdmin(mine) == nil {
		t.Fatal("dialAdmin refused this user's own socket")
	}
	if os.Getuid() == 0 { // only root can give a socket to another user
		if err := os.Chown(mine, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if dialAdmin(mine) != nil {
			t.Error("dialAdmin used a socket another user owns")
		}
	}
}
