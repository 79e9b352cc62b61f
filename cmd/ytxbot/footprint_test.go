package main

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/storage"
	"github.com/ytxbot/ytxbot/ytx"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

// Footprint scenario sizes (SPEC §10: 10,000 mapped users, 1,000 active
// meetings).
const (
	fpUsers       = 10000
	fpMeetings    = 1000
	fpPartiesEach = 3 // invited, besides the creator
	fpCreators    = 8 // meetings created concurrently through the socket
	fpStarts      = 5 // startups timed on each store; the median is reported
	// fpIdle is how long serve is left without traffic before the idle reading.
	// It spans a poll tick (tracker.poll_interval 5s) and is measured with a
	// timer: waiting for a quiet period, not for an event.
	fpIdle = 6 * time.Second
)

// BenchmarkFootprint measures the real `ytxbot serve` process (a binary
// built with `go build`, run as a subprocess against an in-process ytxsim,
// no chat platform): startup time to the first 200 on /readyz, RSS idle,
// RSS with 10,000 imported users and 1,000 meetings kept active at the
// simulator and tracked by the poller, and startup again on that store.
// One iteration is the whole scenario; run it with -benchtime=1x. See
// docs/FOOTPRINT.md.
func BenchmarkFootprint(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "ytxbot")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	// Flush the new binary to disk: else its writeback lands on the first
	// fsyncs serve makes at startup (ext4 data=ordered) and they time that.
	if f, err := os.Open(bin); err == nil {
		f.Sync()
		f.Close()
	}
	// The build is of the working tree; say which (GOFLAGS may hold -buildvcs=false).
	head, _ := exec.Command("git", "--no-optional-locks", "rev-parse", "--short", "HEAD").Output()
	dirty, _ := exec.Command("git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=no", "--", "*.go").Output()
	st, _ := os.Stat(bin)
	goVersion := ""
	if bi, err := buildinfo.ReadFile(bin); err == nil {
		goVersion = bi.GoVersion
	}
	built := fmt.Sprintf("binary %.1f MB, %s, commit %q, modified .go files %q", float64(st.Size())/(1<<20), goVersion,
		strings.TrimSpace(string(head)), strings.Fields(string(dirty)))
	var r fpResult
	for range b.N {
		r = footprintRun(b, bin)
	}
	r.built = built
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(median(r.startEmpty).Seconds()*1000, "start-empty-ms")
	b.ReportMetric(median(r.startLoaded).Seconds()*1000, "start-loaded-ms")
	b.ReportMetric(r.idle.rssMB(), "idle-RSS-MB")
	b.ReportMetric(r.idle.hwmMB(), "idle-HWM-MB")
	b.ReportMetric(r.loaded.rssMB(), "loaded-RSS-MB")
	b.ReportMetric(r.loaded.hwmMB(), "loaded-HWM-MB")
	b.ReportMetric(r.restarted.rssMB(), "restart-RSS-MB")
	b.ReportMetric(r.loadedHeap["go_memstats_heap_inuse_bytes"]/(1<<20), "loaded-heap-inuse-MB")
	b.Log(r.summary())
}

// fpResult is one run's figures.
type fpResult struct {
	startEmpty, startLoaded []time.Duration // exec → first 200 on /readyz
	importTime, createTime  time.Duration
	ready, idle, imported   memReading // empty store at /readyz, after fpIdle, after the import
	loaded                  memReading // with the meetings tracked
	readyLoaded, restarted  memReading // loaded store at /readyz, after a full poll round
	idleHeap, importedHeap  map[string]float64
	loadedHeap              map[string]float64
	restartHeap             map[string]float64
	active                  int    // meetings open in the store after the run
	warnings                [2]int // WARN and ERROR lines logged by the two measured processes
	loadavg, built          string
}

