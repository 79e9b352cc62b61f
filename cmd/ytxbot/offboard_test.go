package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// slackPeople is a fake Slack Web API that knows a workspace's people:
// users.list in pages (as Slack pages it) and users.info.
func slackPeople(t *testing.T, people []map[string]any) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.PostForm.Get("token") != "xoxb-cli-token" {
			json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/users.list":
			start, _ := strconv.Atoi(r.PostForm.Get("cursor"))
			end := min(start+2, len(people)) // small pages: the paging is exercised
			next := ""
			if end < len(people) {
				next = strconv.Itoa(end)
			}
			json.NewEncoder(w).Encode(map[string]any{"ok": true, "members": people[start:end], "response_metadata": map[string]any{"next_cursor": next}})
		case "/users.info":
			for _, p := range people {
				if p["id"] == r.PostForm.Get("user") {
					json.NewEncoder(w).Encode(map[string]any{"ok": true, "user": p})
					return
				}
			}
			json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "user_not_found"})
		default:
			json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "unknown_method"})
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func person(id, name, phone string, deleted bool) map[string]any {
	return map[string]any{"id": id, "team_id": "T0001", "name": name, "deleted": deleted,
		"profile": map[string]any{"display_name": name, "phone": phone}}
}

// TestOffboardingCLI: `phone export --stale` lists the mappings of
// deactivated Slack accounts and of Telegram users in no allowed chat;
// `phone import-slack` plans from profile numbers (a dry run changes
// nothing) and imports with --apply.
func TestOffboardingCLI(t *testing.T) {
	fake := slackPeople(t, []map[string]any{
		person("U0001", "alice", "13800000001", false),     // mapped already
		person("U0002", "bob", "+86 139-0000-0002", false), // importable
		person("U0003", "carol", "13700000003", true),      // deactivated, mapped: stale
		person("U0004", "dave", "12345", false),            // not a number
		person("U0005", "erin", "", false),                 // no number
		person("U0006", "fay", "13800000001", false),       // alice's number
		person("U0007", "gus", "010-5388-9900", false),     // a landline: outside the allow-list below
		{"id": "B0001", "team_id": "T0001", "name": "helper", "is_bot": true, "profile": map[string]any{"phone": "13600000000"}},
	})
	tg := newTgE2EAPI(t) // users 1 to 3 are in the allowed group, nobody else
	dir := t.TempDir()
	conf := filepath.Join(dir, "ytxbot.yaml")
	yaml := fmt.Sprintf(`http: {addr: "127.0.0.1:0", admin_addr: ""}
storage: {path: bot.db}
ytx: {base_url: "http://127.0.0.1:1", account_sid: %q, auth_token: %q, app_id: %q}
slack: {enabled: true, team_id: T0001, signing_secret: cli-signing-secret, bot_token: xoxb-cli-token, api_url: %q}
telegram: {enabled: true, token: %q, server_url: %q, allowed_chats: [%d]}
policy: {number_allow: ["^1[3-9]\\d{9}$"]}
`, simDefaultSID, simDefaultToken, simDefaultApp, fake.URL+"/", tgE2EToken, tg.srv.URL, tgE2EGroup)
	if err := os.WriteFile(conf, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("identity,phone,name,admin\nslack:T0001:U0001,13800000001,alice,false\nslack:T0001:U0003,13700000003,carol,false\n"+
		"telegram:2,13500000002,tg-member,false\ntelegram:7,13500000007,tg-left,false\n"), 0o600)
	if code, out, errOut := ytxbot("phone", "import", in, "--config", conf); code != 0 {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}

	code, out, errOut := ytxbot("phone", "export", "--stale", "-", "--config", conf)
	if code != 0 || !strings.Contains(out, "slack:T0001:U0003,13700000003,carol") || !strings.Contains(out, "telegram:7,13500000007,tg-left") ||
		strings.Contains(out, "U0001") || strings.Contains(out, "telegram:2") || !strings.Contains(errOut, "2 stale mapping(s)") {
		t.Fatalf("export --stale: %d %q %q", code, out, errOut)
	}

	code, out, errOut = ytxbot("phone", "import-slack", "--config", conf)
	if code != 0 {
		t.Fatalf("import-slack: %d %q %q", code, out, errOut)
	}
	for _, want := range []string{
		"slack:T0001:U0001  alice  138****0001  skip: already mapped",
		"slack:T0001:U0002  bob    139****0002  import",
		"skip: not a number ytxbot can ring",
		"skip: no number on the profile",
		"skip: the number is already slack:T0001:U0001's",
		"skip: not allowed by policy.number_allow",
		"dry run: 1 mapping(s) would be imported",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	for _, leak := range []string{"13900000002", "13800000001", "U0003", "B0001", "xoxb-cli-token"} {
		if strings.Contains(out+errOut, leak) {
			t.Errorf("plan shows %q:\n%s", leak, out)
		}
	}
	if _, out, _ := ytxbot("phone", "export", "-", "--config", conf); strings.Contains(out, "U0002") {
		t.Fatalf("the dry run imported: %s", out)
	}
	if code, out, errOut := ytxbot("phone", "import-slack", "--apply", "--config", conf); code != 0 || !strings.Contains(out, "imported 1 mapping(s) from Slack profiles") {
		t.Fatalf("import-slack --apply: %d %q %q", code, out, errOut)
	}
	if _, out, _ := ytxbot("phone", "export", "-", "--config", conf); !strings.Contains(out, "slack:T0001:U0002,13900000002,bob") {
		t.Fatalf("after --apply: %s", out)
	}
	// Both imports are admin changes in the audit log.
	if _, out, _ := ytxbot("audit", "--config", conf); strings.Count(out, "phone.import") != 2 || !strings.Contains(out, "1 mapping(s)") {
		t.Errorf("audit after two imports:\n%s", out)
	}
}
