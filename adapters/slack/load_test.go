//go:build unix

package slack_test

// The load benchmark of SPEC §10: distinct, correctly signed `/call
// dialback` slash commands over real HTTP on loopback, through the real
// Slack adapter and core (bbolt store, ytx.Client, YTX simulator, a fake
// Slack Web API), beside a hand-written net/http handler doing the same
// work, in the same run, at 50 and 200 concurrent clients. With -bolt, the
// same work written with Slack's Bolt for JavaScript (bench/bolt, run as a
// node subprocess against the same simulator and fake Slack) is measured
// too, in the same run.
//
//	go test -run='^$' -bench=SlackDialBack -benchtime=10000x ./adapters/slack/
//	go test -run='^$' -bench=SlackDialBack -benchtime=5000x ./adapters/slack/ -args -bolt
//
// Each sub-benchmark (ytxbot/c=50, minimal/c=50, [bolt/c=50,]
// ytxbot/c=200, minimal/c=200[, bolt/c=200]) sends b.N requests; the
// minimal one logs the ratio ytxbot/minimal for its concurrency, the bolt
// one the ratios ytxbot/bolt and ytxbot/minimal (-v also prints a summary).
// It does not run in plain `go test`, and only -bolt needs node and npm.
// See docs/LOAD.md for the figures and how to read them.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ytxbot/ytxbot/adapters/slack"
	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/memstore"
	"github.com/ytxbot/ytxbot/storage"
	"github.com/ytxbot/ytxbot/ytx"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

const (
	loadSecret   = "8f742231b10e8888abcd99yyyzzz85a5"
	loadTeam     = "T0001"
	loadToken    = "xoxb-load-token"
	loadUsers    = 10000 // mapped users in the store (SPEC §10)
	loadCallers  = 1000  // callers cycle over U00000…U00999; callees are U01000…U09999
	loadWarmup   = loadCallers
	loadChannel  = "C0001"
	loadMaxConns = 512 // idle keep-alive connections per host, above the highest concurrency

	ytxSID   = "ACloadtest00000000000000000000001"
	ytxToken = "TOKloadtest0000000000000000000001"
	ytxApp   = "apploadtest"

	// The ephemeral answers both handlers give.
	doneText    = "Done: the status card is in the channel."
	workingText = "Working on it…" // the adapter's answer when the core took longer than AckWithin
)

// boltFlag adds the Bolt for JavaScript side (bench/bolt) to
// BenchmarkSlackDialBack. Off by default so that machines without node
// still run the rest.
var boltFlag = flag.Bool("bolt", false, "BenchmarkSlackDialBack: also measure bench/bolt (Slack's Bolt for JavaScript; needs node and npm)")

// memFlag puts the bot on the in-memory store (bot/memstore) instead of
// bbolt: nothing durable, so the ytxbot side shows what the rest of the
// path (adapter, core, slack-go, YTX client) costs beside the minimal
// handler. A measurement of the ceiling, never a configuration ytxbot has.
var memFlag = flag.Bool("memstore", false, "BenchmarkSlackDialBack: run the bot on the in-memory store (no durable writes) to measure the ceiling")

// loadPhone is user i's mobile: distinct per user.
func loadPhone(i int) string { return fmt.Sprintf("138%08d", i) }

func loadUserID(i int) string { return fmt.Sprintf("U%05d", i) }

// loadPair is request n's caller and callee: the callers cycle over the
// first loadCallers users (whose users.info the warm-up cached), the callee
// moves on every round, so no (caller, callee) pair repeats for 9,000,000
// requests and the callee is never the caller.
func loadPair(n int64) (caller, callee int) {
	caller = int(n % loadCallers)
	round := n / loadCallers
	callee = loadCallers + int((round+int64(caller)*37)%(loadUsers-loadCallers))
	return caller, callee
}

