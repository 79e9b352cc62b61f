package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// writeConfig writes content as ytxbot.yaml in a new temporary directory and
// returns its path.
func writeConfig(tb testing.TB, content string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "ytxbot.yaml")
	writeFile(tb, path, content)
	return path
}

func writeFile(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// mustLoad loads content as a config file with env and fails the test on error.
func mustLoad(tb testing.TB, content string, env ...string) *Config {
	tb.Helper()
	c, err := LoadConfig(writeConfig(tb, content), env)
	if err != nil {
		tb.Fatalf("LoadConfig: %v", err)
	}
	return c
}

// wantKeyErr checks that err names every key ("key: …" on a line of its own).
func wantKeyErr(tb testing.TB, err error, keys ...string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("LoadConfig: no error, want one naming %v", keys)
	}
	for _, k := range keys {
		if keyLine(err, k) == "" {
			tb.Errorf("error does not name %s:\n%v", k, err)
		}
	}
}

// keyLine returns the line of err about key, "" when there is none.
func keyLine(err error, key string) string {
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.HasPrefix(line, key+": ") {
			return line
		}
	}
	return ""
}

func TestDefaultConfigIsValid(t *testing.T) {
	t.Parallel()
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate() = %v", err)
	}
	got := c.MissingAccounts()
	want := []string{"ytx.account_sid", "ytx.auth_token", "ytx.app_id", "slack.signing_secret", "slack.bot_token", "telegram.token"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MissingAccounts() = %q, want %q", got, want)
	}
	err := c.RequireAccounts()
	for _, k := range want {
		if !strings.Contains(err.Error(), k+": ") {
			t.Errorf("RequireAccounts() does not name %s: %v", k, err)
		}
	}
}

func TestLoadConfigFileOnly(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, `
http: { addr: ":8443" }
timezone: "Europe/Berlin"
admins: ["slack:T0001:U0ADMIN"]
ytx:
  account_sid: "sid1"
  timeout: 3s
  cdr_query: true
slack:
  enabled: false
  commands: { call: "/dial" }
policy:
  number_allow: ["^1\\d{10}$"]
  meeting_max_parties: 8
`)
	got, err := LoadConfig(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.File = path
	want.HTTP.Addr = ":8443"
	want.Storage.Path = filepath.Join(filepath.Dir(path), "ytxbot.db")
	want.Timezone = "Europe/Berlin"
	want.Admins = []string{"slack:T0001:U0ADMIN"}
	want.YTX.AccountSID = "sid1"
	want.YTX.Timeout = 3 * time.Second
	want.YTX.CDRQuery = true
	want.Slack.Enabled = false
	want.Slack.Commands.Call = "/dial"
	want.Policy.NumberAllow = []string{`^1\d{10}$`}
	want.Policy.MeetingMaxParties = 8
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("LoadConfig:\n got %+v\nwant %+v", *got, want)
	}
}

func TestLoadConfigEnv(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `
locale: "en"
ytx: { timeout: 3s, account_sid: "from-file" }
policy: { calls_per_user_per_hour: 5 }
`,
		"YTXBOT_LOCALE=zh-CN",                     // overrides the file
		"YTXBOT_YTX_TIMEOUT=7s",                   // a duration
		"YTXBOT_POLICY_CALLS_PER_USER_PER_HOUR=9", // an int
		"YTXBOT_YTX_APP_ID=app-from-env",          // env only: not in the file
		"YTXBOT_SLACK_ENABLED=false",              // env only, a bool
		"YTXBOT_YTX_AUTH_TOKEN=env-token",         // env only, a secret
		"YTXBOT_TELEGRAM_MODE=",                   // empty: unset
		"YTXBOT_LOCALE=en",                        // a duplicate: the first wins, as with os.Getenv
		"PATH=/usr/bin", "HOME=/root",             // not ours: ignored
	)
	if c.Locale != "zh-CN" || c.YTX.Timeout != 7*time.Second || c.Policy.CallsPerUserPerHour != 9 {
		t.Errorf("env did not override the file: locale %q, ytx.timeout %v, calls_per_user_per_hour %d", c.Locale, c.YTX.Timeout, c.Policy.CallsPerUserPerHour)
	}
	if c.YTX.AppID != "app-from-env" || c.Slack.Enabled || c.YTX.AuthToken.Reveal() != "env-token" {
		t.Errorf("env-only keys did not reach the struct: app_id %q, slack.enabled %v, auth_token set %v", c.YTX.AppID, c.Slack.Enabled, c.YTX.AuthToken.IsSet())
	}
	if c.YTX.AccountSID != "from-file" || c.Telegram.Mode != TelegramPolling {
		t.Errorf("values without env changed: account_sid %q, telegram.mode %q", c.YTX.AccountSID, c.Telegram.Mode)
	}
}

