package main

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/ytxbot/ytxbot"

// allowed lists, per package pattern, the non-standard imports its non-test
// files may pull in (directly or not): SPEC §1, imports flow inward.
var allowed = []struct {
	pkg  string // package path relative to the module; "x/..." covers subpackages
	deps []string
}{
	{"ytx", nil},
	{"ytx/ytxsim", []string{"ytx"}},
	{"bot", []string{"ytx"}},
	{"bot/...", []string{"bot", "bot/memstore", "ytx", "ytx/ytxsim"}},
	{"adapters/console", []string{"bot", "ytx"}},
	{"adapters/slack", []string{"bot", "ytx", "github.com/slack-go/slack", "github.com/gorilla/websocket"}},
	{"adapters/telegram", []string{"bot", "ytx", "github.com/go-telegram/bot"}},
	{"storage", []string{"bot", "ytx", "go.etcd.io/bbolt", "golang.org/x/sys"}},
	{"cmd/...", []string{"*"}},
}

func rule(rel string) ([]string, bool) {
	for _, r := range allowed {
		if r.pkg == rel || (strings.HasSuffix(r.pkg, "/...") && strings.HasPrefix(rel+"/", strings.TrimSuffix(r.pkg, "...")) && rel != strings.TrimSuffix(r.pkg, "/...")) {
			return r.deps, true
		}
	}
	return nil, false
}

func permitted(dep string, deps []string) bool {
	for _, d := range deps {
		if d == "*" {
			return true
		}
		full := d
		if !strings.Contains(d, ".") {
			full = module + "/" + d
		}
		if dep == full || strings.HasPrefix(dep, full+"/") && !strings.HasPrefix(full, module) {
			return true
		}
	}
	return false
}

// TestImportsFlowInward guards the dependency column of SPEC §1 with go list
// over non-test files: bot never imports an SDK, bbolt or an adapter, ytx
// only the standard library.
func TestImportsFlowInward(t *testing.T) {
	pkgs, err := exec.Command("go", "list", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(pkgs)) {
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		deps, ok := rule(rel)
		if !ok {
			t.Errorf("package %s has no import rule: add it to allowed (SPEC §1)", rel)
			continue
		}
		got, err := exec.Command("go", "list", "-deps", "-f", `{{if not .Standard}}{{.ImportPath}}{{end}}`, pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(got)) {
			if dep != pkg && !permitted(dep, deps) {
				t.Errorf("%s imports %s (directly or through another package); allowed: %v", rel, dep, deps)
			}
		}
	}
}

func TestRuleMatching(t *testing.T) {
	for rel, want := range map[string]bool{"ytx": true, "bot": true, "bot/bottest": true, "botx": false, "cmd/ytxbot": true, "adapters/irc": false} {
		if _, ok := rule(rel); ok != want {
			t.Errorf("rule(%q) found = %v", rel, ok)
		}
	}
	if permitted(module+"/bot", nil) || !permitted(module+"/ytx", []string{"ytx"}) || permitted(module+"/ytx/ytxsim", []string{"ytx"}) {
		t.Error("permitted: module packages must match exactly")
	}
	if !permitted("github.com/slack-go/slack/socketmode", []string{"github.com/slack-go/slack"}) {
		t.Error("permitted: an SDK's subpackages belong to it")
	}
}
