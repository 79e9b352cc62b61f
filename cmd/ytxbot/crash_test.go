package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/storage"
	"github.com/ytxbot/ytxbot/ytx"
)

// socketClient talks HTTP to a serve's admin socket.
func socketClient(path string) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
}

// command runs one command through the socket; ok is true when the reply
// came back, which is what "acknowledged" means.
func command(hc *http.Client, user, text string) (string, bool) {
	body, _ := json.Marshal(handleRequest{User: user, Text: text})
	resp, err := hc.Post("http://ytxbot/v1/handle", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	var res handleResult
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&res) != nil {
		return "", false
	}
	return res.Text, true
}

type acked struct {
	phones   map[string]string // identity → number
	meetings []int64
	calls    []int64
	actions  int // audit entries the acknowledged commands wrote
}

// TestCrashSafety kills `ytxbot serve` with SIGKILL at random points while
// commands run, several rounds, and checks after each crash that every
// acknowledged mapping, meeting, call and audit entry is in the database,
// and that no ringing request reached YTX twice.
func TestCrashSafety(t *testing.T) {
	srv, sim := simServer(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "ytxbot.yaml")
	yaml := fmt.Sprintf(`http: {addr: "127.0.0.1:0", admin_addr: ""}
storage: {path: bot.db}
admins: ["console:admin"]
ytx: {base_url: %q, account_sid: %q, auth_token: %q, app_id: %q}
slack: {enabled: false}
telegram: {enabled: false}
policy: {self_service: true, calls_per_user_per_hour: 0, rings_per_target_per_hour: 0, calls_per_minute_global: 0, duplicate_window: 0s}
`, srv.URL, simDefaultSID, simDefaultToken, simDefaultApp)
	if err := os.WriteFile(conf, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := socketPath(filepath.Join(dir, "bot.db"))
	const rounds = 6
	rng := rand.New(rand.NewPCG(1, 2))
	a := acked{phones: map[string]string{}}
	next := 0
	for round := range rounds {
		p := startYtxbot(t, "serve", "--config", conf)
		p.expect(t, 0, `"msg":"admin socket"`)
		hc := socketClient(sock)
		if round == 0 {
			if _, ok := command(hc, "admin", "/phone set 13600000000"); !ok {
				t.Fatal("first command failed")
			}
			a.phones["console:admin"] = "13600000000"
			a.actions++
		}
		// Drive commands from a goroutine; kill the process after a random
		// number of them, while one is likely in flight.
		stop := make(chan struct{})
		done := make(chan struct{})
		kills := 3 + rng.IntN(18)
		issued := make(chan struct{}, 100)
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
				}
				next++
				user := "u" + strconv.Itoa(next)
				phone := fmt.Sprintf("139%08d", next)
				issued <- struct{}{}
				if _, ok := command(hc, user, "/phone set "+phone); !ok {
					return
				}
				a.phones["console:"+user] = phone
				a.actions++
				rep, ok := command(hc, "admin", "/meet create r"+strconv.Itoa(round)+" @"+user)
				if !ok {
					return
				}
				if id := refNumber(rep, "#"); id > 0 {
					a.meetings = append(a.meetings, id)
					a.actions++
				}
				rep, ok = command(hc, "admin", "/call dialback @"+user)
				if !ok {
					return
				}
				if id := refNumber(rep, "[c"); id > 0 {
					a.calls = append(a.calls, id)
					a.actions++
				}
			}
		}()
		for range kills {
			<-issued
		}
		p.cmd.Process.Kill() // SIGKILL: no drain, no close
		close(stop)
		<-done
		<-p.done
		checkDurable(t, filepath.Join(dir, "bot.db"), &a)
	}
	if len(a.meetings) == 0 || len(a.calls) == 0 {
		t.Fatalf("the rounds acknowledged %d meetings and %d calls: the test proves nothing", len(a.meetings), len(a.calls))
	}
	seen := map[string]bool{}
	for _, r := range sim.Requests() {
		if r.Action != ytx.ActionCreateMeeting && r.Action != ytx.ActionDialBack && r.Action != ytx.ActionInvite {
			continue
		}
		var f map[string]any
		json.Unmarshal(r.Body, &f)
		key := fmt.Sprint(f["CustomParm"], f["customParm"])
		if seen[key] {
			t.Errorf("ringing request sent twice: %s", r.Body)
		}
		seen[key] = true
	}
	t.Logf("%d rounds: %d mappings, %d meetings, %d calls acknowledged; %d ringing requests", rounds, len(a.phones), len(a.meetings), len(a.calls), len(seen))
}

// refNumber reads the number after prefix in a card text ("[#3]", "[c7]").
func refNumber(text, prefix string) int64 {
	i := strings.Index(text, prefix)
	if i < 0 {
		return 0
	}
	rest := text[i+len(prefix):]
	j := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if j < 0 {
		j = len(rest)
	}
	n, _ := strconv.ParseInt(rest[:j], 10, 64)
	return n
}

func checkDurable(t *testing.T, path string, a *acked) {
	t.Helper()
	db, err := storage.Open(path)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer db.Close()
	ctx := context.Background()
	for id, phone := range a.phones {
		u, err := db.User(ctx, id)
		if err != nil || u.Phone != phone {
			t.Errorf("acknowledged mapping %s=%s lost: %+v, %v", id, phone, u, err)
		}
	}
	for _, id := range a.meetings {
		if m, err := db.Meeting(ctx, id); err != nil || m.YTXID == "" {
			t.Errorf("acknowledged meeting #%d lost: %+v, %v", id, m, err)
		}
	}
	for _, id := range a.calls {
		if c, err := db.Call(ctx, id); err != nil || c.RequestID == "" {
			t.Errorf("acknowledged call c%d lost: %+v, %v", id, c, err)
		}
	}
	es, err := db.Audit(ctx, time.Time{})
	if err != nil || len(es) < a.actions {
		t.Errorf("audit has %d entries, %d acknowledged actions wrote one each (%v)", len(es), a.actions, err)
	}
	if _, err := db.Intents(ctx, "pending"); err != nil && !errors.Is(err, bot.ErrNotFound) {
		t.Error(err)
	}
}
