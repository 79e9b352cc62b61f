package slack

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
	"github.com/ytxbot/ytxbot/ytx"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

// The Slack fuzz targets send arbitrary, correctly signed bodies through
// the adapter's HTTP routes, wired as in setup to the real core and the
// YTX simulator. The adapter is built once per target (setup needs a
// *testing.T, hence fuzzEnv); every input then waits for the work it
// started, so that each ringing request the simulator logs belongs to the
// input that caused it.

// ringCounter is a slog.Handler for the simulator's logger: it counts the
// requests of ringing actions (create or book, invite, dial back), whatever
// YTX answered.
type ringCounter struct{ n atomic.Int64 }

func (h *ringCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *ringCounter) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *ringCounter) WithGroup(string) slog.Handler            { return h }

func (h *ringCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "ytxsim: request" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key != "action" {
			return true
		}
		switch a.Value.String() {
		case ytx.ActionCreateMeeting, ytx.ActionInvite, ytx.ActionDialBack:
			h.n.Add(1)
		}
		return false
	})
	return nil
}

// onlyFake lets the adapter reach the fake Slack and nothing else: a
// response_url on *.slack.com passes the adapter's check, and a fuzzer
// writes such URLs.
type onlyFake struct {
	host string
	next http.RoundTripper
}

func (o onlyFake) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != o.host {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, errors.New("fuzz: only the fake Slack is reachable")
	}
	return o.next.RoundTrip(r)
}

// fuzzEnv is setup for a whole fuzz target.
type fuzzEnv struct {
	*testEnv
	rings      *ringCounter
	seq        int64
	goroutines int // after setup
}

func newFuzzEnv(tb testing.TB) *fuzzEnv {
	tb.Helper()
	fs := &fakeSlack{users: map[string]fakeUser{}, groups: map[string][]string{"S0001": {"U0002", "U0003"}},
		updateRetryAfter: "1", changed: make(chan struct{}, 1)}
	fs.srv = httptest.NewServer(http.HandlerFunc(fs.serve))
	tb.Cleanup(fs.srv.Close)
	host := strings.TrimPrefix(fs.srv.URL, "http://")
	client := &http.Client{Timeout: 10 * time.Second, Transport: onlyFake{host: host, next: fs.srv.Client().Transport}}
	cfg := Config{TeamID: team, SigningSecret: secret, BotToken: "xoxb-test-token", APIURL: fs.URL(), AckWithin: time.Second}
	h := &countingHandler{}
	a, err := New(cfg, h, WithHTTPClient(client), WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		tb.Fatal(err)
	}
	rings := &ringCounter{}
	env := bottest.NewWithSim(tb, bot.Config{Locale: "en", Policy: bot.Policy{AllowRawNumbers: true}}, true,
		[]ytxsim.Option{ytxsim.WithLogger(slog.New(rings))}, bot.WithNotifier(bot.Slack, a), bot.WithDirectory(bot.Slack, a))
	h.b = env.Bot
	tb.Cleanup(a.Wait)
	mux := http.NewServeMux()
	a.Routes(mux)
	e := &fuzzEnv{testEnv: &testEnv{Env: env, slack: fs, a: a, h: h, mux: mux}, rings: rings}
	if err := e.people(); err != nil {
		tb.Fatal(err)
	}
	return e
}

// people maps alice, bob and carol as setup does, again before every
// input: an input may turn do-not-disturb on or remove a number, and the
// inputs after it should still be able to ring someone.
func (e *fuzzEnv) people() error {
	for _, u := range []struct{ id, name, phone string }{
		{"U0001", "alice", "13800000001"}, {"U0002", "bob", "13900000002"}, {"U0003", "carol", "13700000003"},
	} {
		if err := e.Store.PutUser(context.Background(), &bot.User{Identity: bot.IdentityOf(bot.Slack, team, u.id), Name: u.name, Phone: u.phone}); err != nil {
			return err
		}
	}
	return nil
}

// send serves one signed request and waits for the work it started; it
// returns the answer and the ringing requests YTX received meanwhile.
func (e *fuzzEnv) send(path, body string) (*httptest.ResponseRecorder, int64) {
	e.slack.set(func(f *fakeSlack) { f.calls = nil }) // the last input's: bounded memory over a long run
	before := e.rings.n.Load()
	w := e.serve(signed(path, body, time.Now(), secret))
	e.a.Wait()
	e.Bot.Wait()
	return w, e.rings.n.Load() - before
}

