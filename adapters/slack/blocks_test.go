package slack

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
)

func TestCardBlocksEscapeUserText(t *testing.T) {
	c := &bot.Card{
		Kind:     bot.MeetingKind,
		Locale:   "en",
		Title:    "<!channel> standup & <https://evil.example|click>",
		Ref:      "#7",
		Room:     "100001",
		CallerID: "01053189900",
		Status:   "in progress",
		Elapsed:  90 * time.Second,
		Note:     "state unknown · refreshed 10:42",
		Rows: []bot.CardRow{
			{Name: "<@U0BOSS> *eve*", Number: "138****0001", State: "joined",
				Hangup: &bot.Button{ID: "m:7:hangup:0", Label: "Hang up", Style: "danger"}},
			{Name: "bob\nline2", Number: "139****0002", State: "no answer", Reason: "busy <b>"},
		},
		Buttons: []bot.Button{{ID: "m:7:invite", Label: "Invite…", Style: "primary"}, {ID: "m:7:end", Label: "End meeting", Style: "danger"}},
	}
	js := rawJSON(t, cardBlocks(c))
	s := string(js)
	// Every mrkdwn text is inert: no < or > left for Slack to parse.
	var blocks []map[string]any
	_ = json.Unmarshal(js, &blocks)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "mrkdwn" {
				if txt, _ := x["text"].(string); strings.ContainsAny(txt, "<>\n") {
					t.Errorf("mrkdwn text carries markup or a line break: %q", txt)
				}
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	for _, b := range blocks {
		walk(b)
	}
	for _, want := range []string{
		`"type":"header"`, "&lt;@U0BOSS&gt;", "*#7* · in progress",
		"room 100001 · calls from 01053189900 · 1:30 so far · _state unknown · refreshed 10:42_",
		"`138****0001` — joined", "— no answer (busy &lt;b&gt;)",
		`"action_id":"m:7:hangup:0"`, `"style":"danger"`, `"action_id":"m:7:invite"`, `"style":"primary"`,
		`"verbatim":true`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("blocks lack %q: %s", want, s)
		}
	}
	// The header is plain text, where Slack parses no markup: what was
	// typed is shown as typed.
	if h := blocks[0]["text"].(map[string]any); h["type"] != "plain_text" || h["text"] != c.Title {
		t.Errorf("header %v", h)
	}
	// The fallback text is escaped by slack-go (MsgOptionText escape=true);
	// the option set has both.
	if n := len(cardOptions(c)); n != 2 {
		t.Errorf("%d message options, want text and blocks", n)
	}
}

func TestCardBlocksManyRows(t *testing.T) {
	c := &bot.Card{Title: "all hands", Ref: "#9", Buttons: []bot.Button{{ID: "m:9:refresh", Label: "Refresh"}}}
	for range 300 {
		c.Rows = append(c.Rows, bot.CardRow{Name: "someone with a long name", Number: "138****0001", State: "joined"})
	}
	blocks := cardBlocks(c)
	if len(blocks) > maxBlocks {
		t.Errorf("%d blocks, Slack allows %d", len(blocks), maxBlocks)
	}
	for _, b := range blocks {
		js, _ := json.Marshal(b)
		var v struct {
			Text struct{ Text string } `json:"text"`
		}
		_ = json.Unmarshal(js, &v)
		if n := len([]rune(v.Text.Text)); n > maxSectionText {
			t.Errorf("a block has %d characters of text", n)
		}
	}
	if _, ok := blocks[len(blocks)-1].(interface{ ID() string }); !ok || blocks[len(blocks)-1].ID() != "card_actions" {
		t.Error("the buttons are not last")
	}
}

func TestReplyTextKeepsMentionsOnly(t *testing.T) {
	got := replyText("Skipped <@U0002> and <!subteam^S1|@oncall>; title “<https://evil|x>” & <!here>")
	want := "Skipped <@U0002> and <!subteam^S1|@oncall>; title “&lt;https://evil|x&gt;” &amp; &lt;!here&gt;"
	if got != want {
		t.Errorf("replyText:\n got %s\nwant %s", got, want)
	}
}