func TestLoadConfigEnvWithoutFile(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig("", []string{"YTXBOT_TELEGRAM_ENABLED=false", "YTXBOT_STORAGE_PATH=rel/ytxbot.db"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Telegram.Enabled || c.Storage.Path != "rel/ytxbot.db" || c.File != "" {
		t.Errorf("got telegram.enabled %v, storage.path %q, File %q", c.Telegram.Enabled, c.Storage.Path, c.File)
	}
}

func TestLoadConfigEnvLists(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `admins: ["console:old"]`,
		`YTXBOT_ADMINS=["slack:T1:U1", "telegram:42"]`,
		`YTXBOT_TELEGRAM_ALLOWED_CHATS=[-1001234567890, -42]`,
		`YTXBOT_YTX_ENDPOINTS=[{"action":"callDailBack","version":"201512","func_url":"DailbackCall.wx"},{"action":"queryMeeting","func_url":"Query.wx"}]`,
		`YTXBOT_POLICY_NUMBER_ALLOW=[]`,
	)
	if want := []string{"slack:T1:U1", "telegram:42"}; !reflect.DeepEqual(c.Admins, want) {
		t.Errorf("admins = %q, want %q", c.Admins, want)
	}
	if want := []int64{-1001234567890, -42}; !reflect.DeepEqual(c.Telegram.AllowedChats, want) {
		t.Errorf("telegram.allowed_chats = %v, want %v", c.Telegram.AllowedChats, want)
	}
	wantEP := []Endpoint{{"callDailBack", "201512", "DailbackCall.wx"}, {"queryMeeting", "", "Query.wx"}}
	if !reflect.DeepEqual(c.YTX.Endpoints, wantEP) {
		t.Errorf("ytx.endpoints = %+v, want %+v", c.YTX.Endpoints, wantEP)
	}
	if len(c.Policy.NumberAllow) != 0 {
		t.Errorf("policy.number_allow = %q, want empty", c.Policy.NumberAllow)
	}

	for _, tc := range []struct{ env, key string }{
		{`YTXBOT_ADMINS=slack:T1:U1,telegram:42`, "YTXBOT_ADMINS"}, // comma lists are not JSON
		{`YTXBOT_ADMINS=["slack:T1:U1"`, "YTXBOT_ADMINS"},
		{`YTXBOT_TELEGRAM_ALLOWED_CHATS=["-42"]`, "YTXBOT_TELEGRAM_ALLOWED_CHATS"},
		{`YTXBOT_YTX_ENDPOINTS={"action":"callDailBack"}`, "YTXBOT_YTX_ENDPOINTS"},
		{`YTXBOT_YTX_ENDPOINTS=[{"action":"callDailBack","funcurl":"X.wx"}]`, "ytx.endpoints[0].funcurl"},
		{`YTXBOT_YTX_ENDPOINTS=[{"action":"dial"}]`, "ytx.endpoints[0].action"},
	} {
		t.Run(tc.env, func(t *testing.T) {
			t.Parallel()
			_, err := LoadConfig("", []string{tc.env})
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("LoadConfig(env %s) = %v, want an error naming %s", tc.env, err, tc.key)
			}
		})
	}
}

func TestLoadConfigSecretFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "secrets", "token"), "file-token-value\n")
	writeFile(t, filepath.Join(dir, "secrets", "signing"), "file-signing-value\r\n")
	abs := filepath.Join(t.TempDir(), "bot_token")
	writeFile(t, abs, "xoxb-file-bot-token")

	path := filepath.Join(dir, "ytxbot.yaml")
	writeFile(t, path, `
ytx: { auth_token_file: "secrets/token" }
slack: { signing_secret_file: secrets/signing }
`)
	c, err := LoadConfig(path, []string{"YTXBOT_SLACK_BOT_TOKEN_FILE=" + abs})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.YTX.AuthToken.Reveal(); got != "file-token-value" {
		t.Errorf("ytx.auth_token from a relative *_file = %q", got)
	}
	if c.YTX.AuthTokenFile != filepath.Join(dir, "secrets", "token") {
		t.Errorf("ytx.auth_token_file = %q, want it resolved against the config directory", c.YTX.AuthTokenFile)
	}
	if got := c.Slack.SigningSecret.Reveal(); got != "file-signing-value" {
		t.Errorf("slack.signing_secret = %q, want the file without its CRLF", got)
	}
	if got := c.Slack.BotToken.Reveal(); got != "xoxb-file-bot-token" {
		t.Errorf("slack.bot_token from YTXBOT_SLACK_BOT_TOKEN_FILE = %q", got)
	}

	t.Run("both set", func(t *testing.T) {
		t.Parallel()
		_, err := LoadConfig(path, []string{"YTXBOT_YTX_AUTH_TOKEN=also-set"})
		wantKeyErr(t, err, "ytx.auth_token")
		if err != nil && !strings.Contains(err.Error(), "ytx.auth_token_file") {
			t.Errorf("error does not name ytx.auth_token_file: %v", err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		t.Parallel()
		_, err := LoadConfig("", []string{"YTXBOT_TELEGRAM_TOKEN_FILE=" + filepath.Join(dir, "nope")})
		wantKeyErr(t, err, "telegram.token_file")
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("error %v is not fs.ErrNotExist", err)
		}
	})
	t.Run("empty file", func(t *testing.T) {
		t.Parallel()
		empty := filepath.Join(t.TempDir(), "empty")
		writeFile(t, empty, "\n")
		_, err := LoadConfig("", []string{"YTXBOT_TELEGRAM_WEBHOOK_SECRET_FILE=" + empty})
		wantKeyErr(t, err, "telegram.webhook_secret_file")
	})
	t.Run("directory", func(t *testing.T) {
		t.Parallel()
		_, err := LoadConfig("", []string{"YTXBOT_YTX_CALLBACK_SECRET_FILE=" + dir})
		wantKeyErr(t, err, "ytx.callback_secret_file")
	})
}

func TestLoadConfigUnknownKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml string
		env        []string
		key        string
	}{
		{"top level", "colour: blue\n", nil, "colour"},
		{"nested typo", "slack: { bot_tokn: x }\n", nil, "slack.bot_tokn"},
		{"deep", "slack: { commands: { hangup: /hangup } }\n", nil, "slack.commands.hangup"},
		{"endpoint field", "ytx: { endpoints: [{ action: callDailBack, funcurl: X.wx }] }\n", nil, "ytx.endpoints[0].funcurl"},
		{"section as a value", "http: 8080\n", nil, "http"},
		{"value as a section", "timezone: { name: UTC }\n", nil, "timezone"},
		{"secret file key of a non-secret", "ytx: { app_id_file: /x }\n", nil, "ytx.app_id_file"},
		{"env", "", []string{"YTXBOT_SLACK_BOT_TOKN=x"}, "YTXBOT_SLACK_BOT_TOKN"},
		{"env section", "", []string{"YTXBOT_HTTP=x"}, "YTXBOT_HTTP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadConfig(writeConfig(t, tc.yaml), tc.env)
			wantKeyErr(t, err, tc.key)
		})
	}

	_, err := LoadConfig(writeConfig(t, "slack: { bot_tokn: x }\n"), []string{"YTXBOT_SLAK_ENABLED=true"})
	for _, hint := range []string{"did you mean slack.bot_token?", "did you mean YTXBOT_SLACK_ENABLED?"} {
		if err == nil || !strings.Contains(err.Error(), hint) {
			t.Errorf("error %v lacks the hint %q", err, hint)
		}
	}
}

func TestLoadConfigBadValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml string
		env        []string
		key        string
		msg        string // part of the message, when the key alone could match for another reason
	}{
		{"addr without port", `http: { addr: "localhost" }`, nil, "http.addr", ""},
		{"addr bad port", `http: { admin_addr: "127.0.0.1:99999" }`, nil, "http.admin_addr", ""},
		{"addr twice", `http: { addr: ":9000", admin_addr: ":9000" }`, nil, "http.admin_addr", ""},
		{"empty storage path", `storage: { path: "" }`, nil, "storage.path", ""},
		{"duration as number", `storage: { retention: 10 }`, nil, "storage.retention", "want a duration with a unit"},
		{"duration without unit", `ytx: { timeout: "10" }`, nil, "ytx.timeout", ""},
		{"negative duration", `ytx: { timeout: -1s }`, nil, "ytx.timeout", ""},
		{"zero duration", `tracker: { poll_interval: 0s }`, nil, "tracker.poll_interval", ""},
		{"poll longer than max age", `tracker: { poll_interval: 2h, max_age: 1h }`, nil, "tracker.poll_interval", ""},
		{"timezone", `timezone: "Mars/Olympus"`, nil, "timezone", ""},
		{"locale", `locale: "fr"`, nil, "locale", ""},
		{"admin identity", `admins: ["alice"]`, nil, "admins[0]", ""},
		{"admin slack identity", `admins: ["console:me", "slack:U0001"]`, nil, "admins[1]", ""},
		{"admins not a list of strings", `admins: [{ id: x }]`, nil, "admins[0]", "want a string; got a mapping"},
		{"alerts channel", `alerts: { slack_channel: "#ops" }`, nil, "alerts.slack_channel", ""},
		{"alerts slack disabled", `{ alerts: { slack_channel: "C0123" }, slack: { enabled: false } }`, nil, "alerts.slack_channel", ""},
		{"alerts telegram disabled", `{ alerts: { telegram_chat: -42 }, telegram: { enabled: false } }`, nil, "alerts.telegram_chat", ""},
		{"telegram chat as string", `alerts: { telegram_chat: "-42" }`, nil, "alerts.telegram_chat", "want a whole number; got a string"},
		{"base url", `ytx: { base_url: "sandbox.ytx.net" }`, nil, "ytx.base_url", ""},
		{"base url empty", `ytx: { base_url: "" }`, nil, "ytx.base_url", ""},
		{"parties encoding", `ytx: { parties_encoding: "csv" }`, nil, "ytx.parties_encoding", ""},
		{"shownumber as number", `ytx: { shownumber: 2112345678 }`, nil, "ytx.shownumber", "want a string; got a number (write it in quotes"},
		{"shownumber letters", `ytx: { shownumber: "call-me" }`, nil, "ytx.shownumber", ""},
		{"callback secret short", `ytx: { callback_secret: "short" }`, nil, "ytx.callback_secret", ""},
		{"endpoint action", `ytx: { endpoints: [{ action: callDialBack }] }`, nil, "ytx.endpoints[0].action", ""},
		{"endpoint version", `ytx: { endpoints: [{ action: queryMeeting, version: "2016" }] }`, nil, "ytx.endpoints[0].version", ""},
		{"endpoint func_url", `ytx: { endpoints: [{ action: queryMeeting, func_url: "../x" }] }`, nil, "ytx.endpoints[0].func_url", ""},
		{"endpoint twice", `ytx: { endpoints: [{ action: queryMeeting }, { action: queryMeeting }] }`, nil, "ytx.endpoints[1].action", ""},
		{"endpoints as map", `ytx: { endpoints: { callDailBack: { version: "201512" } } }`, nil, "ytx.endpoints", "want a list of mappings; got a mapping"},
		{"endpoint as string", `ytx: { endpoints: [callDailBack] }`, nil, "ytx.endpoints[0]", "want a mapping; got a string"},
		{"cdr_query yes", `ytx: { cdr_query: yes }`, nil, "ytx.cdr_query", "want true or false; got a string"},
		{"bool from env", "", []string{"YTXBOT_SLACK_ENABLED=yes"}, "slack.enabled", ""},
		{"int from env", "", []string{"YTXBOT_POLICY_MEETING_MAX_PARTIES=ten"}, "policy.meeting_max_parties", ""},
		{"duration from env", "", []string{"YTXBOT_TRACKER_MAX_AGE=6"}, "tracker.max_age", ""},
		{"team id", `slack: { team_id: "acme" }`, nil, "slack.team_id", ""},
		{"bot token kind", `slack: { bot_token: "xoxp-user-token" }`, nil, "slack.bot_token", ""},
		{"app token kind", `slack: { app_token: "xoxb-bot-token" }`, nil, "slack.app_token", ""},
		{"api url", `slack: { api_url: "slack.com/api" }`, nil, "slack.api_url", ""},
		{"ack_within too long", `slack: { ack_within: 3s }`, nil, "slack.ack_within", ""},
		{"ack_within zero", `slack: { ack_within: 0s }`, nil, "slack.ack_within", ""},
		{"command without slash", `slack: { commands: { meet: "meet" } }`, nil, "slack.commands.meet", ""},
		{"command twice", `slack: { commands: { call: "/meet" } }`, nil, "slack.commands.call", ""},
		{"telegram mode", `telegram: { mode: "push" }`, nil, "telegram.mode", ""},
		{"webhook without url", `telegram: { mode: "webhook" }`, nil, "telegram.webhook_url", ""},
		{"webhook url http", `telegram: { mode: "webhook", webhook_url: "http://bot.example.com/telegram/webhook" }`, nil, "telegram.webhook_url", ""},
		{"webhook secret chars", `telegram: { webhook_secret: "not allowed!" }`, nil, "telegram.webhook_secret", ""},
		{"telegram token shape", `telegram: { token: "abc" }`, nil, "telegram.token", ""},
		{"server url", `telegram: { server_url: "ftp://x" }`, nil, "telegram.server_url", ""},
		{"allowed chat zero", `telegram: { allowed_chats: [0] }`, nil, "telegram.allowed_chats[0]", ""},
		{"allowed chat fraction", `telegram: { allowed_chats: [1.5] }`, nil, "telegram.allowed_chats[0]", "want a whole number; got 1.5"},
		{"allowed chat string", `telegram: { allowed_chats: [-1, "-2"] }`, nil, "telegram.allowed_chats[1]", "want a whole number; got a string"},
		{"number_allow regexp", `policy: { number_allow: ["^1[3-9"] }`, nil, "policy.number_allow[0]", ""},
		{"number_allow empty", `policy: { number_allow: ["^1\\d{10}$", ""] }`, nil, "policy.number_allow[1]", ""},
		{"limit negative", `policy: { calls_per_minute_global: -1 }`, nil, "policy.calls_per_minute_global", ""},
		{"limit fraction", `policy: { rings_per_target_per_hour: 2.5 }`, nil, "policy.rings_per_target_per_hour", "whole number"},
		{"secret as list", `slack: { bot_token: ["xoxb-1"] }`, nil, "slack.bot_token", "want a string; got a list"},
		{"section as list", `tracker: [5s, 6h]`, nil, "tracker", "is a section"},
		{"list as string", `admins: "console:me"`, nil, "admins", "want a list"},
		{"dialback default too short", `policy: { dialback_default_max: 60s }`, nil, "policy.dialback_default_max", ""},
		{"dialback default above ceiling", `policy: { dialback_default_max: 3h }`, nil, "policy.dialback_default_max", ""},
		{"dialback ceiling", `policy: { dialback_ceiling: 30s }`, nil, "policy.dialback_ceiling", ""},
		{"duplicate window", `policy: { duplicate_window: -1s }`, nil, "policy.duplicate_window", ""},
		{"secret with a space", "", []string{"YTXBOT_SLACK_SIGNING_SECRET=abc def"}, "slack.signing_secret", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadConfig(writeConfig(t, tc.yaml+"\n"), tc.env)
			wantKeyErr(t, err, tc.key)
			if line := keyLine(err, tc.key); !strings.Contains(line, tc.msg) {
				t.Errorf("the line about %s does not say %q:\n%v", tc.key, tc.msg, err)
			}
		})
	}
}

func TestLoadConfigListsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := LoadConfig(filepath.Join("testdata", "config", "bad.yaml"), nil)
	wantKeyErr(t, err, "http.addr", "storage.retention", "timezone", "locale", "admins[0]",
		"ytx.parties_encoding", "ytx.endpoints[0].action", "slack.bot_tokn", "slack.commands.meet",
		"telegram.mode", "policy.dialback_default_max", "policy.number_allow[0]", "colour")
	if n := len(problemList(err)); n != 13 {
		t.Errorf("%d problems, want 13 (one per key):\n%v", n, err)
	}
}

func TestLoadConfigFileErrors(t *testing.T) {
	t.Parallel()
	_, err := LoadConfig(filepath.Join(t.TempDir(), "missing.yaml"), nil)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing named file: %v, want fs.ErrNotExist", err)
	}
	_, err = LoadConfig(writeConfig(t, "http: [\n"), nil)
	if err == nil {
		t.Error("invalid YAML: no error")
	}
	_, err = LoadConfig(writeConfig(t, "ytx: {}\nytx: {}\n"), nil)
	if err == nil {
		t.Error("duplicate key: no error")
	}
}

func TestLoadConfigRelativePaths(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `storage: { path: "data/bot.db" }`)
	if want := filepath.Join(filepath.Dir(c.File), "data", "bot.db"); c.Storage.Path != want {
		t.Errorf("storage.path = %q, want %q", c.Storage.Path, want)
	}
	c = mustLoad(t, `storage: { path: "/var/lib/ytxbot/bot.db" }`)
	if c.Storage.Path != "/var/lib/ytxbot/bot.db" {
		t.Errorf("absolute storage.path = %q", c.Storage.Path)
	}
	c = mustLoad(t, ``, "YTXBOT_STORAGE_PATH=run/bot.db")
	if c.Storage.Path != "run/bot.db" {
		t.Errorf("storage.path from env = %q, want it relative to the working directory as given", c.Storage.Path)
	}
	if !filepath.IsAbs(c.File) {
		t.Errorf("File = %q, want an absolute path", c.File)
	}
}

func TestLoadConfigDefaultFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)

	c, err := LoadConfig("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.File != "" || c.Storage.Path != "ytxbot.db" {
		t.Errorf("without ./ytxbot.yaml: File %q, storage.path %q; want defaults", c.File, c.Storage.Path)
	}

	writeFile(t, filepath.Join(dir, "ytxbot.yaml"), "locale: zh-CN\n")
	c, err = LoadConfig("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Locale != "zh-CN" || c.File != filepath.Join(dir, "ytxbot.yaml") {
		t.Errorf("./ytxbot.yaml not picked up: locale %q, File %q", c.Locale, c.File)
	}
	if c.Storage.Path != filepath.Join(dir, "ytxbot.db") {
		t.Errorf("storage.path = %q, want it next to the file", c.Storage.Path)
	}
}

func TestExampleConfigLoads(t *testing.T) {
	t.Parallel()
	path := filepath.Join("..", "..", "configs", "ytxbot.example.yaml")
	c, err := LoadConfig(path, nil)
	if err != nil {
		t.Fatalf("the example does not load: %v", err)
	}
	want := DefaultConfig()
	want.File = c.File
	want.Storage.Path = filepath.Join(filepath.Dir(c.File), want.Storage.Path)
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("the example's values are not the defaults:\n got %+v\nwant %+v", *c, want)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range configKeys() {
		last := k.Path[strings.LastIndex(k.Path, ".")+1:]
		if !strings.Contains(string(raw), last+":") {
			t.Errorf("the example does not mention %s", k.Path)
		}
	}
}