// next numbers the inputs, for fresh trigger ids and action timestamps.
func (e *fuzzEnv) next() string {
	e.seq++
	return strconv.FormatInt(e.seq, 10)
}

// mapped reports whether a Slack user has a number now.
func (e *fuzzEnv) mapped(teamID, user string) bool {
	u, err := e.Store.User(context.Background(), bot.IdentityOf(bot.Slack, teamID, user))
	return err == nil && u.Phone != ""
}

// checkAnswer: 200 (with an empty or a JSON body) or 4xx, never 5xx; and
// no goroutine outlives its input.
func (e *fuzzEnv) checkAnswer(t *testing.T, what string, w *httptest.ResponseRecorder) {
	t.Helper()
	switch {
	case w.Code == http.StatusOK:
		if w.Body.Len() > 0 && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s: 200 with a body that is not JSON: %q", what, w.Body.String())
		}
	case w.Code >= 400 && w.Code < 500:
	default:
		t.Fatalf("%s: status %d, body %q", what, w.Code, w.Body.String())
	}
	// Keep-alive connections to the fakes account for a few goroutines;
	// a leak of one per input passes any bound in a few thousand inputs.
	if n := runtime.NumGoroutine(); n > e.goroutines+64 {
		t.Fatalf("%s: %d goroutines, %d after setup", what, n, e.goroutines)
	}
}

// parses reports whether the core's parser accepts a command line; the
// one question it asks (is the first argument a meeting?) is tried both
// ways.
func parses(text string) bool {
	for _, isRef := range []bool{false, true} {
		pc := bot.ParseContext{Now: bottest.Start, Location: time.FixedZone("CST", 8*3600),
			IsMeetingRef: func(string) bool { return isRef }}
		if _, err := bot.Parse(text, pc); err == nil {
			return true
		}
	}
	return false
}

// FuzzSlackCommand: any signed slash-command body is answered 200 or 4xx,
// never 5xx or a panic, and rings nobody unless it is a well-formed /meet or
// /call command of the served workspace by a user with a number.
func FuzzSlackCommand(f *testing.F) {
	e := newFuzzEnv(f)
	e.goroutines = runtime.NumGoroutine()
	for _, s := range []struct{ command, text, user string }{
		{"/call", "dialback <@U0002|bob>", "U0001"},
		{"/meet", "create standup <@U0002|bob>", "U0001"},
		{"/meet", "create standup <!subteam^S0001|@oncall>", "U0001"},
		{"/meet", "create \"a b\" 13800000001 0105388990,12 --at tomorrow 10:00", "U0001"},
		{"/meet", "create x <@U0003> --at +30m", "U0002"},
		{"/meet", "invite #1 <@U0003|carol>", "U0001"},
		{"/meet", "hangup #1 <@U0002>", "U0001"},
		{"/meet", "end #1", "U0001"},
		{"/meet", "list", "U0001"},
		{"/meet", "help", "U0003"},
		{"/meet", "", "U0001"},
		{"/call", "13900000002 --max 10m", "U0002"},
		{"/call", "dialback <@U0002|bob> --from <@U0003>", "U0001"},
		{"/call", "status", "U0001"},
		{"/phone", "set 13600000000", "U0009"},
		{"/phone", "show", "U0001"},
		{"/phone", "dnd on", "U0002"},
		{"/call", "dialback <@U0002|bob>", "U0009"}, // not mapped
		{"/dial", "dialback <@U0002|bob>", "U0001"}, // not our command
	} {
		f.Add(s.command, s.text, s.user, team, "C0001", "trig-1", "", true)
	}
	f.Add("/call", "dialback <@U0002|bob>", "U0001", "T9999", "C0001", "trig-2", "", true) // another workspace
	f.Add("/meet", "create standup <@U0002|bob>", "U0001", team, "D0001", "trig-3", "", true)
	f.Add("/call", "dialback <@U0002|bob>", "U0001", team, "C0001", "", "", true)
	f.Add("/call", "dialback <@U0002|bob>", "U0001", team, "C0001", "dup", "", false)
	f.Add("/call", "dialback <@U0002|bob>", "U0001", team, "C0001", "trig-4", "&command=%2Fmeet&text=list", true)
	f.Add("/call", "dialback <@U0002|bob>", "U0001", team, "C0001", "trig-5", "&a=%zz", true)
	f.Add("/call", "dialback <@U0002|bob>", "U0001", team, "C0001", "trig-6", ";x=1", true)
	f.Add("", "", "", "", "", "", "", false)
	f.Fuzz(func(t *testing.T, command, text, user, teamID, channel, trigger, extra string, fresh bool) {
		if err := e.people(); err != nil {
			t.Fatal(err)
		}
		if fresh && trigger != "" {
			trigger += "." + e.next()
		}
		body := url.Values{
			"token": {"legacy-verification-token"}, "team_id": {teamID}, "team_domain": {"acme"},
			"channel_id": {channel}, "channel_name": {"general"}, "user_id": {user}, "user_name": {strings.ToLower(user)},
			"command": {command}, "text": {text}, "api_app_id": {"A0001"}, "is_enterprise_install": {"false"},
			"response_url": {e.slack.srv.URL + "/response/" + url.PathEscape(trigger)}, "trigger_id": {trigger},
		}.Encode() + extra

		// What the adapter will read, as SlashCommandParse reads it.
		mayRing := false
		if form, err := url.ParseQuery(body); err == nil {
			cmd := form.Get("command")
			line := ""
			switch cmd {
			case "/meet", "/call":
				line = cmd
			}
			if rest := strings.TrimSpace(form.Get("text")); rest != "" {
				line += " " + rest
			}
			mayRing = form.Get("team_id") == team && strings.HasPrefix(line, "/") &&
				e.mapped(team, form.Get("user_id")) && parses(line)
		}

		w, rang := e.send("/slack/commands", body)
		e.checkAnswer(t, "command "+strconv.Quote(body), w)
		if rang > 0 && !mayRing {
			t.Fatalf("command %q rang YTX %d times; answer %d %q", body, rang, w.Code, w.Body.String())
		}
	})
}