// loadSlack is a lean fake of the Slack Web API: it counts what it is
// asked and records nothing, so that it costs the same for both sides
// however long the run.
type loadSlack struct {
	posts     atomic.Int64
	usersInfo atomic.Int64
	usersList atomic.Int64 // pages served
	responses atomic.Int64
	other     atomic.Int64
}

func (f *loadSlack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path != "/auth.test" && !strings.HasPrefix(r.URL.Path, "/response/") &&
		r.PostForm.Get("token") != loadToken && r.Header.Get("Authorization") != "Bearer "+loadToken {
		_, _ = io.WriteString(w, `{"ok":false,"error":"invalid_auth"}`)
		return
	}
	switch p := r.URL.Path; {
	case p == "/auth.test":
		_, _ = io.WriteString(w, `{"ok":true,"url":"https://acme.slack.com/","team":"Acme","user":"ytxbot","team_id":"`+loadTeam+`","user_id":"UBOT","bot_id":"BBOT"}`)
	case p == "/users.list":
		// The workspace's people, in pages as Slack serves them: the
		// adapter's Run keeps its users cache filled from this.
		start, _ := strconv.Atoi(r.PostForm.Get("cursor"))
		limit, _ := strconv.Atoi(r.PostForm.Get("limit"))
		end := min(start+max(limit, 1), loadUsers)
		var sb strings.Builder
		sb.WriteString(`{"ok":true,"members":[`)
		for i := start; i < end; i++ {
			if i > start {
				sb.WriteByte(',')
			}
			id := loadUserID(i)
			fmt.Fprintf(&sb, `{"id":%q,"team_id":%q,"name":%q,"deleted":false,"locale":"en-US","profile":{"display_name":%q}}`,
				id, loadTeam, strings.ToLower(id), strings.ToLower(id))
		}
		next := ""
		if end < loadUsers {
			next = strconv.Itoa(end)
		}
		fmt.Fprintf(&sb, `],"response_metadata":{"next_cursor":%q}}`, next)
		f.usersList.Add(1)
		_, _ = io.WriteString(w, sb.String())
	case p == "/users.info":
		f.usersInfo.Add(1)
		id := r.PostForm.Get("user")
		fmt.Fprintf(w, `{"ok":true,"user":{"id":%q,"name":%q,"deleted":false,"locale":"en-US","profile":{"display_name":%q}}}`,
			id, strings.ToLower(id), strings.ToLower(id))
	case p == "/chat.postMessage":
		if r.PostForm.Get("channel") == "" || (r.PostForm.Get("text") == "" && r.PostForm.Get("blocks") == "") {
			_, _ = io.WriteString(w, `{"ok":false,"error":"no_text"}`)
			return
		}
		n := f.posts.Add(1)
		fmt.Fprintf(w, `{"ok":true,"channel":%q,"ts":"1700000000.%06d"}`, r.PostForm.Get("channel"), n)
	case strings.HasPrefix(p, "/response/"):
		f.responses.Add(1)
		_, _ = io.WriteString(w, "ok")
	default:
		f.other.Add(1)
		_, _ = io.WriteString(w, `{"ok":false,"error":"unknown_method"}`)
	}
}

// keepAlive is a transport that keeps enough idle connections per host for
// the highest concurrency (the default keeps 2).
func keepAlive() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 0
	tr.MaxIdleConnsPerHost = loadMaxConns
	tr.IdleConnTimeout = 5 * time.Minute
	return tr
}

// minimalHandler is the baseline of SPEC §10: the same work as the bot's
// dial-back, written straight on net/http with no framework. The numbers
// are read from a bbolt file of its own (the store's file is locked by the
// bot): one read transaction, two Gets. It writes nothing durable.
type minimalHandler struct {
	secret  []byte
	db      *bolt.DB
	ytx     *ytx.Client
	http    *http.Client
	postURL string
}

var minimalBucket = []byte("phones")

