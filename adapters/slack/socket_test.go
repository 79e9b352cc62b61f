package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/ytxbot/ytxbot/ytx"
)

// socketServer is a fake Socket Mode endpoint: it says hello, sends the
// envelopes given, and hands every message the client writes to acks.
type socketServer struct {
	srv       *httptest.Server
	envelopes chan any
	acks      chan map[string]any
}

func newSocketServer(t *testing.T) *socketServer {
	t.Helper()
	s := &socketServer{envelopes: make(chan any, 8), acks: make(chan map[string]any, 8)}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }} // the client sends Origin: https://api.slack.com
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		if err := conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1,
			"connection_info": map[string]any{"app_id": "A0001"}}); err != nil {
			return
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				var m map[string]any
				if err := conn.ReadJSON(&m); err != nil {
					return
				}
				s.acks <- m
			}
		}()
		for {
			select {
			case env := <-s.envelopes:
				if err := conn.WriteJSON(env); err != nil {
					return
				}
			case <-done:
				return
			}
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *socketServer) ack(t *testing.T, envelope string) map[string]any {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case m := <-s.acks:
			if m["envelope_id"] == envelope {
				return m
			}
		case <-deadline.C:
			t.Fatalf("no ack for %s", envelope)
		}
	}
}

func TestSocketModeRoundTrip(t *testing.T) {
	ws := newSocketServer(t)
	e := setup(t, func(c *Config) { c.AppToken, c.SigningSecret, c.TeamID = "xapp-1-test", "", "" })
	e.slack.set(func(f *fakeSlack) { f.wsURL = "ws" + strings.TrimPrefix(ws.srv.URL, "http") + "/link" })

	// No HTTP routes in Socket Mode.
	if w := e.serve(signed("/slack/commands", "x=1", time.Now(), secret)); w.Code != http.StatusNotFound {
		t.Errorf("HTTP route served in Socket Mode: %d", w.Code)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.a.Run(ctx) }()
	eventually(t, "Ready (auth.test and connected)", e.a.Ready)
	opens := e.slack.Calls("/apps.connections.open")
	if len(opens) == 0 || opens[0].Auth != "Bearer xapp-1-test" {
		t.Fatalf("apps.connections.open calls %+v, want the app-level token", opens)
	}

	ws.envelopes <- map[string]any{
		"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": true,
		"payload": map[string]any{
			"token": "x", "team_id": team, "team_domain": "acme", "channel_id": "C0001", "channel_name": "general",
			"user_id": "U0001", "user_name": "alice", "command": "/call", "text": "dialback <@U0002|bob>",
			"api_app_id": "A0001", "is_enterprise_install": "false",
			"response_url": e.slack.srv.URL + "/response/sock-1", "trigger_id": "sock-trig-1",
		},
	}
	ack := ws.ack(t, "env-1")
	js, _ := json.Marshal(ack)
	payload, _ := ack["payload"].(map[string]any)
	if payload["response_type"] != "ephemeral" || strings.Contains(string(js), "in_channel") {
		t.Errorf("ack %s, want an ephemeral payload", js)
	}
	if n := len(e.ytxRequests(ytx.ActionDialBack)); n != 1 {
		t.Errorf("%d dial-backs at YTX, want 1", n)
	}
	if n := len(e.slack.Calls("/chat.postMessage")); n != 1 {
		t.Errorf("%d cards posted, want 1", n)
	}

	// A click is acknowledged with an empty payload and answered by response_url.
	click := clickPayload("1700000000.000001", "c:1:refresh", e.slack.srv.URL+"/response/sock-click")
	ws.envelopes <- map[string]any{"envelope_id": "env-2", "type": "interactive", "accepts_response_payload": false, "payload": click}
	if ack := ws.ack(t, "env-2"); ack["payload"] != nil {
		t.Errorf("click ack %v, want no payload", ack)
	}
	e.slack.waitCalls(t, "/response/sock-click", 1)

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if e.a.Ready() {
		t.Error("still ready after Run returned")
	}
}
