package slack

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/ytx"
)

func TestDialBackEndToEnd(t *testing.T) {
	e := setup(t)
	w := e.command(t, "/call", "dialback <@U0002|bob>", "U0001", "trig-1")
	ephemeralAnswer(t, w)

	reqs := e.ytxRequests(ytx.ActionDialBack)
	if len(reqs) != 1 {
		t.Fatalf("YTX got %d dial-backs, want 1", len(reqs))
	}
	var body struct{ Src, Dst string }
	if err := json.Unmarshal([]byte(reqs[0]), &body); err != nil {
		t.Fatal(err)
	}
	if body.Src != "13800000001" || body.Dst != "13900000002" {
		t.Errorf("dial-back src %s dst %s, want alice's then bob's number", body.Src, body.Dst)
	}

	posts := e.slack.Calls("/chat.postMessage")
	if len(posts) != 1 {
		t.Fatalf("%d chat.postMessage, want 1", len(posts))
	}
	p := posts[0].Form
	if p.Get("channel") != "C0001" || p.Get("token") != "xoxb-test-token" {
		t.Errorf("card posted to %q with token %q", p.Get("channel"), p.Get("token"))
	}
	blocks, text := p.Get("blocks"), p.Get("text")
	for _, want := range []string{"138****0001", "139****0002"} {
		if !strings.Contains(blocks, want) || !strings.Contains(text, want) {
			t.Errorf("card lacks masked number %s:\nblocks %s\ntext %s", want, blocks, text)
		}
	}
	for _, full := range []string{"13800000001", "13900000002"} {
		if strings.Contains(blocks, full) || strings.Contains(text, full) {
			t.Errorf("card shows full number %s", full)
		}
	}
	if ids := buttonIDs(t, blocks); !slices.Contains(ids, "c:1:again") {
		t.Errorf("card buttons %v, want c:1:again", ids)
	}
}

func TestSignatureRefused(t *testing.T) {
	now := time.Now()
	cases := []struct {
		name string
		req  func(e *testEnv) *http.Request
	}{
		{"bad secret", func(e *testEnv) *http.Request {
			return signed("/slack/commands", e.slash("/call", "dialback <@U0002|bob>", "U0001", "t1"), now, "not-the-secret")
		}},
		{"missing", func(e *testEnv) *http.Request {
			r := signed("/slack/commands", e.slash("/call", "dialback <@U0002|bob>", "U0001", "t1"), now, secret)
			r.Header.Del("X-Slack-Signature")
			r.Header.Del("X-Slack-Request-Timestamp")
			return r
		}},
		{"stale", func(e *testEnv) *http.Request {
			return signed("/slack/commands", e.slash("/call", "dialback <@U0002|bob>", "U0001", "t1"), now.Add(-6*time.Minute), secret)
		}},
		{"future", func(e *testEnv) *http.Request {
			return signed("/slack/commands", e.slash("/call", "dialback <@U0002|bob>", "U0001", "t1"), now.Add(6*time.Minute), secret)
		}},
		{"tampered body", func(e *testEnv) *http.Request {
			r := signed("/slack/commands", e.slash("/call", "dialback <@U0002|bob>", "U0001", "t1"), now, secret)
			r.Body = io.NopCloser(strings.NewReader(e.slash("/call", "dialback <@U0003|carol>", "U0001", "t1")))
			return r
		}},
		{"not hex", func(e *testEnv) *http.Request {
			r := signed("/slack/commands", e.slash("/call", "dialback <@U0002|bob>", "U0001", "t1"), now, secret)
			r.Header.Set("X-Slack-Signature", "v0=zz")
			return r
		}},
		{"interaction", func(e *testEnv) *http.Request {
			return signed("/slack/interactions", "payload=%7B%7D", now, "not-the-secret")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			w := e.serve(tc.req(e))
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", w.Code)
			}
			if strings.Contains(w.Body.String(), secret) {
				t.Error("the answer shows the secret")
			}
			if n := e.h.n.Load(); n != 0 {
				t.Errorf("%d requests reached the core", n)
			}
			if cs := e.slack.Calls(""); len(cs) != 0 {
				t.Errorf("Slack API called: %v", cs)
			}
			if rs := e.Sim.Requests(); len(rs) != 0 {
				t.Errorf("YTX called %d times", len(rs))
			}
		})
	}
}

