package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
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

// TestServeMain runs the real serve process (Main) against the simulator:
// health, readiness and metrics answer, and cancel stops it cleanly.
func TestServeMain(t *testing.T) {
	sim, err := ytxsim.New(ytxsim.Config{AccountSID: simDefaultSID, AuthToken: simDefaultToken, AppID: simDefaultApp})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	cfg := DefaultConfig()
	cfg.HTTP.Addr, cfg.HTTP.AdminAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.YTX.BaseURL, cfg.YTX.AccountSID, cfg.YTX.AuthToken, cfg.YTX.AppID = srv.URL, simDefaultSID, Secret(simDefaultToken), simDefaultApp
	var logs strings.Builder
	m := &Main{Config: &cfg, Logger: slog.New(slog.NewJSONHandler(&syncWriter{w: &logs}, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	select {
	case <-m.Listening():
	case err := <-done:
		t.Fatalf("serve stopped: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not listen")
	}
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
		!strings.Contains(body, `route="unmatched"`) {
		t.Errorf("metrics: %d\n%s", code, body)
	}
	if code, _ := get(t, public+"/metrics"); code == 200 {
		t.Error("metrics are served on the public listener")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("serve did not stop")
	}
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