// actionIDRE finds the button ids in a posted card's blocks.
var actionIDRE = regexp.MustCompile(`"action_id":"([^"]+)"`)

// ringingAction reports whether a button id may make a phone ring: "call
// again", a confirmed duplicate, or a meeting's invite.
func ringingAction(id string) bool {
	p := strings.Split(id, ":")
	return (len(p) == 2 && p[0] == "confirm") || (len(p) == 3 && p[0] == "c" && p[2] == "again") ||
		(len(p) >= 3 && p[0] == "m" && p[2] == "invite")
}

// FuzzSlackInteraction: any signed interaction body (the payload JSON of
// block_actions, view_submission or anything else) is answered 200 or 4xx,
// never 5xx or a panic, and rings nobody unless it comes from the served
// workspace, from a user with a number, and is a "call again" or
// "create anyway" click or a submitted Invite form.
func FuzzSlackInteraction(f *testing.F) {
	e := newFuzzEnv(f)
	// Something to click on: alice's meeting with bob (#1) and her call to
	// carol.
	var buttons []string
	for i, text := range []string{"create standup <@U0002|bob>", "dialback <@U0003|carol>"} {
		command := "/meet"
		if i == 1 {
			command = "/call"
		}
		body := e.slash(command, text, "U0001", "setup-"+strconv.Itoa(i))
		if w, rang := e.send("/slack/commands", body); w.Code != http.StatusOK || rang != 1 {
			f.Fatalf("setup %s %s: status %d, %d rings", command, text, w.Code, rang)
		}
		for _, c := range e.slack.Calls("/chat.postMessage") {
			for _, m := range actionIDRE.FindAllStringSubmatch(c.Form.Get("blocks"), -1) {
				buttons = append(buttons, m[1])
			}
		}
	}
	e.goroutines = runtime.NumGoroutine()

	add := func(payload any, extra string) {
		js, err := json.Marshal(payload)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(js), extra, true)
	}
	respURL := e.slack.srv.URL + "/response/click"
	const ts = "1700000000.000001"
	for _, id := range append(buttons, "m:1:invite", "m:1:hangup:1", "m:1:refresh", "m:1:end", "c:2:again", "c:1:again",
		"confirm:d0000", "m:999:end", "m:x:invite", "m:1:hangup:99") {
		add(clickPayload(ts, id, respURL), "")
	}
	other := clickPayload(ts, "c:2:again", respURL)
	other["team"] = map[string]any{"id": "T9999"}
	add(other, "")
	carol := clickPayload(ts, "c:2:again", respURL)
	carol["user"] = map[string]any{"id": "U0003", "name": "carol"}
	add(carol, "")
	offsite := clickPayload(ts, "m:1:refresh", "https://hooks.slack.com/actions/T0001/1/x")
	add(offsite, "")
	modal := inviteModal("m:1:invite", "C0001", "en")
	submit := func(viewID, numbers string, users ...string) map[string]any {
		return map[string]any{
			"type": "view_submission",
			"team": map[string]any{"id": team},
			"user": map[string]any{"id": "U0001", "name": "alice"},
			"view": map[string]any{
				"id": viewID, "team_id": team, "type": "modal", "callback_id": modal.CallbackID,
				"private_metadata": modal.PrivateMetadata, "hash": "h1",
				"state": map[string]any{"values": map[string]any{
					"invite_users":   map[string]any{"users": map[string]any{"type": "multi_users_select", "selected_users": users}},
					"invite_numbers": map[string]any{"numbers": map[string]any{"type": "plain_text_input", "value": numbers}},
				}},
			},
		}
	}
	add(submit("V0001", "010-5388-9900", "U0003"), "")
	add(submit("V0002", "12345678", "U0003"), "")
	add(submit("V0003", "@dave"), "")
	add(submit("V0004", "010-5388-9900\n999999999999"), "")
	add(submit("V0005", ""), "")
	add(submit("V0006", "138 0000 0001、139 0000 0002", "U0002", "U9999"), "")
	badMeta := submit("V0007", "13800000001")
	badMeta["view"].(map[string]any)["private_metadata"] = `{"a":"m:1:end","c":"C0001"}`
	add(badMeta, "")
	add(map[string]any{"type": "block_actions", "team": map[string]any{"id": team}, "user": map[string]any{"id": "U0001"}}, "")
	add(map[string]any{"type": "shortcut", "team": map[string]any{"id": team}, "callback_id": "x"}, "")
	for _, raw := range []string{"{}", "null", "[]", "not json", `{"type":"block_actions","actions":[null]}`} {
		f.Add(raw, "", false)
	}
	f.Add(`{"type":"block_actions","team":{"id":"T0001"},"user":{"id":"U0001"},"actions":[{"action_id":"c:2:again","block_id":"b","action_ts":"1"}]}`, "&payload=%7B%7D", false)
	f.Add("{}", "&%zz", false)

	f.Fuzz(func(t *testing.T, payload, extra string, fresh bool) {
		if err := e.people(); err != nil {
			t.Fatal(err)
		}
		if fresh {
			payload = freshPayload(payload, e.next())
		}
		body := url.Values{"payload": {payload}}.Encode() + extra

		// What the adapter will read, as InteractionCallbackParse reads it.
		mayRing := false
		if form, err := url.ParseQuery(body); err == nil {
			var ic slackgo.InteractionCallback
			if json.Unmarshal([]byte(form.Get("payload")), &ic) == nil {
				teamID := ic.Team.ID
				if teamID == "" {
					teamID = ic.View.TeamID
				}
				ringing := ic.Type == slackgo.InteractionTypeViewSubmission && ic.View.CallbackID == inviteCallbackID
				if ic.Type == slackgo.InteractionTypeBlockActions {
					for _, act := range ic.ActionCallback.BlockActions {
						ringing = ringing || (act != nil && ringingAction(act.ActionID))
					}
				}
				mayRing = ringing && teamID == team && e.mapped(team, ic.User.ID)
			}
		}

		w, rang := e.send("/slack/interactions", body)
		e.checkAnswer(t, "interaction "+strconv.Quote(body), w)
		if rang > 0 && !mayRing {
			t.Fatalf("interaction %q rang YTX %d times; answer %d %q", body, rang, w.Code, w.Body.String())
		}
	})
}

// freshPayload makes a redelivery of an earlier input a new interaction:
// the ids the core deduplicates on (action_ts, the view id) get the input's
// number. Anything that is not a JSON object stays as it is.
func freshPayload(payload, n string) string {
	var top map[string]json.RawMessage
	if json.Unmarshal([]byte(payload), &top) != nil || top == nil {
		return payload
	}
	stamp, _ := json.Marshal("1800000000." + n)
	top["action_ts"] = stamp
	var acts []map[string]json.RawMessage
	if raw, ok := top["actions"]; ok && json.Unmarshal(raw, &acts) == nil {
		for _, a := range acts {
			if a != nil {
				a["action_ts"] = stamp
			}
		}
		if js, err := json.Marshal(acts); err == nil {
			top["actions"] = js
		}
	}
	var view map[string]json.RawMessage
	if raw, ok := top["view"]; ok && json.Unmarshal(raw, &view) == nil && view != nil {
		id, _ := json.Marshal("VF" + n)
		view["id"] = id
		if js, err := json.Marshal(view); err == nil {
			top["view"] = js
		}
	}
	js, err := json.Marshal(top)
	if err != nil {
		return payload
	}
	return string(js)
}