func (m *minimalHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.ContentLength > slack.MaxBody {
		http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		return
	}
	stamp := r.Header.Get("X-Slack-Request-Timestamp")
	sig, ok := strings.CutPrefix(r.Header.Get("X-Slack-Signature"), "v0=")
	sec, err := strconv.ParseInt(stamp, 10, 64)
	if !ok || err != nil {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if d := time.Since(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	want, err := hex.DecodeString(sig)
	if err != nil {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, slack.MaxBody))
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	mac := hmac.New(sha256.New, m.secret)
	mac.Write([]byte("v0:" + stamp + ":"))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), want) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	team, caller, channel := form.Get("team_id"), form.Get("user_id"), form.Get("channel_id")
	if team != loadTeam {
		m.answer(w, "ytxbot is not enabled in this workspace.")
		return
	}
	rest, ok := strings.CutPrefix(strings.TrimSpace(form.Get("text")), "dialback ")
	callee, ok2 := strings.CutPrefix(strings.TrimSpace(rest), "<@")
	if !ok || !ok2 || !strings.HasSuffix(callee, ">") || form.Get("command") != "/call" {
		m.answer(w, "Usage: /call dialback @someone")
		return
	}
	callee, _, _ = strings.Cut(strings.TrimSuffix(callee, ">"), "|")
	var from, to string
	_ = m.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(minimalBucket)
		from = string(b.Get([]byte("slack:" + team + ":" + caller)))
		to = string(b.Get([]byte("slack:" + team + ":" + callee)))
		return nil
	})
	if from == "" || to == "" || from == to {
		m.answer(w, "Both of you need a phone number.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	call, err := m.ytx.DialBack(ctx, &ytx.DialBackParams{From: from, To: to, MaxDuration: 30 * time.Minute})
	if err != nil {
		m.answer(w, "The call failed.")
		return
	}
	mf, mt := mask(from), mask(to)
	text := "Call " + mf + " → " + mt + ": ringing"
	blocks := `[{"type":"section","text":{"type":"mrkdwn","text":"*Call* ` + mf + ` → ` + mt + `\nringing · request ` + call.RequestID +
		`"}},{"type":"actions","elements":[{"type":"button","action_id":"again","text":{"type":"plain_text","text":"Call again"}}]}]`
	post := url.Values{"token": {loadToken}, "channel": {channel}, "text": {text}, "blocks": {blocks}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.postURL, strings.NewReader(post.Encode()))
	if err != nil {
		m.answer(w, "The card could not be posted.")
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := m.http.Do(req)
	if err != nil {
		m.answer(w, "The card could not be posted.")
		return
	}
	var ok3 struct {
		OK bool `json:"ok"`
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&ok3)
	resp.Body.Close()
	if err != nil || !ok3.OK {
		m.answer(w, "The card could not be posted.")
		return
	}
	m.answer(w, doneText)
}

func (m *minimalHandler) answer(w http.ResponseWriter, text string) {
	b, _ := json.Marshal(struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}{"ephemeral", text})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func mask(phone string) string {
	if len(phone) < 8 {
		return "****"
	}
	return phone[:3] + "****" + phone[len(phone)-4:]
}

// loadEnv is everything the sides share: one HTTP server on loopback
// serving the adapter's routes and the minimal handler, the YTX simulator
// and the fake Slack API on loopback (which the Bolt app, when started, is
// pointed at too), and the client pool.
type loadEnv struct {
	base      string // the bot server
	slackBase string // the fake Slack API
	ytxBase   string // the YTX simulator
	client    *http.Client
	slack     *loadSlack
	sim       *ytxsim.Sim
	adapter   *slack.Adapter
	journal   *journal     // with -journal
	seq       atomic.Int64 // request number: trigger ids and caller/callee pairs
}

func newLoadEnv(b *testing.B) *loadEnv {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()

	// YTX simulator, pushes off (no callback URL, no push func).
	sim, err := ytxsim.New(ytxsim.Config{AccountSID: ytxSID, AuthToken: ytxToken, AppID: ytxApp, Timeline: ytxsim.DemoTimeline()})
	if err != nil {
		b.Fatal(err)
	}
	simSrv := httptest.NewServer(sim)
	b.Cleanup(simSrv.Close)
	ytxHTTP := &http.Client{Timeout: 10 * time.Second, Transport: keepAlive()}
	b.Cleanup(ytxHTTP.CloseIdleConnections)
	client, err := ytx.New(ytx.Config{BaseURL: simSrv.URL, AccountSID: ytxSID, AuthToken: ytxToken, AppID: ytxApp},
		ytx.WithHTTPClient(ytxHTTP))
	if err != nil {
		b.Fatal(err)
	}

	// Fake Slack Web API.
	fs := &loadSlack{}
	slackSrv := httptest.NewServer(fs)
	b.Cleanup(slackSrv.Close)
	slackHTTP := &http.Client{Timeout: 10 * time.Second, Transport: keepAlive()}
	b.Cleanup(slackHTTP.CloseIdleConnections)

	// The store: bbolt with 10,000 mapped users.
	db, err := storage.Open(filepath.Join(dir, "ytxbot.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	users := make([]*bot.User, loadUsers)
	for i := range users {
		users[i] = &bot.User{Identity: bot.IdentityOf(bot.Slack, loadTeam, loadUserID(i)), Name: fmt.Sprintf("user%05d", i),
			Phone: loadPhone(i), Updated: time.Now()}
	}
	if _, err := db.ImportUsers(ctx, users); err != nil {
		b.Fatal(err)
	}

	// The core and the adapter, wired as cmd/ytxbot does, limits out of the way.
	var store bot.Store = db
	var journaled *journal
	if *memFlag || *journalFlag {
		ms := memstore.New()
		for _, u := range users {
			if err := ms.PutUser(ctx, u); err != nil {
				b.Fatal(err)
			}
		}
		store = ms
		if *journalFlag {
			journaled = newJournal(b, filepath.Join(dir, "journal"))
			store = &journalStore{Store: ms, j: journaled}
		}
	}
	core, err := bot.New(bot.Config{Locale: "en", Policy: bot.Policy{
		CallsPerUserPerHour: 0, RingsPerTargetPerHour: 0, CallsPerMinuteGlobal: 0, DuplicateWindow: 0,
	}}, store, client)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(core.Wait)
	a, err := slack.New(slack.Config{TeamID: loadTeam, SigningSecret: loadSecret, BotToken: loadToken, APIURL: slackSrv.URL + "/"},
		core, slack.WithHTTPClient(slackHTTP))
	if err != nil {
		b.Fatal(err)
	}
	core.RegisterNotifier(bot.Slack, a)
	core.RegisterDirectory(bot.Slack, a)
	core.RegisterRoster(bot.Slack, a)
	b.Cleanup(a.Wait)
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- a.Run(runCtx) }()
	b.Cleanup(func() {
		stop()
		if err := <-ran; err != nil {
			b.Errorf("adapter Run: %v", err)
		}
	})
	waitReady(b, a, ran)
	// Run fills the users cache from users.list in the background; do it
	// now, so that the warm-up finds it full (steady state).
	if err := a.Refresh(ctx); err != nil {
		b.Fatal(err)
	}

	// The minimal handler's own bbolt file with the same 10,000 numbers.
	mdb, err := bolt.Open(filepath.Join(dir, "minimal.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = mdb.Close() })
	err = mdb.Update(func(tx *bolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists(minimalBucket)
		if err != nil {
			return err
		}
		for _, u := range users {
			if err := bk.Put([]byte(u.Identity), []byte(u.Phone)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	minimal := &minimalHandler{secret: []byte(loadSecret), db: mdb, ytx: client, http: slackHTTP, postURL: slackSrv.URL + "/chat.postMessage"}

	// One real server on loopback for both.
	mux := http.NewServeMux()
	a.Routes(mux)
	mux.Handle("POST /minimal/commands", minimal)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })

	e := &loadEnv{
		base:      "http://" + ln.Addr().String(),
		slackBase: slackSrv.URL,
		ytxBase:   simSrv.URL,
		client:    &http.Client{Timeout: 10 * time.Second, Transport: keepAlive()},
		slack:     fs,
		sim:       sim,
		adapter:   a,
		journal:   journaled,
	}
	b.Cleanup(e.client.CloseIdleConnections)
	return e
}

// waitReady waits for the adapter's auth.test, without sleeping.
func waitReady(b *testing.B, a *slack.Adapter, ran chan error) {
	b.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for !a.Ready() {
		select {
		case err := <-ran:
			b.Fatalf("adapter Run returned early: %v", err)
		case <-deadline.C:
			b.Fatal("adapter not ready after 10s (auth.test)")
		case <-tick.C:
		}
	}
}

// body is request n's slash command form, as Slack sends it.
func (e *loadEnv) body(n int64) string {
	caller, callee := loadPair(n)
	trigger := fmt.Sprintf("%d.%d.load", 1_000_000+n, caller)
	return url.Values{
		"token": {"legacy-verification-token"}, "team_id": {loadTeam}, "team_domain": {"acme"},
		"channel_id": {loadChannel}, "channel_name": {"general"},
		"user_id": {loadUserID(caller)}, "user_name": {fmt.Sprintf("user%05d", caller)},
		"command": {"/call"}, "text": {"dialback <@" + loadUserID(callee) + ">"},
		"api_app_id": {"A0001"}, "is_enterprise_install": {"false"},
		"response_url": {e.responseURL(trigger)}, "trigger_id": {trigger},
	}.Encode()
}

func (e *loadEnv) responseURL(trigger string) string {
	// The adapter only delivers to Slack hosts or its configured API host.
	return e.slackBase + "/response/" + trigger
}

// url is where path is served: a path on the bot server, or an absolute
// URL (the Bolt app's).
func (e *loadEnv) url(path string) string {
	if strings.HasPrefix(path, "http://") {
		return path
	}
	return e.base + path
}

// send posts one signed command to path (see url) and checks the answer:
// 200, JSON, ephemeral. It returns the answer's text.
func (e *loadEnv) send(path, body string) (string, error) {
	req, err := http.NewRequest(http.MethodPost, e.url(path), strings.NewReader(body))
	if err != nil {
		return "", err
	}
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(loadSecret))
	mac.Write([]byte("v0:" + stamp + ":" + body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", stamp)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := e.client.Do(req)
	if err != nil {
		return "", err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d: %.200s", resp.StatusCode, data)
	}
	var m struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("answer is not JSON: %.200q", data)
	}
	if m.ResponseType != "ephemeral" {
		return "", fmt.Errorf("response_type %q, want ephemeral: %.200s", m.ResponseType, data)
	}
	return m.Text, nil
}

// loadResult is one measured run.
type loadResult struct {
	n             int
	elapsed       time.Duration
	cpu           time.Duration // user+sys of the whole process (client, servers, fakes) during the run
	p50, p99, max time.Duration
	late          int // "Working on it…": the core took longer than AckWithin
}

func (r loadResult) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cpuTime is the process's user+sys CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// run sends n distinct commands to path from conc clients and measures
// them. Every answer must be a 200 ephemeral "Done" (or, counted apart, the
// adapter's "Working on it…"); anything else fails the benchmark.
func (e *loadEnv) run(tb testing.TB, path string, n, conc int, timer interface {
	ResetTimer()
	StopTimer()
}) loadResult {
	bodies := make([]string, n)
	for i := range bodies {
		bodies[i] = e.body(e.seq.Add(1) - 1)
	}
	lat := make([]time.Duration, n)
	var (
		next, late atomic.Int64
		errMu      sync.Mutex
		errs       []error
		wg         sync.WaitGroup
	)
	if timer != nil {
		timer.ResetTimer()
	}
	start, cpu0 := time.Now(), cpuTime()
	for range min(conc, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t0 := time.Now()
				text, err := e.send(path, bodies[i])
				lat[i] = time.Since(t0)
				switch {
				case err == nil && text == doneText:
				case err == nil && text == workingText:
					late.Add(1)
				default:
					if err == nil {
						err = fmt.Errorf("answer %q, want %q", text, doneText)
					}
					errMu.Lock()
					errs = append(errs, err)
					errMu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	if timer != nil {
		timer.StopTimer()
	}
	if len(errs) > 0 {
		tb.Fatalf("%s: %d of %d requests failed; first: %v", path, len(errs), n, errs[0])
	}
	slices.Sort(lat)
	at := func(q float64) time.Duration { return lat[min(n-1, int(q*float64(n)))] }
	return loadResult{n: n, elapsed: elapsed, cpu: cpu, p50: at(0.50), p99: at(0.99), max: lat[n-1], late: int(late.Load())}
}

// boltApp is the Bolt for JavaScript side: `node bench/bolt/app.js`, a
// subprocess pointed at the same YTX simulator and fake Slack API.
type boltApp struct {
	url    string // where it takes slash commands
	pid    int
	stdin  io.WriteCloser // held open: node exits when it closes, even if this process dies
	exited chan struct{}
	err    error // from Wait, once exited is closed
}

// readyWriter is the node process's stdout: it hands over the address of
// the first "ready ADDR" line and drops the rest.
type readyWriter struct {
	buf   []byte
	ready chan string
	sent  bool
}

func (w *readyWriter) Write(p []byte) (int, error) {
	if w.sent {
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	for {
		line, rest, ok := bytes.Cut(w.buf, []byte("\n"))
		if !ok {
			return len(p), nil
		}
		w.buf = rest
		if addr, ok := strings.CutPrefix(strings.TrimSpace(string(line)), "ready "); ok {
			w.sent = true
			w.ready <- addr
			return len(p), nil
		}
	}
}

// startBolt installs bench/bolt's packages when node_modules is missing
// (npm ci), starts the app, waits for its "ready" line and stops it when
// the benchmark ends.
func startBolt(b *testing.B, e *loadEnv) *boltApp {
	b.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		b.Fatalf("-bolt needs Node.js (node >= 18 and npm on PATH) to run bench/bolt; install it, or run without -bolt: %v", err)
	}
	dir, err := filepath.Abs(filepath.Join("..", "..", "bench", "bolt"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "app.js")); err != nil {
		b.Fatalf("-bolt: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@slack", "bolt", "package.json")); errors.Is(err, os.ErrNotExist) {
		npm, err := exec.LookPath("npm")
		if err != nil {
			b.Fatalf("-bolt: bench/bolt/node_modules is missing and npm is not on PATH: %v", err)
		}
		cmd := exec.Command(npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("-bolt: npm ci in %s: %v\n%s", dir, err, out)
		}
	}

	// The same 10,000 identity → phone pairs, as JSON (Node cannot read bbolt).
	phones := make(map[string]string, loadUsers)
	for i := range loadUsers {
		phones[bot.IdentityOf(bot.Slack, loadTeam, loadUserID(i))] = loadPhone(i)
	}
	data, err := json.Marshal(phones)
	if err != nil {
		b.Fatal(err)
	}
	phonesFile := filepath.Join(b.TempDir(), "phones.json")
	if err := os.WriteFile(phonesFile, data, 0o600); err != nil {
		b.Fatal(err)
	}

	cmd := exec.Command(node, "app.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"BOLT_PORT=0",
		"SLACK_SIGNING_SECRET="+loadSecret,
		"SLACK_BOT_TOKEN="+loadToken,
		"SLACK_API_URL="+e.slackBase+"/",
		"SLACK_TEAM_ID="+loadTeam,
		"YTX_BASE_URL="+e.ytxBase,
		"YTX_ACCOUNT_SID="+ytxSID,
		"YTX_AUTH_TOKEN="+ytxToken,
		"YTX_APP_ID="+ytxApp,
		"PHONES_FILE="+phonesFile,
		"BOLT_EXIT_ON_STDIN_EOF=1",
	)
	out := &readyWriter{ready: make(chan string, 1)}
	cmd.Stdout = out
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatalf("-bolt: start node: %v", err)
	}
	app := &boltApp{pid: cmd.Process.Pid, stdin: stdin, exited: make(chan struct{})}
	go func() {
		app.err = cmd.Wait()
		close(app.exited)
	}()
	b.Cleanup(func() {
		select {
		case <-app.exited:
			if app.url != "" {
				b.Errorf("bolt app exited during the benchmark: %v", app.err)
			}
			return
		default:
		}
		_ = app.stdin.Close()
		_ = cmd.Process.Kill()
		<-app.exited
	})

	deadline := time.NewTimer(60 * time.Second)
	defer deadline.Stop()
	select {
	case addr := <-out.ready:
		app.url = "http://" + addr + "/slack/commands"
	case <-app.exited:
		b.Fatalf("bolt app exited before it was ready: %v", app.err)
	case <-deadline.C:
		b.Fatal("bolt app not ready after 60s")
	}
	return app
}

// cpu is the node process's user+sys CPU time so far (0 where /proc is
// missing). /proc/PID/stat counts in clock ticks, 100 a second on Linux.
func (a *boltApp) cpu() time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", a.pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(data[i+1:])) // f[0] is field 3 (state); utime and stime are fields 14 and 15
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * (time.Second / 100)
}

// BenchmarkSlackDialBack is SPEC §10's end-to-end throughput and ack
// latency: ytxbot (the real adapter and core) against a minimal net/http
// handler doing the same work, and with -bolt against the same work written
// with Bolt for JavaScript, in the same run, at 50 and 200 concurrent
// clients. Use -benchtime=Nx: each sub-benchmark sends b.N requests.
func BenchmarkSlackDialBack(b *testing.B) {
	e := newLoadEnv(b)
	var boltJS *boltApp
	if *boltFlag {
		boltJS = startBolt(b, e)
	}

	// Warm-up, not measured: every caller's users.info is cached (as in
	// steady state; the cache keeps it 10 minutes), and every side has as
	// many keep-alive connections open as the highest concurrency uses.
	// (Node accepts one new connection per event-loop iteration, so a
	// burst of 150 new connections at the start of bolt/c=200 took seconds
	// under load: a p99 of 6-7 s that is connection set-up, not steady
	// state.)
	concs := []int{50, 200}
	warmConc := slices.Max(concs)
	e.run(b, "/slack/commands", loadWarmup, warmConc, nil)
	e.run(b, "/minimal/commands", loadWarmup, warmConc, nil)
	if boltJS != nil {
		e.run(b, boltJS.url, loadWarmup, warmConc, nil)
	}
	e.adapter.Wait()
	if got := e.slack.usersInfo.Load(); got != 0 {
		b.Fatalf("warm-up: %d users.info calls, want none (users.list told the adapter everyone)", got)
	}

	sides := []struct{ name, path string }{{"ytxbot", "/slack/commands"}, {"minimal", "/minimal/commands"}}
	if boltJS != nil {
		sides = append(sides, struct{ name, path string }{"bolt", boltJS.url})
	}
	results := map[string]loadResult{}
	for _, conc := range concs {
		for _, s := range sides {
			name := fmt.Sprintf("%s/c=%d", s.name, conc)
			b.Run(name, func(b *testing.B) {
				posts, dials, infos := e.slack.posts.Load(), e.sim.Count(ytx.ActionDialBack), e.slack.usersInfo.Load()
				var syncs int64
				if e.journal != nil {
					syncs = e.journal.syncs.Load()
				}
				var nodeCPU time.Duration
				if s.name == "bolt" {
					nodeCPU = boltJS.cpu()
				}
				r := e.run(b, s.path, b.N, conc, b)
				if s.name == "bolt" {
					// The node process's CPU counts too: the whole work of this side.
					nodeCPU = boltJS.cpu() - nodeCPU
					r.cpu += nodeCPU
					b.ReportMetric(float64(nodeCPU.Microseconds())/float64(b.N), "node-cpu-us/op")
				}
				e.adapter.Wait() // late replies, if any, are delivered before counting
				if got := e.slack.posts.Load() - posts; got != int64(b.N) {
					b.Fatalf("%d chat.postMessage for %d commands", got, b.N)
				}
				if got := e.sim.Count(ytx.ActionDialBack) - dials; got != b.N {
					b.Fatalf("%d YTX dial-backs for %d commands", got, b.N)
				}
				b.ReportMetric(r.rate(), "req/s")
				b.ReportMetric(ms(r.p50), "p50-ms")
				b.ReportMetric(ms(r.p99), "p99-ms")
				b.ReportMetric(ms(r.max), "max-ms")
				b.ReportMetric(float64(r.late), "late")
				// CPU per request of the whole process (plus node's, for
				// bolt) and the cores it kept busy (of 2): a run starved by
				// other load on the machine shows here.
				b.ReportMetric(float64(r.cpu.Microseconds())/float64(b.N), "cpu-us/op")
				b.ReportMetric(r.cpu.Seconds()/r.elapsed.Seconds(), "cores")
				b.ReportMetric(float64(e.slack.usersInfo.Load()-infos)/float64(b.N), "users.info/op")
				if e.journal != nil && strings.HasPrefix(name, "ytxbot/") {
					b.ReportMetric(float64(e.journal.syncs.Load()-syncs)/float64(b.N), "syncs/op")
				}
				results[name] = r
				y, ok := results[fmt.Sprintf("ytxbot/c=%d", conc)]
				if !ok || b.N <= 1 {
					return
				}
				switch s.name {
				case "minimal":
					b.Logf("c=%d: ratio ytxbot/minimal %.2f req/s (SPEC §10: >= 0.70); p99 ytxbot %.2f ms (SPEC §10 at c=50: <= 15 ms), max %.1f ms (< 3 s)",
						conc, y.rate()/r.rate(), ms(y.p99), ms(y.max))
				case "bolt":
					line := fmt.Sprintf("c=%d: ratio ytxbot/bolt %.2f req/s (SPEC §10: >= 5)", conc, y.rate()/r.rate())
					if m, ok := results[fmt.Sprintf("minimal/c=%d", conc)]; ok {
						line += fmt.Sprintf(", ytxbot/minimal %.2f (>= 0.70), bolt/minimal %.2f", y.rate()/m.rate(), r.rate()/m.rate())
					}
					b.Log(line)
				}
			})
		}
	}
	for _, conc := range concs {
		y, ok1 := results[fmt.Sprintf("ytxbot/c=%d", conc)]
		m, ok2 := results[fmt.Sprintf("minimal/c=%d", conc)]
		if !ok1 || !ok2 {
			continue
		}
		b.Logf("c=%d: ytxbot %.0f req/s (p50 %.2f ms, p99 %.2f ms, max %.1f ms, %d late) | minimal %.0f req/s (p50 %.2f ms, p99 %.2f ms, max %.1f ms) | ratio ytxbot/minimal %.2f (SPEC §10: >= 0.70)",
			conc, y.rate(), ms(y.p50), ms(y.p99), ms(y.max), y.late, m.rate(), ms(m.p50), ms(m.p99), ms(m.max), y.rate()/m.rate())
		if o, ok := results[fmt.Sprintf("bolt/c=%d", conc)]; ok {
			b.Logf("c=%d: bolt %.0f req/s (p50 %.2f ms, p99 %.2f ms, max %.1f ms) | ratio ytxbot/bolt %.2f (SPEC §10: >= 5)",
				conc, o.rate(), ms(o.p50), ms(o.p99), ms(o.max), y.rate()/o.rate())
		}
	}
}
