package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/storage"
)

// adminEnv is a config file with its database in a temp dir.
func adminEnv(t *testing.T, ytxURL string) (conf, dir string) {
	t.Helper()
	dir = t.TempDir()
	conf = filepath.Join(dir, "ytxbot.yaml")
	yaml := fmt.Sprintf(`http: {addr: "127.0.0.1:0", admin_addr: ""}
storage: {path: bot.db}
ytx: {base_url: %q, account_sid: %q, auth_token: %q, app_id: %q}
slack: {enabled: false}
telegram: {enabled: false}
`, ytxURL, simDefaultSID, simDefaultToken, simDefaultApp)
	if err := os.WriteFile(conf, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return conf, dir
}

// ytxbot runs the CLI in-process and returns exit code, stdout and stderr.
func ytxbot(args ...string) (int, string, string) {
	var out, errOut strings.Builder
	code := Run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

const goodCSV = `identity,phone,name,admin
console:alice,+86 138-0000-0001,alice,false
telegram:1001,13900000002,bob,true
slack:T0001:U0001,010-5388-9900,carol,no
console:root,,root,true
`

// adminRoundTrip imports, exports, backs up and audits through the CLI.
func adminRoundTrip(t *testing.T, conf, dir string) {
	t.Helper()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte(goodCSV), 0o600)
	if code, out, errOut := ytxbot("phone", "import", in, "--config", conf); code != 0 || !strings.Contains(out, "imported 4 mapping(s)") {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("identity,phone,name,admin\nconsole:dave,13700000003,dave,false\nnobody,123,x,false\nconsole:eve,12345678,eve,maybe\n"), 0o600)
	code, _, errOut := ytxbot("phone", "import", bad, "--config", conf)
	if code == 0 || !strings.Contains(errOut, "line 3: identity \"nobody\"") || !strings.Contains(errOut, "line 4:") || !strings.Contains(errOut, "nothing imported: 2 bad line(s)") {
		t.Errorf("bad import: %d %q", code, errOut)
	}
	out := filepath.Join(dir, "out.csv")
	if code, _, errOut := ytxbot("phone", "export", out, "--config", conf); code != 0 {
		t.Fatalf("export: %d %q", code, errOut)
	}
	got, _ := os.ReadFile(out)
	for _, want := range []string{"console:alice,13800000001,alice,false", "telegram:1001,13900000002,bob,true", "slack:T0001:U0001,01053889900,carol,false", "console:root,,root,true"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("export lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(string(got), "dave") {
		t.Error("a refused import was partly applied")
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o600 {
		t.Errorf("export mode %v", st.Mode().Perm())
	}
	backup := filepath.Join(dir, "backup.db")
	if code, msg, errOut := ytxbot("db", "backup", backup, "--config", conf); code != 0 || !strings.Contains(msg, "backup of") {
		t.Fatalf("backup: %d %q %q", code, msg, errOut)
	}
	db, err := storage.Open(backup)
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	u, err := db.User(context.Background(), "telegram:1001")
	db.Close()
	if err != nil || u.Phone != "13900000002" || !u.Admin {
		t.Errorf("backup user %+v, %v", u, err)
	}
	if code, msg, errOut := ytxbot("audit", "--json", "--config", conf); code != 0 {
		t.Errorf("audit: %d %q %q", code, msg, errOut)
	}
}

func TestAdminCommandsServeStopped(t *testing.T) {
	conf, dir := adminEnv(t, "http://127.0.0.1:1")
	adminRoundTrip(t, conf, dir)
}

// TestAdminCommandsServeRunning: while serve holds the database, the same
// commands go through its admin socket (mode 0600).
func TestAdminCommandsServeRunning(t *testing.T) {
	srv, _ := simServer(t)
	conf, dir := adminEnv(t, srv.URL)
	p := startYtxbot(t, "serve", "--config", conf)
	p.expect(t, 0, `"msg":"admin socket"`)
	sock := socketPath(filepath.Join(dir, "bot.db"))
	st, err := os.Stat(sock)
	if err != nil || st.Mode().Perm() != 0o600 || st.Mode()&os.ModeSocket == 0 {
		t.Fatalf("admin socket %s: %v %v", sock, st.Mode(), err)
	}
	// The file is locked by serve: only the socket can serve these.
	if _, err := storage.Open(filepath.Join(dir, "bot.db")); err == nil {
		t.Fatal("the database is not locked by serve: the test would not prove the socket path")
	}
	adminRoundTrip(t, conf, dir)
	// Commands through the socket write audit entries that `audit` shows.
	hc := socketClient(sock)
	if rep, ok := command(hc, "root", "/phone set @dave 13700000003"); !ok || !strings.Contains(rep, "dave's number") {
		t.Fatalf("command over the socket: %q %v", rep, ok)
	}
	code, out, _ := ytxbot("audit", "--json", "--since", "1h", "--config", conf)
	var actions []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e bot.AuditEntry
		if json.Unmarshal([]byte(line), &e) != nil {
			t.Fatalf("audit line %q", line)
		}
		actions = append(actions, e.Action)
	}
	if code != 0 || !slices.Equal(actions, []string{"phone.import", "phone.set"}) || strings.Contains(out, "13700000003") {
		t.Errorf("audit: %d %q", code, out)
	}
	code, out, _ = ytxbot("audit", "--config", conf)
	if code != 0 || !strings.Contains(out, "console:root") || !strings.Contains(out, "137****0003") {
		t.Errorf("audit table: %q", out)
	}
}

func TestSocketPathFallback(t *testing.T) {
	short := socketPath("/var/lib/ytxbot/ytxbot.db")
	if short != "/var/lib/ytxbot/ytxbot.db.sock" {
		t.Errorf("socketPath = %s", short)
	}
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
	long := socketPath("/" + strings.Repeat("d", 120) + "/ytxbot.db")
	if !strings.HasPrefix(long, "/run/user/1000/ytxbot-") || len(long) > maxSocketPath {
		t.Errorf("long socketPath = %s", long)
	}
}

// BenchmarkImportCSV10k: read, validate and import a 10,000-row CSV into a
// fresh database, as `ytxbot phone import` does (target < 2 s).
func BenchmarkImportCSV10k(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("identity,phone,name,admin\n")
	for i := range 10000 {
		fmt.Fprintf(&sb, "console:u%d,139%08d,user %d,false\n", i, i, i)
	}
	csv := sb.String()
	for b.Loop() {
		b.StopTimer()
		db, err := storage.Open(filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		users, errs := readPhoneCSV(strings.NewReader(csv), bot.PhoneOptions{})
		if len(errs) > 0 {
			b.Fatal(errs[0])
		}
		if n, err := mergeAndImport(context.Background(), db, users, time.Now()); err != nil || n != 10000 {
			b.Fatal(n, err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
}