func TestBodyTooLarge(t *testing.T) {
	e := setup(t)
	body := e.slash("/call", "dialback <@U0002|bob> "+strings.Repeat("x", MaxBody), "U0001", "t1")
	w := e.serve(signed("/slack/commands", body, time.Now(), secret))
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", w.Code)
	}
	// No Content-Length: the limit holds while reading.
	r := signed("/slack/commands", body, time.Now(), secret)
	r.ContentLength = -1
	r.Body = io.NopCloser(io.MultiReader(strings.NewReader(body)))
	if w := e.serve(r); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("streamed: status %d, want 413", w.Code)
	}
	if n := e.h.n.Load(); n != 0 {
		t.Errorf("%d requests reached the core", n)
	}
}

func TestOtherWorkspaceRefused(t *testing.T) {
	e := setup(t)
	body := strings.Replace(e.slash("/call", "dialback <@U0002|bob>", "U0001", "t1"), "team_id="+team, "team_id=T9999", 1)
	m := ephemeralAnswer(t, e.serve(signed("/slack/commands", body, time.Now(), secret)))
	if !strings.Contains(m.Text, "not enabled") {
		t.Errorf("answer %q, want a not-enabled note", m.Text)
	}
	w := e.interact(t, map[string]any{"type": "block_actions", "team": map[string]any{"id": "T9999"},
		"user": map[string]any{"id": "U0001"}, "actions": []any{map[string]any{"action_id": "m:1:end", "block_id": "b", "value": "m:1:end"}}})
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Errorf("interaction from another workspace: %d %q", w.Code, w.Body.String())
	}
	e.a.Wait()
	if n := e.h.n.Load(); n != 0 {
		t.Errorf("%d requests reached the core", n)
	}
	if rs := e.Sim.Requests(); len(rs) != 0 {
		t.Errorf("YTX called %d times", len(rs))
	}
}

func TestDeactivatedUserRefused(t *testing.T) {
	e := setup(t)
	e.slack.set(func(f *fakeSlack) { f.users["U0001"] = fakeUser{Name: "alice", Locale: "en-US", Deleted: true} })
	m := ephemeralAnswer(t, e.command(t, "/call", "dialback <@U0002|bob>", "U0001", "t1"))
	if !strings.Contains(m.Text, "deactivated") {
		t.Errorf("answer %q, want a deactivated note", m.Text)
	}
	if n := e.h.n.Load(); n != 0 {
		t.Errorf("%d requests reached the core", n)
	}
}

func TestSlowYTXAcksThenDeliversLater(t *testing.T) {
	e := setup(t, func(c *Config) { c.AckWithin = 200 * time.Millisecond })
	release := e.Sim.Gate(ytx.ActionDialBack)
	t.Cleanup(release)

	start := time.Now()
	w := e.command(t, "/call", "dialback <@U0002|bob>", "U0001", "slow-1")
	took := time.Since(start)
	m := ephemeralAnswer(t, w)
	if !strings.Contains(m.Text, "Working on it") {
		t.Errorf("ack %q, want Working on it…", m.Text)
	}
	if took > 2*time.Second {
		t.Errorf("the ack took %s", took)
	}
	eventually(t, "the dial-back to wait at the gate", func() bool { return e.Sim.Held(ytx.ActionDialBack) == 1 })
	if n := len(e.slack.Calls("/chat.postMessage")); n != 0 {
		t.Fatalf("card posted before YTX answered")
	}
	release()

	later := e.slack.waitCalls(t, "/response/slow-1", 1)
	var msg map[string]any
	if err := json.Unmarshal(later[0].Body, &msg); err != nil {
		t.Fatalf("response_url body %q: %v", later[0].Body, err)
	}
	if msg["response_type"] != "ephemeral" || msg["replace_original"] != false {
		t.Errorf("late reply %v, want ephemeral, not replacing the original", msg)
	}
	if n := len(e.slack.Calls("/chat.postMessage")); n != 1 {
		t.Errorf("%d cards posted, want 1", n)
	}
	if n := len(e.ytxRequests(ytx.ActionDialBack)); n != 1 {
		t.Errorf("%d dial-backs, want 1", n)
	}
}