func (r fpResult) summary() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s; loadavg at start %s\nexec → first 200 on /readyz (ms, %d starts each): empty store %s, %d users + %d meetings %s\n",
		r.built, r.loadavg, fpStarts, msList(r.startEmpty), fpUsers, fpMeetings, msList(r.startLoaded))
	fmt.Fprintf(&sb, "import %d users (ytxbot phone import, through the socket) %.0f ms; create %d meetings (%d at a time, /v1/handle) %.1f s; open in the store after the run %d; serve logged %d WARN, %d ERROR lines\n",
		fpUsers, r.importTime.Seconds()*1000, fpMeetings, fpCreators, r.createTime.Seconds(), r.active, r.warnings[0], r.warnings[1])
	row := func(name string, m memReading, heap map[string]float64) {
		fmt.Fprintf(&sb, "%-32s %s", name, m)
		if heap != nil {
			mb := func(k string) float64 { return heap["go_memstats_"+k+"_bytes"] / (1 << 20) }
			fmt.Fprintf(&sb, " | heap alloc %.1f, inuse %.1f, idle unreleased %.1f, stacks %.1f, runtime meta %.1f, go sys %.1f MB; %.0f goroutines, %.0f GCs",
				mb("heap_alloc"), mb("heap_inuse"), mb("heap_idle")-mb("heap_released"), mb("stack_inuse"),
				mb("mspan_inuse")+mb("mcache_inuse")+mb("gc_sys")+mb("other_sys")+mb("buck_hash_sys"), mb("sys"),
				heap["go_goroutines"], heap["go_gc_duration_seconds_count"])
		}
		sb.WriteString("\n")
	}
	row("empty store, at ready:", r.ready, nil)
	row(fmt.Sprintf("empty store, idle %s:", fpIdle), r.idle, r.idleHeap)
	row("10k users imported:", r.imported, r.importedHeap)
	row("10k users + 1k meetings tracked:", r.loaded, r.loadedHeap)
	row("restarted on that store, ready:", r.readyLoaded, nil)
	row("restarted, after a poll round:", r.restarted, r.restartHeap)
	return strings.TrimSuffix(sb.String(), "\n") // b.Log adds it
}

func footprintRun(b *testing.B, bin string) fpResult {
	var r fpResult
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		r.loadavg = strings.TrimSpace(string(la))
	}
	sim, err := ytxsim.New(ytxsim.Config{AccountSID: simDefaultSID, AuthToken: simDefaultToken, AppID: simDefaultApp})
	if err != nil {
		b.Fatal(err)
	}
	tap := &simTap{h: sim, queried: map[string]int{}, more: make(chan struct{}, 1)}
	ysrv := httptest.NewServer(tap)
	defer ysrv.Close()

	dir := b.TempDir()
	conf := filepath.Join(dir, "ytxbot.yaml")
	yaml := fmt.Sprintf(`http: {addr: "127.0.0.1:0", admin_addr: "127.0.0.2:0"}
storage: {path: bot.db}
ytx: {base_url: %q, account_sid: %q, auth_token: %q, app_id: %q}
slack: {enabled: false}
telegram: {enabled: false}
tracker: {poll_interval: 5s, max_age: 6h}
policy: {calls_per_user_per_hour: 0, rings_per_target_per_hour: 0, calls_per_minute_global: 0, meeting_max_parties: 0, duplicate_window: 0s}
`, ysrv.URL, simDefaultSID, simDefaultToken, simDefaultApp)
	if err := os.WriteFile(conf, []byte(yaml), 0o600); err != nil {
		b.Fatal(err)
	}
	dbPath := filepath.Join(dir, "bot.db")

	// 1. Startup on an empty store, then idle (the last of the starts).
	var s *served
	for k := range fpStarts {
		if k > 0 {
			s.stop(b)
		}
		s = startServe(b, bin, conf)
		r.startEmpty = append(r.startEmpty, s.started)
	}
	r.ready = s.mem(b)
	<-time.After(fpIdle)
	r.idle = s.mem(b)
	r.idleHeap = s.metrics(b)

	// 2. 10,000 users through `ytxbot phone import` (the socket path).
	var csv strings.Builder
	csv.WriteString("identity,phone,name,admin\n")
	for i := range fpUsers {
		fmt.Fprintf(&csv, "console:u%d,%s,u%d,false\n", i, fpPhone(i), i)
	}
	csvPath := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(csvPath, []byte(csv.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	t0 := time.Now()
	out, err := exec.Command(bin, "phone", "import", csvPath, "--config", conf).CombinedOutput()
	r.importTime = time.Since(t0)
	if err != nil || !strings.Contains(string(out), fmt.Sprintf("imported %d mapping(s)", fpUsers)) {
		b.Fatalf("import: %v\n%s", err, out)
	}
	r.imported = s.mem(b)
	r.importedHeap = s.metrics(b)

	// 3. 1,000 meetings: creator u(10i), parties u(10i+1..3). Every number
	// ends in 1, so at the simulator everyone answers and stays: the
	// meetings stay active until destroyed.
	hc := socketClient(socketPath(dbPath))
	t0 = time.Now()
	var wg sync.WaitGroup
	errs := make(chan string, fpMeetings)
	next := make(chan int)
	for range fpCreators {
		wg.Go(func() {
			for i := range next {
				text := fmt.Sprintf("/meet create fp%d", i)
				for j := 1; j <= fpPartiesEach; j++ {
					text += fmt.Sprintf(" @u%d", 10*i+j)
				}
				rep, ok := command(hc, fmt.Sprintf("u%d", 10*i), text)
				if !ok || refNumber(rep, "#") == 0 {
					errs <- fmt.Sprintf("meeting %d: %v %q", i, ok, rep)
				}
			}
		})
	}
	for i := range fpMeetings {
		next <- i
	}
	close(next)
	wg.Wait()
	r.createTime = time.Since(t0)
	close(errs)
	for e := range errs {
		b.Fatal(e)
	}
	if n := simActive(sim); n != fpMeetings {
		b.Fatalf("%d meetings active at the simulator, want %d", n, fpMeetings)
	}
	// The poller tracks them: wait for two rounds in which every meeting was
	// queried (the first sees people ringing or joined, the next the same or
	// joined), then read.
	for range 2 {
		tap.waitDistinct(b, fpMeetings, 3*time.Minute)
	}
	if n := simActive(sim); n != fpMeetings {
		b.Fatalf("%d meetings active at the simulator after polling, want %d", n, fpMeetings)
	}
	r.loaded = s.mem(b)
	r.loadedHeap = s.metrics(b)
	// The tap counts a query when it arrives, the metric when its answer
	// is back: up to the poller's 8 concurrent queries may be in between.
	if q := r.loadedHeap[`ytxbot_ytx_requests_total{action="queryMeeting",result="0"}`]; q < 2*fpMeetings-8 {
		b.Fatalf("serve's metrics count %v successful queryMeeting, want >= %d", q, 2*fpMeetings-8)
	}
	s.stop(b)
	s.countWarnings(&r.warnings)

	// 4. Restart on the loaded store; the last start stays for a poll round.
	for k := range fpStarts {
		if k > 0 {
			s.stop(b)
		}
		s = startServe(b, bin, conf)
		r.startLoaded = append(r.startLoaded, s.started)
	}
	r.readyLoaded = s.mem(b)
	tap.reset()
	tap.waitDistinct(b, fpMeetings, 3*time.Minute) // every open meeting is due again after a restart
	r.restarted = s.mem(b)
	r.restartHeap = s.metrics(b)
	s.stop(b)
	s.countWarnings(&r.warnings)

	db, err := storage.Open(dbPath)
	if err != nil {
		b.Fatal(err)
	}
	ms, err := db.Meetings(context.Background(), bot.MeetingFilter{ActiveOnly: true})
	db.Close()
	if err != nil {
		b.Fatal(err)
	}
	r.active = len(ms)
	if r.active != fpMeetings {
		b.Fatalf("%d meetings open in the store, want %d", r.active, fpMeetings)
	}
	return r
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func msList(ds []time.Duration) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, strconv.FormatFloat(d.Seconds()*1000, 'f', 0, 64))
	}
	return fmt.Sprintf("%s (median %.0f)", strings.Join(parts, " "), median(ds).Seconds()*1000)
}