func TestGoodFixture(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig(filepath.Join("testdata", "config", "good.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RequireAccounts(); err != nil {
		t.Errorf("RequireAccounts: %v", err)
	}
	dir := filepath.Dir(c.File)
	if c.Storage.Path != filepath.Join(dir, "data", "ytxbot.db") {
		t.Errorf("storage.path = %q", c.Storage.Path)
	}
	if !c.Slack.SocketMode() || c.Slack.AppToken.Reveal() != "xapp-fixture-app-token-0001" || c.Telegram.WebhookSecret.Reveal() != "fixture_webhook_secret_0001" {
		t.Errorf("secrets from files: app token %q, webhook secret %q", c.Slack.AppToken.Reveal(), c.Telegram.WebhookSecret.Reveal())
	}
	if c.Slack.AckWithin != 1500*time.Millisecond || c.Alerts.TelegramChat != -1001234567890 || c.YTX.Shownumber != "02112345678" {
		t.Errorf("values: ack_within %v, telegram_chat %d, shownumber %q", c.Slack.AckWithin, c.Alerts.TelegramChat, c.YTX.Shownumber)
	}

	got := c.YTXClientConfig()
	want := ytx.Config{
		BaseURL:         "http://127.0.0.1:8090",
		AccountSID:      "ytxsimaccountsid0000000000000001",
		AuthToken:       "fixture-ytx-auth-token-0001",
		AppID:           "ytxsimapp0001",
		ShowNumber:      "02112345678",
		Endpoints:       []ytx.Endpoint{{Action: "callDailBack", Version: "201512", FuncURL: "DailbackCall.wx"}},
		PartiesEncoding: ytx.PartiesArray,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("YTXClientConfig() = %+v, want %+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("the ytx client refuses the mapped config: %v", err)
	}
}

func TestRequireAccounts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  []string
		want []string
	}{
		{"platforms off", []string{"YTXBOT_SLACK_ENABLED=false", "YTXBOT_TELEGRAM_ENABLED=false", "YTXBOT_YTX_ACCOUNT_SID=s", "YTXBOT_YTX_AUTH_TOKEN=t", "YTXBOT_YTX_APP_ID=a"},
			[]string{"slack.enabled or telegram.enabled"}},
		{"socket mode needs no signing secret", []string{"YTXBOT_TELEGRAM_ENABLED=false", "YTXBOT_SLACK_APP_TOKEN=xapp-1", "YTXBOT_SLACK_BOT_TOKEN=xoxb-1"},
			[]string{"ytx.account_sid", "ytx.auth_token", "ytx.app_id"}},
		{"webhook needs its secret", []string{"YTXBOT_SLACK_ENABLED=false", "YTXBOT_TELEGRAM_MODE=webhook", "YTXBOT_TELEGRAM_WEBHOOK_URL=https://x.example/telegram/webhook", "YTXBOT_TELEGRAM_TOKEN=1:a"},
			[]string{"ytx.account_sid", "ytx.auth_token", "ytx.app_id", "telegram.webhook_secret"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := LoadConfig("", tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.MissingAccounts(); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("MissingAccounts() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestConfigNeverLeaksSecrets sets every secret to a recognisable value and
// checks every way a Config or a config error is printed.
func TestConfigNeverLeaksSecrets(t *testing.T) {
	t.Parallel()
	const marker = "s3cr3tvalue"
	secretEnv := func(bad bool) []string {
		var env []string
		for i, s := range (&Config{}).secrets() {
			v := fmt.Sprintf("%s%d", marker, i)
			switch s.Key {
			case "slack.bot_token":
				v = "xoxb-" + v
			case "slack.app_token":
				v = "xapp-" + v
			case "telegram.token":
				v = "1:" + v
			case "ytx.callback_secret":
				v += "_long_enough"
			}
			if bad {
				v = "bad " + v + "\n" // every shape check fails
			}
			env = append(env, envName(s.Key)+"="+v)
		}
		return env
	}

	c, err := LoadConfig("", secretEnv(false))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range c.secrets() {
		if !strings.Contains(s.Value.Reveal(), marker) {
			t.Fatalf("%s not set: the test sets nothing", s.Key)
		}
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "%v %+v %#v %+v %s %q %x\n", *c, *c, *c, c, c.YTX.AuthToken, c.YTX.AuthToken, c.YTX.AuthToken)
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(j)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("config", "token", c.Slack.BotToken, "slack", c.Slack)
	slog.New(slog.NewTextHandler(&out, nil)).Info("config", "token", c.Slack.BotToken, "cfg", c)
	writeConfigSummary(&out, c)
	if err := runConfigCheck(&out, &out, "", secretEnv(false), false); err != nil {
		out.WriteString(err.Error())
	}

	// Errors: shapes, both a secret and its file, a secret in the wrong type.
	_, err = LoadConfig("", secretEnv(true))
	fmt.Fprintln(&out, err)
	if n := len(problemList(err)); n < 6 {
		t.Errorf("bad secrets gave %d problems, want one per secret:\n%v", n, err)
	}
	env := append(secretEnv(false), "YTXBOT_YTX_AUTH_TOKEN_FILE=/nonexistent")
	_, err = LoadConfig("", env)
	fmt.Fprintln(&out, err)
	_, err = LoadConfig(writeConfig(t, "ytx: { auth_token: 123456789 }\nslack: { bot_token: [\""+marker+"\"] }\n"), nil)
	fmt.Fprintln(&out, err)
	_ = runConfigCheck(&out, &out, "", secretEnv(true), false)

	if strings.Contains(out.String(), marker) || strings.Contains(out.String(), "123456789") {
		t.Errorf("a secret leaked:\n%s", out.String())
	}
	if !strings.Contains(out.String(), redacted) {
		t.Errorf("nothing was redacted: the test prints nothing?\n%s", out.String())
	}
}

func TestSecret(t *testing.T) {
	t.Parallel()
	s := Secret("hunter2")
	for _, got := range []string{
		s.String(), fmt.Sprint(s), fmt.Sprintf("%v|%+v|%s|%q|%x|%10s", s, s, s, s, s, s), fmt.Sprintf("%#v", s),
		fmt.Sprintf("%v", struct{ T Secret }{s}), fmt.Sprintf("%+v", &struct{ T Secret }{s}), fmt.Sprintf("%#v", struct{ T Secret }{s}),
	} {
		if strings.Contains(got, "hunter2") || !strings.Contains(got, redacted) {
			t.Errorf("printed as %q", got)
		}
	}
	var j bytes.Buffer
	enc := json.NewEncoder(&j)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]any{"s": s, "empty": Secret("")}); err != nil || j.String() != `{"empty":"","s":"<redacted>"}`+"\n" {
		t.Errorf("JSON = %s, %v", j.String(), err)
	}
	txt, _ := s.MarshalText()
	if string(txt) != redacted {
		t.Errorf("MarshalText = %q", txt)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "s", s, "e", Secret(""))
	if strings.Contains(buf.String(), "hunter2") || !strings.Contains(buf.String(), "s=<redacted> e=\"\"") {
		t.Errorf("slog: %s", buf.String())
	}
	if s.Reveal() != "hunter2" || Secret("").String() != "" || Secret("").GoString() != `""` || Secret("").IsSet() {
		t.Error("Reveal or empty forms wrong")
	}
}

func TestConfigCheckCommand(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, env []string, args ...string) (stdout, stderr string, err error) {
		t.Helper()
		cmd := newConfigCmdEnv(func() []string { return env })
		var o, e bytes.Buffer
		cmd.SetOut(&o)
		cmd.SetErr(&e)
		cmd.SetArgs(args)
		err = cmd.Execute()
		return o.String(), e.String(), err
	}

	t.Run("good", func(t *testing.T) {
		t.Parallel()
		good := filepath.Join("testdata", "config", "good.yaml")
		out, errOut, err := run(t, nil, "check", "--config", good)
		if err != nil {
			t.Fatalf("check: %v\n%s%s", err, out, errOut)
		}
		abs, _ := filepath.Abs(good)
		for _, want := range []string{
			"config OK: " + abs,
			"slack:     enabled, Socket Mode (signing_secret unset, bot_token set (from bot_token_file), app_token set (from app_token_file))",
			"telegram:  enabled, webhook (token set (from token_file), webhook_secret set (from webhook_secret_file), webhook_url https://bot.example.com/telegram/webhook, 1 allowed chat)",
			"ytx:       http://127.0.0.1:8090 (account_sid set, auth_token set (from auth_token_file), app_id set, callback_secret set (from callback_secret_file): pushes on)",
			"storage:   " + filepath.Join(filepath.Dir(abs), "data", "ytxbot.db"),
			"timezone:  Europe/Berlin",
			"ready to serve: yes",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if errOut != "" || strings.Contains(out, "fixture") {
			t.Errorf("stderr %q; stdout shows a secret?\n%s", errOut, out)
		}
	})

	t.Run("bad", func(t *testing.T) {
		t.Parallel()
		out, errOut, err := run(t, nil, "check", "--config", filepath.Join("testdata", "config", "bad.yaml"))
		if !errors.Is(err, errSilent) {
			t.Fatalf("check: %v, want errSilent (a non-zero exit)", err)
		}
		if out != "" {
			t.Errorf("stdout = %q, want nothing", out)
		}
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if !strings.Contains(lines[0], "has 13 problems") || len(lines) != 14 {
			t.Fatalf("want a heading and 13 problems, one per line:\n%s", errOut)
		}
		for _, l := range lines[1:] {
			if !strings.HasPrefix(l, "  ") || !strings.Contains(l, ": ") {
				t.Errorf("line %q does not name a key", l)
			}
		}
		for _, want := range []string{"  slack.bot_tokn: unknown key (did you mean slack.bot_token?)", "  colour: unknown key", "  http.addr: "} {
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
		}
	})

	t.Run("not ready to serve", func(t *testing.T) {
		t.Parallel()
		env := []string{"YTXBOT_TELEGRAM_ENABLED=false", "YTXBOT_SLACK_BOT_TOKEN=xoxb-1"}
		out, errOut, err := run(t, env, "check", "--config", writeConfig(t, "ytx: { app_id: app }\n"))
		if !errors.Is(err, errSilent) {
			t.Fatalf("check: %v, want errSilent", err)
		}
		for _, want := range []string{"config OK", "telegram:  disabled", "ready to serve: no — missing: ytx.account_sid, ytx.auth_token, slack.signing_secret"} {
			if !strings.Contains(out, want) {
				t.Errorf("stdout lacks %q:\n%s", want, out)
			}
		}
		if !strings.Contains(errOut, "  ytx.auth_token: empty; serve needs it (set ytx.auth_token or ytx.auth_token_file") {
			t.Errorf("stderr:\n%s", errOut)
		}

		_, _, err = run(t, env, "check", "--shape-only", "--config", writeConfig(t, "ytx: { app_id: app }\n"))
		if err != nil {
			t.Errorf("--shape-only: %v, want success", err)
		}
	})

	t.Run("missing file", func(t *testing.T) {
		t.Parallel()
		_, errOut, err := run(t, nil, "check", "--config", filepath.Join(t.TempDir(), "nope.yaml"))
		if !errors.Is(err, errSilent) || !strings.Contains(errOut, "no such file") {
			t.Errorf("err %v, stderr %q", err, errOut)
		}
	})
}