func TestTypedNumbers(t *testing.T) {
	cases := []struct {
		in      string
		want    []string
		wantErr error
	}{
		{"", nil, nil},
		{"138-0000-0001", []string{"13800000001"}, nil},
		{"+86 138 0000 0001\n010-5388-9900,1234", []string{"13800000001", "01053889900,1234"}, nil},
		{"13800000001 13900000002", []string{"13800000001", "13900000002"}, nil},
		{"13800000001,13900000002", []string{"13800000001", "13900000002"}, nil},
		{"13800000001;13900000002、13700000003", []string{"13800000001", "13900000002", "13700000003"}, nil},
		{"12345678", nil, bot.ErrBadPhone},
		{"13800000001\nbob", nil, errNotNumber},
		{"@alice", nil, errNotNumber},
	}
	for _, tc := range cases {
		got, err := typedNumbers(tc.in)
		if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && !slices.Equal(got, tc.want)) {
			t.Errorf("typedNumbers(%q) = %v, %v; want %v, %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestInviteModalCarriesNoNumber(t *testing.T) {
	v := inviteModal("m:12:invite", "C0001", "zh-CN")
	s := string(rawJSON(t, v))
	for _, want := range []string{`"callback_id":"ytxbot_invite"`, `"type":"multi_users_select"`, `"type":"plain_text_input"`, "邀请加入 #12", `"optional":true`} {
		if !strings.Contains(s, want) {
			t.Errorf("modal lacks %s: %s", want, s)
		}
	}
	var meta inviteMeta
	if err := json.Unmarshal([]byte(v.PrivateMetadata), &meta); err != nil || meta.Action != "m:12:invite" || meta.Channel != "C0001" {
		t.Errorf("private_metadata %q", v.PrivateMetadata)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{SigningSecret: "s", BotToken: "xoxb-1"}
	cases := []struct {
		name string
		mod  func(*Config)
		want string // "" = valid
	}{
		{"minimal", func(*Config) {}, ""},
		{"socket mode needs no signing secret", func(c *Config) { c.SigningSecret, c.AppToken = "", "xapp-1" }, ""},
		{"no bot token", func(c *Config) { c.BotToken = "" }, "bot token"},
		{"http mode without secret", func(c *Config) { c.SigningSecret = "" }, "signing secret"},
		{"api url without slash", func(c *Config) { c.APIURL = "http://127.0.0.1:1/api" }, `end with "/"`},
		{"api url not http", func(c *Config) { c.APIURL = "ftp://x/" }, "absolute http"},
		{"ack 3s", func(c *Config) { c.AckWithin = 3 * time.Second }, "less than 3s"},
		{"ack negative", func(c *Config) { c.AckWithin = -time.Second }, "less than 3s"},
		{"command without slash", func(c *Config) { c.Commands.Meet = "meet" }, "slash command"},
		{"command twice", func(c *Config) { c.Commands.Meet, c.Commands.Call = "/x", "/x" }, "twice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mod(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Validate: %v, want %q", err, tc.want)
			}
		})
	}
}

func TestNewDefaultsAndOptions(t *testing.T) {
	h := &countingHandler{}
	a, err := New(Config{SigningSecret: "s", BotToken: "xoxb-1"}, h)
	if err != nil {
		t.Fatal(err)
	}
	if a.cfg.AckWithin != DefaultAckWithin || a.roots["/meet"] != bot.RootMeet || a.roots["/phone"] != bot.RootPhone {
		t.Errorf("defaults: %+v", a.cfg)
	}
	if _, err := New(Config{SigningSecret: "s", BotToken: "xoxb-1"}, nil); err == nil {
		t.Error("New without a handler")
	}
	if _, err := New(Config{SigningSecret: "s", BotToken: "xoxb-1"}, h, WithHTTPClient(nil)); err == nil {
		t.Error("New with a nil HTTP client")
	}
	if _, err := New(Config{SigningSecret: "s", BotToken: "xoxb-1"}, h, WithClock(nil)); err == nil {
		t.Error("New with a nil clock")
	}
	if _, err := New(Config{SigningSecret: "s", BotToken: "xoxb-1"}, h, WithLogger(nil)); err == nil {
		t.Error("New with a nil logger")
	}
}

func TestResponseURLMustBeSlack(t *testing.T) {
	a, err := New(Config{SigningSecret: "s", BotToken: "xoxb-1", APIURL: "http://127.0.0.1:9/api/"}, &countingHandler{})
	if err != nil {
		t.Fatal(err)
	}
	for u, want := range map[string]bool{
		"https://hooks.slack.com/commands/T1/1/x": true,
		"http://hooks.slack.com/commands/T1/1/x":  false,
		"https://evil.example/slack.com":          false,
		"https://slack.com.evil.example/x":        false,
		"http://127.0.0.1:9/response/1":           true,
		"http://127.0.0.1:10/response/1":          false,
	} {
		if got := a.slackURL(u); got != want {
			t.Errorf("slackURL(%s) = %v", u, got)
		}
	}
}

// rawJSON marshals v without HTML escaping, so tests see < > & as sent
// after decoding.
func rawJSON(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b.Bytes())
}