// fpPhone is user i's mobile number; it ends in 1 (answers and stays).
func fpPhone(i int) string { return fmt.Sprintf("139%07d1", i) }

func simActive(sim *ytxsim.Sim) int {
	n := 0
	for _, m := range sim.Meetings() {
		if m.State == ytxsim.StateActive {
			n++
		}
	}
	return n
}

// simTap passes requests to the simulator and notes which meetings were
// queried, so the benchmark waits for the poller's requests, not for time.
type simTap struct {
	h       http.Handler
	mu      sync.Mutex
	queried map[string]int // confid → queryMeeting requests since the last waitDistinct
	more    chan struct{}
}

func (s *simTap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	var f struct {
		Action string `json:"action"`
		ConfID string `json:"confid"`
	}
	json.Unmarshal(body, &f)
	s.h.ServeHTTP(w, r)
	if f.Action != ytx.ActionQueryMeeting {
		return
	}
	s.mu.Lock()
	s.queried[f.ConfID]++
	s.mu.Unlock()
	select {
	case s.more <- struct{}{}:
	default:
	}
}

// reset forgets the queries seen so far.
func (s *simTap) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.queried)
}

// waitDistinct waits until n distinct meetings were queried, then starts
// counting afresh.
func (s *simTap) waitDistinct(b *testing.B, n int, limit time.Duration) {
	b.Helper()
	deadline := time.After(limit)
	for {
		s.mu.Lock()
		got := len(s.queried)
		if got >= n {
			clear(s.queried)
		}
		s.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-s.more:
		case <-deadline:
			b.Fatalf("after %s only %d of %d meetings were queried", limit, got, n)
		}
	}
}