// createMeeting has alice start a meeting with bob and returns the card's
// ts and blocks.
func createMeeting(t *testing.T, e *testEnv) (ts, blocks string) {
	t.Helper()
	ephemeralAnswer(t, e.command(t, "/meet", "create standup <@U0002|bob>", "U0001", "create-1"))
	posts := e.slack.Calls("/chat.postMessage")
	if len(posts) != 1 {
		t.Fatalf("%d cards posted, want 1", len(posts))
	}
	return "1700000000.000001", posts[0].Form.Get("blocks")
}

func clickPayload(ts, actionID, responseURL string) map[string]any {
	return map[string]any{
		"type":         "block_actions",
		"team":         map[string]any{"id": team, "domain": "acme"},
		"user":         map[string]any{"id": "U0001", "name": "alice"},
		"api_app_id":   "A0001",
		"trigger_id":   "trig-click-" + actionID,
		"channel":      map[string]any{"id": "C0001", "name": "general"},
		"container":    map[string]any{"type": "message", "message_ts": ts, "channel_id": "C0001"},
		"message":      map[string]any{"ts": ts, "type": "message"},
		"response_url": responseURL,
		"actions": []any{map[string]any{"type": "button", "action_id": actionID, "block_id": "row", "value": actionID,
			"action_ts": "1700000100.000200", "text": map[string]any{"type": "plain_text", "text": "x"}}},
	}
}

func TestHangupButton(t *testing.T) {
	e := setup(t)
	ts, blocks := createMeeting(t, e)
	if !strings.Contains(blocks, "139****0002") || strings.Contains(blocks, "13900000002") {
		t.Fatalf("meeting card blocks: %s", blocks)
	}
	ids := buttonIDs(t, blocks)
	if !slices.Contains(ids, "m:1:hangup:1") || !slices.Contains(ids, "m:1:invite") {
		t.Fatalf("card buttons %v, want bob's hang up and invite", ids)
	}

	w := e.interact(t, clickPayload(ts, "m:1:hangup:1", e.slack.srv.URL+"/response/click-1"))
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("click answered %d %q, want an empty 200", w.Code, w.Body.String())
	}
	ups := e.slack.waitCalls(t, "/chat.update", 1)
	e.slack.waitCalls(t, "/response/click-1", 1)
	if n := len(e.ytxRequests(ytx.ActionHangup)); n != 1 {
		t.Fatalf("%d hangupMeeting at YTX, want 1", n)
	}
	var hang struct{ Phone string }
	_ = json.Unmarshal([]byte(e.ytxRequests(ytx.ActionHangup)[0]), &hang)
	if hang.Phone != "13900000002" {
		t.Errorf("hung up %q, want bob", hang.Phone)
	}
	up := ups[len(ups)-1].Form
	if up.Get("ts") != ts || up.Get("channel") != "C0001" {
		t.Errorf("chat.update of %s/%s, want C0001/%s", up.Get("channel"), up.Get("ts"), ts)
	}
	if !strings.Contains(up.Get("blocks"), "*bob* `139****0002` — left") {
		t.Errorf("updated card does not show bob left: %s", up.Get("blocks"))
	}

	// Redelivered click: same message ts, action and action_ts.
	e.interact(t, clickPayload(ts, "m:1:hangup:1", e.slack.srv.URL+"/response/click-2"))
	e.a.Wait()
	if n := len(e.ytxRequests(ytx.ActionHangup)); n != 1 {
		t.Errorf("redelivered click: %d hangupMeeting, want 1", n)
	}
}

