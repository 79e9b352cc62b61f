package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"
)

// The systemd unit cannot run here (no systemd), so these tests check what
// can be checked without it: the command line is one this binary accepts,
// the sandbox is the one docs/OPERATIONS.md describes, and the store, its
// admin socket and the configuration's files land where the sandbox lets
// the service write or read them.

const (
	serviceUnitFile = "../../configs/ytxbot.service"
	operationsDoc   = "../../docs/OPERATIONS.md"
)

// unitFile is a parsed systemd unit: section → key → every assignment, in
// file order (keys like Environment= may repeat).
type unitFile map[string]map[string][]string

// parseUnit reads the subset of systemd.syntax(7) a unit file uses:
// [Section] headers, Key=Value lines, # and ; comments, and lines
// continued with a trailing backslash.
func parseUnit(r io.Reader) (unitFile, error) {
	u := unitFile{}
	section := ""
	sc := bufio.NewScanner(r)
	n, pending := 0, ""
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if pending == "" && (line == "" || line[0] == '#' || line[0] == ';') {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			pending += strings.TrimSuffix(line, `\`) + " "
			continue
		}
		line, pending = pending+line, ""
		if strings.HasPrefix(line, "[") {
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("line %d: bad section header %q", n, line)
			}
			section = line[1 : len(line)-1]
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			return nil, fmt.Errorf("line %d: want Key=Value inside a [Section]: %q", n, line)
		}
		key = strings.TrimSpace(key)
		u[section][key] = append(u[section][key], strings.TrimSpace(val))
	}
	if pending != "" {
		return nil, errors.New("file ends in a continued line")
	}
	return u, sc.Err()
}

// last returns the effective value of a single-valued setting.
func (u unitFile) last(section, key string) (string, bool) {
	vs := u[section][key]
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// words returns the words of a list setting; an empty assignment resets the
// list, as in systemd.
func (u unitFile) words(t *testing.T, section, key string) []string {
	t.Helper()
	var out []string
	for _, v := range u[section][key] {
		if v == "" {
			out = nil
			continue
		}
		ws, err := splitUnitWords(v)
		if err != nil {
			t.Fatalf("[%s] %s=%s: %v", section, key, v, err)
		}
		out = append(out, ws...)
	}
	return out
}

// env returns the service's Environment= variables.
func (u unitFile) env(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, w := range u.words(t, "Service", "Environment") {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			t.Fatalf("Environment: %q is not NAME=VALUE", w)
		}
		out[k] = v
	}
	return out
}

// splitUnitWords splits a value into words the way systemd does for command
// lines and lists: white space separates, double and single quotes group,
// backslash escapes; it expands the path specifiers of system units.
func splitUnitWords(s string) ([]string, error) {
	specifiers := map[byte]string{'t': "/run", 'S': "/var/lib", 'C': "/var/cache", 'L': "/var/log", 'E': "/etc", '%': "%"}
	var words []string
	var cur strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == '%':
			if i+1 >= len(s) {
				return nil, errors.New("dangling %")
			}
			i++
			v, ok := specifiers[s[i]]
			if !ok {
				return nil, fmt.Errorf("specifier %%%c is not handled by this test", s[i])
			}
			cur.WriteString(v)
			inWord = true
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

func loadServiceUnit(t *testing.T) unitFile {
	t.Helper()
	f, err := os.Open(serviceUnitFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u, err := parseUnit(f)
	if err != nil {
		t.Fatalf("%s: %v", serviceUnitFile, err)
	}
	return u
}

// resolveExec finds the subcommand an Exec*= line runs in the real command
// tree and parses its flags. It returns an error for anything the binary
// would refuse (an unknown command or flag, wrong arguments) and for
// prefixes that leave the sandbox.
func resolveExec(line string) (*cobra.Command, error) {
	words, err := splitUnitWords(line)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, errors.New("empty command line")
	}
	// Prefixes: "-" (ignore failure) and ":" are harmless; "+" and "!" run
	// outside the sandbox or the user, "@" fakes argv[0].
	exe := strings.TrimLeft(words[0], "-:+!@")
	if prefix := words[0][:len(words[0])-len(exe)]; strings.ContainsAny(prefix, "+!@") {
		return nil, fmt.Errorf("prefix %q escapes the sandbox or changes argv[0]", prefix)
	}
	if !filepath.IsAbs(exe) || filepath.Base(exe) != "ytxbot" {
		return nil, fmt.Errorf("runs %q, want an absolute path to the ytxbot binary", exe)
	}
	root := newRootCmd(strings.NewReader(""), io.Discard, io.Discard)
	cmd, rest, err := root.Find(words[1:])
	if err != nil {
		return nil, err
	}
	if cmd == root || !cmd.Runnable() {
		return nil, fmt.Errorf("%q names no runnable subcommand of ytxbot (got %q)", line, cmd.CommandPath())
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return nil, fmt.Errorf("%s: %w", cmd.CommandPath(), err)
	}
	if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
		return nil, fmt.Errorf("%s: %w", cmd.CommandPath(), err)
	}
	return cmd, nil
}

// serveConfig checks an ExecStart line and returns its --config value.
func serveConfig(line string) (string, error) {
	cmd, err := resolveExec(line)
	if err != nil {
		return "", err
	}
	if got := cmd.CommandPath(); got != "ytxbot serve" {
		return "", fmt.Errorf("runs %q, want ytxbot serve", got)
	}
	f := cmd.Flags().Lookup("config")
	if f == nil || !f.Changed {
		return "", errors.New("serve without --config looks for ./ytxbot.yaml in the service's working directory")
	}
	if !filepath.IsAbs(f.Value.String()) {
		return "", fmt.Errorf("--config %q is not absolute", f.Value.String())
	}
	return f.Value.String(), nil
}

// serviceConfigPath checks ExecStart and returns its --config value.
func serviceConfigPath(t *testing.T, u unitFile) string {
	t.Helper()
	starts := u["Service"]["ExecStart"]
	if len(starts) != 1 {
		t.Fatalf("want exactly one ExecStart, got %d", len(starts))
	}
	path, err := serveConfig(starts[0])
	if err != nil {
		t.Fatalf("ExecStart=%s: %v", starts[0], err)
	}
	return path
}

func TestServiceExecLines(t *testing.T) {
	u := loadServiceUnit(t)
	serviceConfigPath(t, u)
	for key, lines := range u["Service"] {
		if !strings.HasPrefix(key, "Exec") || key == "ExecStart" {
			continue
		}
		for _, line := range lines {
			if _, err := resolveExec(line); err != nil {
				t.Errorf("%s=%s: %v", key, line, err)
			}
		}
	}
}

// The check rejects what systemd or ytxbot would, so TestServiceExecLines
// can fail.
func TestServiceExecRejects(t *testing.T) {
	for _, line := range []string{
		"/usr/local/bin/ytxbot serve --conf /etc/ytxbot/ytxbot.yaml",    // unknown flag
		"/usr/local/bin/ytxbot serv --config /etc/ytxbot/ytxbot.yaml",   // unknown command
		"/usr/local/bin/ytxbot serve extra --config /etc/ytxbot/x.yaml", // serve takes no arguments
		"/usr/local/bin/ytxbot serve --config ytxbot.yaml",              // relative to an unknown directory
		"/usr/local/bin/ytxbot serve",                                   // no --config
		"/usr/local/bin/ytxbot console --config /etc/ytxbot/ytxbot.yaml",
		"+/usr/local/bin/ytxbot serve --config /etc/ytxbot/ytxbot.yaml", // runs outside the sandbox
		"ytxbot serve --config /etc/ytxbot/ytxbot.yaml",                 // not absolute
		"/usr/local/bin/ytxbot serve --config '/etc/ytxbot/ytxbot.yaml", // unterminated quote
	} {
		if _, err := serveConfig(line); err == nil {
			t.Errorf("%q was accepted", line)
		}
	}
	if _, err := resolveExec("/usr/local/bin/ytxbot db backup --config /etc/ytxbot/ytxbot.yaml"); err == nil {
		t.Error("db backup without FILE was accepted")
	}
}

func TestServiceHardening(t *testing.T) {
	u := loadServiceUnit(t)
	isTrue := func(v string) bool { return v == "yes" || v == "true" || v == "on" || v == "1" }
	for _, key := range []string{"NoNewPrivileges", "PrivateTmp", "ProtectHome", "PrivateDevices", "RestrictSUIDSGID", "LockPersonality"} {
		if v, _ := u.last("Service", key); !isTrue(v) {
			t.Errorf("%s=%q, want yes", key, v)
		}
	}
	for key, want := range map[string]string{"ProtectSystem": "strict", "Restart": "on-failure"} {
		if v, _ := u.last("Service", key); v != want {
			t.Errorf("%s=%q, want %s", key, v, want)
		}
	}
	if v, ok := u.last("Service", "CapabilityBoundingSet"); !ok || v != "" {
		t.Errorf("CapabilityBoundingSet=%q (set: %v), want it set to empty", v, ok)
	}
	if user, _ := u.last("Service", "User"); user == "" || user == "root" || user == "0" {
		t.Errorf("User=%q, want a dedicated user", user)
	}
	// serve's public listener alone may drain for 20 s (serve.go), then
	// commands, pushes and card edits finish: leave room beyond that.
	stop, _ := u.last("Service", "TimeoutStopSec")
	d, err := parseTimespan(stop)
	if err != nil || d < 30*time.Second {
		t.Errorf("TimeoutStopSec=%q (%v): want at least 30s for the graceful drain", stop, err)
	}
	if _, ok := u.last("Install", "WantedBy"); !ok {
		t.Error("[Install] WantedBy is missing: systemctl enable would do nothing")
	}
}

// parseTimespan reads the systemd time spans a unit uses: "90", "90s",
// "1min 30s".
func parseTimespan(s string) (time.Duration, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	s = strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "min", "m")
	return time.ParseDuration(s)
}

// sandbox is where the service may write, and what it cannot see.
type sandbox struct {
	writable []string // ReadWritePaths and the directories systemd creates
	created  []string // StateDirectory, RuntimeDirectory, … (made by systemd)
	hidden   []string // ProtectHome, PrivateTmp: not the host's files
}

func serviceSandbox(t *testing.T, u unitFile) sandbox {
	t.Helper()
	var sb sandbox
	for key, base := range map[string]string{"StateDirectory": "/var/lib", "RuntimeDirectory": "/run", "CacheDirectory": "/var/cache", "LogsDirectory": "/var/log"} {
		for _, w := range u.words(t, "Service", key) {
			dir := filepath.Join(base, strings.SplitN(w, ":", 2)[0])
			sb.created = append(sb.created, dir)
			sb.writable = append(sb.writable, dir)
		}
	}
	for _, w := range u.words(t, "Service", "ReadWritePaths") {
		optional := strings.HasPrefix(w, "-")
		p := filepath.Clean(strings.TrimLeft(w, "-+"))
		if !filepath.IsAbs(p) {
			t.Errorf("ReadWritePaths: %q is not absolute", w)
		}
		// A missing ReadWritePaths directory stops the service at start.
		if !optional && !under(p, sb.created) {
			t.Errorf("ReadWritePaths=%s: no StateDirectory/RuntimeDirectory creates it (prefix it with - or declare it)", p)
		}
		sb.writable = append(sb.writable, p)
	}
	if v, _ := u.last("Service", "ProtectHome"); v != "" && v != "no" && v != "false" {
		sb.hidden = append(sb.hidden, "/home", "/root", "/run/user")
	}
	if v, _ := u.last("Service", "PrivateTmp"); v == "yes" || v == "true" {
		sb.hidden = append(sb.hidden, "/tmp", "/var/tmp")
	}
	return sb
}

// under reports whether p is one of dirs or inside one.
func under(p string, dirs []string) bool {
	for _, d := range dirs {
		if rel, err := filepath.Rel(d, p); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
			return true
		}
	}
	return false
}

// documentedConfig returns the deployment configuration of OPERATIONS.md:
// the ```yaml block that sets storage.
func documentedConfig(t *testing.T) []byte {
	t.Helper()
	doc, err := os.ReadFile(operationsDoc)
	if err != nil {
		t.Fatal(err)
	}
	rest := string(doc)
	for {
		_, after, ok := strings.Cut(rest, "```yaml\n")
		if !ok {
			t.Fatalf("%s: no ```yaml block with a storage section", operationsDoc)
		}
		block, tail, ok := strings.Cut(after, "```")
		if !ok {
			t.Fatalf("%s: unterminated ```yaml block", operationsDoc)
		}
		if strings.Contains(block, "\nstorage:") || strings.HasPrefix(block, "storage:") {
			return []byte(block)
		}
		rest = tail
	}
}

// placeholder secrets that pass validation, for the *_file keys the
// documented configuration names (those files exist only on the server).
var placeholderSecrets = map[string]string{
	"ytx.auth_token":          "placeholder-token",
	"ytx.callback_secret":     "0123456789abcdef0123456789abcdef",
	"slack.signing_secret":    "placeholder",
	"slack.bot_token":         "xoxb-placeholder",
	"slack.app_token":         "xapp-placeholder",
	"telegram.token":          "123456:placeholder",
	"telegram.webhook_secret": "placeholder",
}

// TestServicePaths loads the configuration OPERATIONS.md documents the way
// the unit's ExecStart would (strictly: an invented key fails), and checks
// that the store and its admin socket are writable under the unit's sandbox,
// that the configuration and secrets are readable but not writable, and that
// the socket fallback does not land in the service's private /tmp.
func TestServicePaths(t *testing.T) {
	u := loadServiceUnit(t)
	sb := serviceSandbox(t, u)
	if v, _ := u.last("Service", "ProtectSystem"); v != "strict" {
		t.Fatalf("ProtectSystem=%q: without strict the writable set means nothing", v)
	}
	configPath := serviceConfigPath(t, u)
	doc, err := os.ReadFile(operationsDoc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), configPath) {
		t.Errorf("%s does not mention the unit's --config %s", operationsDoc, configPath)
	}

	// The documented file, placed where ExecStart looks for it (in a temp
	// dir), with every *_file pointed at a placeholder through the
	// environment; the unit's own YTXBOT_* variables apply too.
	yaml := documentedConfig(t)
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(strings.NewReader(string(yaml))); err != nil {
		t.Fatalf("%s: configuration block: %v", operationsDoc, err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, filepath.Base(configPath))
	if err := os.WriteFile(file, yaml, 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	unitEnv := u.env(t)
	for k, val := range unitEnv {
		if strings.HasPrefix(k, envPrefix) {
			env = append(env, k+"="+val)
		}
	}
	secretFiles := map[string]string{} // key → documented path
	for _, s := range (&Config{}).secrets() {
		p := v.GetString(s.Key + "_file")
		if p == "" {
			continue
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(configPath), p)
		}
		secretFiles[s.Key+"_file"] = p
		ph := filepath.Join(dir, strings.ReplaceAll(s.Key, ".", "_"))
		if err := os.WriteFile(ph, []byte(placeholderSecrets[s.Key]+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		env = append(env, envName(s.Key+"_file")+"="+ph)
	}
	cfg, err := LoadConfig(file, env)
	if err != nil {
		t.Fatalf("the configuration in %s does not load: %v", operationsDoc, err)
	}

	store := cfg.Storage.Path
	if v.GetString("storage.path") == "" || !filepath.IsAbs(v.GetString("storage.path")) {
		t.Errorf("storage.path %q in %s: want it absolute (relative resolves against %s, read-only in the unit)",
			v.GetString("storage.path"), operationsDoc, filepath.Dir(configPath))
		store = filepath.Join(filepath.Dir(configPath), v.GetString("storage.path"))
	}
	if !under(store, sb.writable) {
		t.Errorf("storage.path %s is outside the unit's writable directories %v", store, sb.writable)
	}
	if sock := socketPath(store); sock != store+".sock" {
		t.Errorf("admin socket %s is not <storage.path>.sock: the path is too long", sock)
	} else if !under(sock, sb.writable) {
		t.Errorf("admin socket %s is outside the unit's writable directories %v", sock, sb.writable)
	}

	// Fallback for a storage.path too long for a socket: serve uses
	// $XDG_RUNTIME_DIR, else os.TempDir(), as the service's environment
	// sets them. The private /tmp would hide it from every CLI.
	t.Setenv("XDG_RUNTIME_DIR", unitEnv["XDG_RUNTIME_DIR"])
	t.Setenv("TMPDIR", unitEnv["TMPDIR"])
	long := filepath.Join(filepath.Dir(store), strings.Repeat("x", maxSocketPath)+".db")
	if sock := socketPath(long); !under(sock, sb.writable) || under(sock, sb.hidden) {
		t.Errorf("socket fallback %s: want it in a writable, shared directory (set Environment=XDG_RUNTIME_DIR to a RuntimeDirectory)", sock)
	}

	for _, p := range append([]string{configPath}, mapValues(secretFiles)...) {
		if under(p, sb.hidden) {
			t.Errorf("%s is hidden from the service (ProtectHome/PrivateTmp)", p)
		}
		if under(p, sb.writable) {
			t.Errorf("%s is writable by the service; keep configuration and secrets read-only", p)
		}
	}
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