// served is one `ytxbot serve` subprocess.
type served struct {
	cmd     *exec.Cmd
	started time.Duration // exec → first 200 on /readyz
	admin   string        // host:port of /metrics
	mu      sync.Mutex
	logs    strings.Builder
	done    chan error
}

// startServe execs serve and returns once /readyz answers 200. The
// listeners' addresses come from its log; /readyz is asked as soon as both
// are logged, again at once on a 503.
func startServe(b *testing.B, bin, conf string) *served {
	b.Helper()
	s := &served{cmd: exec.Command(bin, "serve", "--config", conf), done: make(chan error, 1)}
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	addrs := make(chan [2]string, 16)
	t0 := time.Now()
	if err := s.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.logs.WriteString(line + "\n")
			s.mu.Unlock()
			var l struct{ Msg, Listener, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "listening" {
				addrs <- [2]string{l.Listener, l.Addr}
			}
		}
		s.done <- s.cmd.Wait()
	}()
	b.Cleanup(func() { s.cmd.Process.Kill() })
	var public string
	deadline := time.After(30 * time.Second)
	for public == "" || s.admin == "" {
		select {
		case a := <-addrs:
			switch a[0] {
			case "public":
				public = a[1]
			case "admin":
				s.admin = a[1]
			}
		case err := <-s.done:
			b.Fatalf("serve exited: %v\n%s", err, s.output())
		case <-deadline:
			b.Fatalf("serve did not listen within 30s:\n%s", s.output())
		}
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for attempt := 0; ; attempt++ {
		resp, err := hc.Get("http://" + public + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if attempt > 10000 {
			b.Fatalf("/readyz never answered 200 (%v)\n%s", err, s.output())
		}
	}
	s.started = time.Since(t0)
	return s
}

func (s *served) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

// countWarnings adds the WARN and ERROR lines serve logged to n, but for
// the expected one about running without a chat platform.
func (s *served) countWarnings(n *[2]int) {
	for line := range strings.Lines(s.output()) {
		switch {
		case strings.Contains(line, "no chat platform is enabled"):
		case strings.Contains(line, `"level":"WARN"`):
			n[0]++
		case strings.Contains(line, `"level":"ERROR"`):
			n[1]++
		}
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (s *served) stop(b *testing.B) {
	b.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			b.Fatalf("serve exit: %v\n%s", err, s.output())
		}
	case <-time.After(30 * time.Second):
		b.Fatalf("serve did not stop within 30s of SIGTERM:\n%s", s.output())
	}
}

// metrics scrapes /metrics and returns the samples of the Go runtime and
// ytxbot's YTX request counters, keyed by name{labels}.
func (s *served) metrics(b *testing.B) map[string]float64 {
	b.Helper()
	resp, err := http.Get("http://" + s.admin + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "go_") && !strings.HasPrefix(line, "process_") && !strings.HasPrefix(line, "ytxbot_ytx_requests_total") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// memReading is the process's memory from /proc: VmRSS, VmHWM, their
// anonymous and file-backed parts, and the resident part of the database
// mapping (bbolt mmaps the file).
type memReading struct {
	rss, hwm, anon, file, db, bin int64 // KiB
}

func (m memReading) rssMB() float64 { return float64(m.rss) / 1024 }
func (m memReading) hwmMB() float64 { return float64(m.hwm) / 1024 }

func (m memReading) String() string {
	return fmt.Sprintf("VmRSS %5.1f MB (anon %5.1f, file %4.1f: binary %4.1f, bot.db %4.1f)  VmHWM %5.1f MB",
		float64(m.rss)/1024, float64(m.anon)/1024, float64(m.file)/1024, float64(m.bin)/1024, float64(m.db)/1024, float64(m.hwm)/1024)
}

func (s *served) mem(b *testing.B) memReading {
	b.Helper()
	pid := s.cmd.Process.Pid
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	var m memReading
	for line := range strings.Lines(string(status)) {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.rss = v
		case "VmHWM:":
			m.hwm = v
		case "RssAnon:":
			m.anon = v
		case "RssFile:":
			m.file = v
		}
	}
	smaps, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		b.Fatal(err)
	}
	var into *int64 // the mapping being read: the database, the binary, or another
	for line := range strings.Lines(string(smaps)) {
		f := strings.Fields(line)
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":"):
			switch path := f[len(f)-1]; {
			case strings.HasSuffix(path, "/bot.db"):
				into = &m.db
			case path == s.cmd.Path:
				into = &m.bin
			default:
				into = nil
			}
		case into != nil && len(f) >= 2 && f[0] == "Rss:":
			v, _ := strconv.ParseInt(f[1], 10, 64)
			*into += v
		}
	}
	return m
}