func TestInviteModal(t *testing.T) {
	e := setup(t)
	ts, _ := createMeeting(t, e)
	e.interact(t, clickPayload(ts, "m:1:invite", e.slack.srv.URL+"/response/inv"))
	opens := e.slack.waitCalls(t, "/views.open", 1)
	var open struct {
		TriggerID string `json:"trigger_id"`
		View      struct {
			CallbackID      string            `json:"callback_id"`
			PrivateMetadata string            `json:"private_metadata"`
			Blocks          []json.RawMessage `json:"blocks"`
		} `json:"view"`
	}
	if err := json.Unmarshal(opens[0].Body, &open); err != nil {
		t.Fatalf("views.open body %s: %v", opens[0].Body, err)
	}
	if open.TriggerID != "trig-click-m:1:invite" || opens[0].Auth != "Bearer xoxb-test-token" {
		t.Errorf("views.open trigger %q auth %q", open.TriggerID, opens[0].Auth)
	}
	if !strings.Contains(open.View.PrivateMetadata, "m:1:invite") {
		t.Errorf("private_metadata %q lacks the button id", open.View.PrivateMetadata)
	}
	body := string(opens[0].Body)
	for _, want := range []string{`"multi_users_select"`, `"plain_text_input"`} {
		if !strings.Contains(body, want) {
			t.Errorf("modal lacks %s: %s", want, body)
		}
	}
	if n := e.h.n.Load(); n != 1 {
		t.Errorf("opening the form reached the core (%d requests, want 1: the create)", n)
	}

	submit := func(viewID, numbers string, users ...string) *httptest.ResponseRecorder {
		return e.interact(t, map[string]any{
			"type": "view_submission",
			"team": map[string]any{"id": team},
			"user": map[string]any{"id": "U0001", "name": "alice"},
			"view": map[string]any{
				"id": viewID, "team_id": team, "type": "modal", "callback_id": open.View.CallbackID,
				"private_metadata": open.View.PrivateMetadata, "hash": "h1",
				"state": map[string]any{"values": map[string]any{
					"invite_users":   map[string]any{"users": map[string]any{"type": "multi_users_select", "selected_users": users}},
					"invite_numbers": map[string]any{"numbers": map[string]any{"type": "plain_text_input", "value": numbers}},
				}},
			},
		})
	}

	// A bad number: an error on the field, nothing reaches the core or YTX.
	for _, bad := range []string{"12345678", "@dave", "010-5388-9900\n999999999999"} {
		w := submit("V-bad", bad, "U0003")
		var resp struct {
			ResponseAction string            `json:"response_action"`
			Errors         map[string]string `json:"errors"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil || resp.ResponseAction != "errors" || resp.Errors["invite_numbers"] == "" {
			t.Fatalf("bad number %q answered %q", bad, w.Body.String())
		}
		if strings.Contains(w.Body.String(), "12345678") || strings.Contains(w.Body.String(), "999999999999") {
			t.Errorf("the error shows the typed number: %s", w.Body.String())
		}
	}
	e.a.Wait()
	if n := e.h.n.Load(); n != 1 {
		t.Errorf("bad forms reached the core: %d requests, want 1", n)
	}
	if n := len(e.ytxRequests(ytx.ActionInvite)); n != 0 {
		t.Fatalf("bad forms rang %d invites", n)
	}
	if w := submit("V-empty", ""); !strings.Contains(w.Body.String(), "invite_users") {
		t.Errorf("empty form answered %q, want an error on the people field", w.Body.String())
	}

	// A good one: carol picked, a landline typed.
	w := submit("V0001", "010-5388-9900", "U0003")
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Fatalf("good form answered %d %q, want an empty 200 (closes the form)", w.Code, w.Body.String())
	}
	eph := e.slack.waitCalls(t, "/chat.postEphemeral", 1)
	if f := eph[0].Form; f.Get("channel") != "C0001" || f.Get("user") != "U0001" {
		t.Errorf("form reply went to %s/%s", f.Get("channel"), f.Get("user"))
	}
	invites := e.ytxRequests(ytx.ActionInvite)
	if len(invites) != 1 {
		t.Fatalf("%d invites at YTX, want 1", len(invites))
	}
	for _, want := range []string{"13700000003", "01053889900"} {
		if !strings.Contains(invites[0], want) {
			t.Errorf("invite %s lacks %s", invites[0], want)
		}
	}
}

func TestUserGroupExpands(t *testing.T) {
	e := setup(t)
	e.slack.set(func(f *fakeSlack) { f.groups["S0001"] = []string{"U0002", "U0003"} })
	ephemeralAnswer(t, e.command(t, "/meet", "create standup <!subteam^S0001|@oncall>", "U0001", "grp-1"))
	lists := e.slack.Calls("/usergroups.users.list")
	if len(lists) != 1 || lists[0].Form.Get("usergroup") != "S0001" {
		t.Fatalf("usergroups.users.list calls: %+v", lists)
	}
	creates := e.ytxRequests(ytx.ActionCreateMeeting)
	if len(creates) != 1 {
		t.Fatalf("%d createMeeting, want 1", len(creates))
	}
	for _, want := range []string{"13800000001", "13900000002", "13700000003"} {
		if !strings.Contains(creates[0], want) {
			t.Errorf("createMeeting %s lacks %s", creates[0], want)
		}
	}
}

func TestNotInChannel(t *testing.T) {
	e := setup(t)
	e.slack.set(func(f *fakeSlack) { f.postErr = "not_in_channel" })
	m := ephemeralAnswer(t, e.command(t, "/call", "dialback <@U0002|bob>", "U0001", "nic-1"))
	if !strings.Contains(m.Text, "invite me") {
		t.Errorf("answer %q, want it to ask for an invite", m.Text)
	}
	_, err := e.a.PostCard(context.Background(), bot.Destination{Platform: bot.Slack, Workspace: team, Channel: "C0001"}, &bot.Card{Title: "x"})
	if !errors.Is(err, bot.ErrNotInChannel) {
		t.Errorf("PostCard error %v, want ErrNotInChannel", err)
	}
}

func TestRedeliveredCommandRingsOnce(t *testing.T) {
	e := setup(t)
	body := e.slash("/call", "dialback <@U0002|bob>", "U0001", "dup-1")
	ephemeralAnswer(t, e.serve(signed("/slack/commands", body, time.Now(), secret)))
	w := e.serve(signed("/slack/commands", body, time.Now(), secret))
	if w.Code != http.StatusOK || w.Body.Len() != 0 {
		t.Errorf("redelivery answered %d %q, want an empty 200", w.Code, w.Body.String())
	}
	if n := len(e.ytxRequests(ytx.ActionDialBack)); n != 1 {
		t.Errorf("%d dial-backs, want 1", n)
	}
	if n := len(e.slack.Calls("/chat.postMessage")); n != 1 {
		t.Errorf("%d cards, want 1", n)
	}
}

func TestEditRateLimitedRetriesOnce(t *testing.T) {
	e := setup(t)
	ref := &bot.CardRef{Platform: bot.Slack, Workspace: team, Channel: "C0001", MessageID: "1700000000.000001"}
	card := &bot.Card{Title: "standup", Ref: "#1", Status: "in progress"}

	e.slack.set(func(f *fakeSlack) { f.updateLimited = 1 })
	start := time.Now()
	if err := e.a.EditCard(context.Background(), ref, card); err != nil {
		t.Fatalf("EditCard: %v", err)
	}
	if took := time.Since(start); took < 900*time.Millisecond {
		t.Errorf("retried after %s, want Retry-After (1s) honoured", took)
	}
	if n := len(e.slack.Calls("/chat.update")); n != 2 {
		t.Errorf("%d chat.update, want 2", n)
	}

	// Once only: a second 429 is returned.
	e.slack.set(func(f *fakeSlack) { f.updateLimited, f.updateRetryAfter = 2, "0" })
	if err := e.a.EditCard(context.Background(), ref, card); err == nil {
		t.Error("EditCard after two 429s: no error")
	}
	if n := len(e.slack.Calls("/chat.update")); n != 4 {
		t.Errorf("%d chat.update, want 4", n)
	}

	// A deadline shorter than Retry-After: no wait, the error comes back.
	e.slack.set(func(f *fakeSlack) { f.updateLimited, f.updateRetryAfter = 1, "20" })
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := e.a.EditCard(ctx, ref, card); err == nil {
		t.Error("EditCard: no error when Retry-After is past the deadline")
	}
}

func TestEditErrorsReturned(t *testing.T) {
	e := setup(t)
	ref := &bot.CardRef{Platform: bot.Slack, Workspace: team, Channel: "C0001", MessageID: "1700000000.000001"}
	for _, code := range []string{"message_not_found", "cant_update_message"} {
		e.slack.set(func(f *fakeSlack) { f.updateErr = code })
		if err := e.a.EditCard(context.Background(), ref, &bot.Card{Title: "x"}); err == nil || !strings.Contains(err.Error(), code) {
			t.Errorf("EditCard with %s: %v", code, err)
		}
	}
	other := *ref
	other.Workspace = "T0002"
	if err := e.a.EditCard(context.Background(), &other, &bot.Card{Title: "x"}); err == nil {
		t.Error("EditCard of another workspace's card: no error")
	}
}

// TestErrorsLeakNoSecret: failures of every Slack call the adapter makes
// never show the tokens or the signing secret.
func TestErrorsLeakNoSecret(t *testing.T) {
	e := setup(t, func(c *Config) { c.TeamID = "" })
	e.slack.set(func(f *fakeSlack) {
		f.authErr = "invalid_auth"
		f.postErr = "channel_not_found"
		f.updateErr = "invalid_auth"
	})
	var errs []error
	errs = append(errs, e.a.Run(context.Background()))
	_, err := e.a.PostCard(context.Background(), bot.Destination{Platform: bot.Slack, Channel: "D0001"}, &bot.Card{Title: "x"})
	errs = append(errs, err)
	errs = append(errs, e.a.EditCard(context.Background(), &bot.CardRef{Platform: bot.Slack, Channel: "C1", MessageID: "1.2"}, &bot.Card{Title: "x"}))
	e.slack.srv.Close() // transport errors too
	_, err = e.a.GroupMembers(context.Background(), "", "S1")
	errs = append(errs, err)
	_, err = e.a.PostCard(context.Background(), bot.Destination{Platform: bot.Slack, Channel: "C0001"}, &bot.Card{Title: "x"})
	errs = append(errs, err)
	for i, err := range errs {
		if err == nil {
			t.Errorf("call %d: no error", i)
			continue
		}
		if s := err.Error(); strings.Contains(s, "xoxb-test-token") || strings.Contains(s, secret) {
			t.Errorf("call %d: error shows a secret: %s", i, s)
		}
		if errors.Is(err, bot.ErrNotInChannel) {
			t.Errorf("call %d: %v is not a not-in-channel error (a DM cannot invite the bot)", i, err)
		}
	}
}

func TestEditsOfOneCardCoalesce(t *testing.T) {
	e := setup(t)
	ref := &bot.CardRef{Platform: bot.Slack, Workspace: team, Channel: "C0001", MessageID: "1700000000.000001"}
	// Hold the card's slot as if an update were being sent, queue three
	// edits behind it, then let them go: only the newest is sent.
	e.a.editMu.Lock()
	s := &editSlot{lock: make(chan struct{}, 1), users: 1}
	s.lock <- struct{}{}
	e.a.edits["C0001/1700000000.000001"] = s
	e.a.editMu.Unlock()
	errs := make(chan error, 3)
	for i, title := range []string{"v1", "v2", "v3"} {
		go func() { errs <- e.a.EditCard(context.Background(), ref, &bot.Card{Title: title, Ref: "#1"}) }()
		eventually(t, "edit queued", func() bool {
			e.a.editMu.Lock()
			defer e.a.editMu.Unlock()
			return s.latest == uint64(i+1)
		})
	}
	<-s.lock
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	ups := e.slack.Calls("/chat.update")
	if len(ups) != 1 || !strings.Contains(ups[0].Form.Get("blocks"), "v3") {
		t.Errorf("chat.update calls %d, want 1 with v3", len(ups))
	}
}

func TestRunLearnsTeam(t *testing.T) {
	e := setup(t, func(c *Config) { c.TeamID = "" })
	if e.a.Ready() {
		t.Fatal("ready before Run")
	}
	m := ephemeralAnswer(t, e.command(t, "/call", "dialback <@U0002|bob>", "U0001", "early"))
	if !strings.Contains(m.Text, "starting") || e.h.n.Load() != 0 {
		t.Errorf("before auth.test: %q, %d core requests", m.Text, e.h.n.Load())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.a.Run(ctx) }()
	eventually(t, "Ready", e.a.Ready)
	if got := e.a.teamID(); got != team {
		t.Errorf("team %q, want %s from auth.test", got, team)
	}
	ephemeralAnswer(t, e.command(t, "/call", "dialback <@U0002|bob>", "U0001", "after"))
	if n := len(e.ytxRequests(ytx.ActionDialBack)); n != 1 {
		t.Errorf("%d dial-backs after Run, want 1", n)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestRunRefusesTokenOfAnotherWorkspace(t *testing.T) {
	e := setup(t, func(c *Config) { c.TeamID = "T0002" })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.a.Run(ctx); err == nil || !strings.Contains(err.Error(), "T0001") {
		t.Errorf("Run: %v, want a workspace mismatch", err)
	}
	if e.a.Ready() {
		t.Error("ready with a token of another workspace")
	}
}

func TestReplyButtons(t *testing.T) {
	m := replyMessage("A meeting with the same people started a minute ago.", []bot.Button{{ID: "confirm:d1", Label: "Create anyway", Style: "primary"}})
	js, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	s := string(js)
	for _, want := range []string{`"response_type":"ephemeral"`, `"type":"actions"`, `"action_id":"confirm:d1"`, `"style":"primary"`} {
		if !strings.Contains(s, want) {
			t.Errorf("reply %s lacks %s", s, want)
		}
	}
}

func TestUsersInfoLocaleCached(t *testing.T) {
	e := setup(t)
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	e.a.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e.slack.set(func(f *fakeSlack) { f.users["U0003"] = fakeUser{Name: "carol", Locale: "zh-CN"} })

	m := ephemeralAnswer(t, e.command(t, "/meet", "help", "U0003", "zh-1"))
	if !strings.ContainsFunc(m.Text, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
		t.Errorf("help for a zh-CN user is not in Chinese: %q", m.Text)
	}
	ephemeralAnswer(t, e.command(t, "/meet", "help", "U0003", "zh-2"))
	if n := len(e.slack.Calls("/users.info")); n != 1 {
		t.Errorf("%d users.info calls for two commands, want 1 (cached)", n)
	}
	if f := e.slack.Calls("/users.info")[0].Form; f.Get("user") != "U0003" || f.Get("include_locale") != "true" {
		t.Errorf("users.info form %v", f)
	}
	mu.Lock()
	now = now.Add(userTTL + time.Second)
	mu.Unlock()
	ephemeralAnswer(t, e.command(t, "/meet", "help", "U0003", "zh-3"))
	if n := len(e.slack.Calls("/users.info")); n != 2 {
		t.Errorf("%d users.info calls after the cache expired, want 2", n)
	}
}
