package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// simServer serves a simulator with the `ytxbot sim` default account.
func simServer(t *testing.T) (*httptest.Server, *ytxsim.Sim) {
	t.Helper()
	sim, err := ytxsim.New(ytxsim.Config{AccountSID: simDefaultSID, AuthToken: simDefaultToken, AppID: simDefaultApp})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return srv, sim
}

// TestServeMain runs the real serve process (Main) against the simulator:
// health, readiness and metrics answer, and cancel stops it cleanly.
func TestServeMain(t *testing.T) {
	srv, _ := simServer(t)
	cfg := DefaultConfig()
	cfg.HTTP.Addr, cfg.HTTP.AdminAddr = "127.0.0.1:0", "127.0.0.2:0"
	cfg.Storage.Path = filepath.Join(t.TempDir(), "ytxbot.db")
	cfg.YTX.CallbackSecret = Secret("push-secret-0123456789")
	cfg.Slack.Enabled, cfg.Telegram.Enabled = false, false
	cfg.YTX.BaseURL, cfg.YTX.AccountSID, cfg.YTX.AuthToken, cfg.YTX.AppID = srv.URL, simDefaultSID, Secret(simDefaultToken), simDefaultApp
	var logs strings.Builder
	m := &Main{Config: &cfg, Logger: slog.New(slog.NewJSONHandler(&syncWriter{w: &logs}, nil))}
	stop := runServe(t, m, 25*time.Second)
	public, admin := "http://"+m.Addr("public").String(), "http://"+m.Addr("admin").String()
	if code, body := get(t, public+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("healthz: %d %q", code, body)
	}
	if code, _ := get(t, public+"/readyz"); code != 200 {
		t.Errorf("readyz: %d", code)
	}
	if code, _ := get(t, public+"/nosuch"); code != 404 {
		t.Errorf("unknown path: %d", code)
	}
	code, body := get(t, admin+"/metrics")
	if code != 200 || !strings.Contains(body, `ytxbot_http_requests_total{code="200",route="GET /healthz"} 1`) ||
		!strings.Contains(body, `route="unmatched"`) || !strings.Contains(body, "ytxbot_meetings_tracked 0") {
		t.Errorf("metrics: %d\n%s", code, body)
	}
	if code, _ := get(t, public+"/metrics"); code == 200 {
		t.Error("metrics are served on the public listener")
	}
	// YTX pushes: wrong secret 404, malformed 400, oversized 413, unmatched kept.
	post := func(path, body string) int {
		resp, err := http.Post(public+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		path, body string
		want       int
	}{
		{"/ytx/callback/wrong-secret-0123456789", `{"requestid":"1","state":"answer"}`, 404},
		{"/ytx/callback/push-secret-0123456789", `not json`, 400},
		{"/ytx/callback/push-secret-0123456789", `[1,2]`, 400},
		{"/ytx/callback/push-secret-0123456789", `{"x":"` + strings.Repeat("a", maxPushBytes) + `"}`, 413},
		{"/ytx/callback/push-secret-0123456789", `{"requestid":"nope","dsc":"13800000001","state":"answer"}`, 200},
	} {
		if got := post(tc.path, tc.body); got != tc.want {
			t.Errorf("POST %s %.20q: %d, want %d", tc.path, tc.body, got, tc.want)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ps, _ := m.store.Pushes(context.Background(), time.Time{})
		if len(ps) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("unmatched push not kept: %d", len(ps))
		}
		runtime.Gosched()
	}
	stop()
	if strings.Contains(logs.String(), simDefaultToken) {
		t.Error("logs carry the auth token")
	}
}

// syncWriter serialises writes from the server's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// TestServeSIGTERM runs `ytxbot serve` as a subprocess and stops it with
// SIGTERM: it must drain and exit 0.
func TestServeSIGTERM(t *testing.T) {
	srv, _ := simServer(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "ytxbot.yaml")
	yaml := fmt.Sprintf(`http: {addr: "127.0.0.1:0", admin_addr: "127.0.0.2:0"}
ytx: {base_url: %q, account_sid: %q, auth_token_file: token, app_id: %q}
slack: {enabled: false}
telegram: {enabled: false}
`, srv.URL, simDefaultSID, simDefaultApp)
	if err := os.WriteFile(conf, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte(simDefaultToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startYtxbot(t, "serve", "--config", conf)
	p.expect(t, 0, `"listener":"public"`)
	m := regexp.MustCompile(`"listener":"public","addr":"([^"]+)"`).FindStringSubmatch(p.output())
	if m == nil {
		t.Fatalf("no public address in the logs:\n%s", p.output())
	}
	if code, _ := get(t, "http://"+m[1]+"/healthz"); code != 200 {
		t.Fatalf("healthz: %d", code)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.output())
		}
	case <-time.After(25 * time.Second):
		t.Fatal("serve did not stop on SIGTERM")
	}
	if !strings.Contains(p.output(), `"msg":"stopped"`) || strings.Contains(p.output(), simDefaultToken) {
		t.Errorf("logs:\n%s", p.output())
	}
}

// runServe runs m, returning once it listens. stop cancels Run and waits up
// to wait for it, reporting its error or a hang; it is a no-op after the
// first call and also runs when the test ends, so serve never outlives the
// fakes it talks to.
func runServe(t *testing.T, m *Main, wait time.Duration) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("serve: %v", err)
				}
			case <-time.After(wait):
				t.Errorf("serve did not stop within %v", wait)
			}
		})
	}
	t.Cleanup(stop)
	select {
	case <-m.Listening():
	case err := <-done:
		once.Do(cancel)
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(wait):
		t.Fatal("serve did not listen")
	}
	return stop
}
