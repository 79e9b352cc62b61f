package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/ytx"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

// leakSecrets are distinctive values for every secret serve holds.
var leakSecrets = hostileSecrets{
	ytxSID:   "ACleaktest000000000000000000sid1", // not a secret, but scrubbed too
	ytxToken: "ytxTOKEN-7f3a9c2e1d5b4a6f8e0c2d4b",
	ytxApp:   "app-leaktest-01",
	botToken: "xoxb-4242-SECRETbot-Qw9Zr7Lm3Np",
	tgToken:  "424242:AAH-SECRETtg-Xk2Vb8Nc5Jq",
	webhook:  "SECRETwebhook-Hj7Ty3Ui9Op",
	callback: "SECRETcallback-Zx4Cv6Bn8Mq1",
}

// leakAppToken is the Slack app-level token of the Socket Mode run.
const leakAppToken = "xapp-1-A0042-SECRETapp-Rt5Yu7Io2"

// secretForms maps every form of every secret that a leak could take to
// the secret's name.
type secretForms map[string]string

// add derives the forms of value: as is, URL-escaped, base64 (all four
// alphabets), hex, JSON-escaped, upper and lower case; for a Telegram token
// also its part after the colon.
func (f secretForms) add(name, value string) {
	vs := []string{value}
	if _, after, ok := strings.Cut(value, ":"); ok && len(after) >= 12 {
		vs = append(vs, after)
	}
	for _, v := range vs {
		js, _ := json.Marshal(v)
		for _, form := range []string{
			v, url.QueryEscape(v), url.PathEscape(v),
			base64.StdEncoding.EncodeToString([]byte(v)), base64.URLEncoding.EncodeToString([]byte(v)),
			base64.RawStdEncoding.EncodeToString([]byte(v)), base64.RawURLEncoding.EncodeToString([]byte(v)),
			hex.EncodeToString([]byte(v)), string(js[1 : len(js)-1]), strings.ToLower(v), strings.ToUpper(v),
		} {
			f[form] = name
		}
	}
}

// find returns the names of the secrets s shows, in some form.
func (f secretForms) find(s string) []string {
	seen := map[string]bool{}
	var out []string
	for form, name := range f {
		if !seen[name] && strings.Contains(s, form) {
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// leakCheck collects findings: where a secret showed.
type leakCheck struct {
	t       *testing.T
	forms   secretForms
	checked int
	leaks   []string
}

func (c *leakCheck) check(where, s string) {
	c.checked++
	if names := c.forms.find(s); len(names) > 0 {
		c.leaks = append(c.leaks, fmt.Sprintf("%s shows the %s: %.400q", where, strings.Join(names, ", "), s))
	}
}

// checkLines checks a log, one line at a time.
func (c *leakCheck) checkLines(where, log string) {
	for i, line := range strings.Split(log, "\n") {
		if line != "" {
			c.check(fmt.Sprintf("%s line %d", where, i+1), line)
		}
	}
}

// checkSlack checks what the fake Slack received. The bot token travels
// legitimately as the form's token field, and the app token as the bearer
// of apps.connections.open (headers are not checked); everything else of
// every request must be clean.
func (c *leakCheck) checkSlack(where string, reqs []wireReq) {
	for i, r := range reqs {
		w := fmt.Sprintf("%s request %d (%s)", where, i, r.Path)
		c.check(w+" path", r.Path+"?"+r.Query.Encode())
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			form, err := url.ParseQuery(string(r.Body))
			if err != nil {
				c.t.Errorf("%s: form %q: %v", w, r.Body, err)
			}
			form.Del("token")
			c.check(w, form.Encode())
			for k, vs := range form {
				for _, v := range vs {
					c.check(w+" "+k, v)
				}
			}
			continue
		}
		c.check(w, string(r.Body))
	}
}

// checkTelegram checks what the fake Bot API received. The token is in
// every path, and setWebhook carries the webhook secret to Telegram; every
// other field must be clean.
func (c *leakCheck) checkTelegram(where string, reqs []wireReq) {
	for i, r := range reqs {
		_, method, _ := strings.Cut(strings.TrimPrefix(r.Path, "/bot"), "/")
		w := fmt.Sprintf("%s request %d (%s)", where, i, method)
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if len(bytes.TrimSpace(r.Body)) == 0 {
			continue // a method without parameters (getMe)
		}
		if err != nil || params["boundary"] == "" {
			c.check(w, string(r.Body))
			continue
		}
		form, err := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"]).ReadForm(1 << 20)
		if err != nil {
			c.t.Errorf("%s: multipart body: %v", w, err)
			continue
		}
		for k, vs := range form.Value {
			if method == "setWebhook" && k == "secret_token" {
				continue
			}
			for _, v := range vs {
				c.check(w+" "+k, v)
			}
		}
	}
}

// checkYTX checks what reached YTX: the auth token never travels (only
// its Sign, in the query), so nothing of a request but the Sign may show a
// secret, and the Authorization header is base64 of sid|timestamp.
func (c *leakCheck) checkYTX(where string, reqs []wireReq) {
	for i, r := range reqs {
		w := fmt.Sprintf("%s request %d", where, i)
		q := url.Values{}
		for k, v := range r.Query {
			if k != "Sign" {
				q[k] = v
			}
		}
		hd := r.Header.Clone()
		hd.Del("Authorization")
		var sb strings.Builder
		_ = hd.Write(&sb)
		c.check(w, r.Path+"?"+q.Encode()+"\n"+sb.String()+"\n"+string(r.Body))
		if auth, err := base64.StdEncoding.DecodeString(r.Header.Get("Authorization")); err != nil || !strings.HasPrefix(string(auth), leakSecrets.ytxSID+"|") {
			c.t.Errorf("%s: Authorization %q is not base64 of sid|timestamp", w, r.Header.Get("Authorization"))
		}
	}
}

// signs returns the Sign of every request that reached the YTX front.
func signs(reqs []wireReq) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range reqs {
		if s := r.Query.Get("Sign"); s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// syncLog is a log a test's goroutines and serve's write to.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// reflectRequest is a YTX fault that answers with everything it was sent
// (the URL with its Sign, the headers) and the token itself, as a broken
// proxy or a chatty vendor error page might: the client must scrub it.
func reflectRequest(status int, token string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		echo := fmt.Sprintf("%s %s auth=%s token=%s", r.Method, r.URL.String(), r.Header.Get("Authorization"), token)
		if status != http.StatusOK {
			answerRaw(status, "text/html", "<html><body>"+echo+"</body></html>")(w, r)
			return
		}
		answerJSON(http.StatusOK, map[string]any{"statusCode": "-998", "statusMsg": echo})(w, r)
	}
}

// TestSecretsNeverLeak runs the whole product with distinctive secrets —
// Slack commands and clicks, Telegram updates and clicks, YTX pushes, then
// YTX errors -200..-205 and -104, dropped and reflected answers, a YTX
// token that does not match, Slack and Bot API errors, a refused bot token
// at start, and Socket Mode — and checks that no secret, in any form it
// could reasonably take, shows in a log line, an HTTP answer, a message the
// chat fakes received, a request to YTX beyond its Sign, the metrics, the
// admin socket's answers or the errors serve returns.
func TestSecretsNeverLeak(t *testing.T) {
	global := &syncLog{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(global, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })

	sec := leakSecrets
	h := startHostile(t, sec, func(h *hostile, c *Config) {
		c.Alerts.SlackChannel = "C0ALERT"
		c.Alerts.TelegramChat = tgE2EGroup
	}, true)
	lc := &leakCheck{t: t, forms: secretForms{}}
	sc := h.slackClient(t)
	ctx := context.Background()

	// A second YTX that knows another token: requests forwarded there fail
	// their Sign check (-203), as with a wrong ytx.auth_token.
	other, err := ytxsim.New(ytxsim.Config{AccountSID: sec.ytxSID, AuthToken: "another-token-000000000000000000", AppID: sec.ytxApp})
	if err != nil {
		t.Fatal(err)
	}

	// Slack: mappings, a dial-back with its clicks, a meeting ended by its
	// button.
	sc.command("/phone", "set "+e2eAlice, "U0001", "alice", "leak-1")
	sc.command("/phone", "set "+e2eBob, "U0002", "bob", "leak-2")
	sc.command("/call", "dialback <@U0002|bob>", "U0001", "alice", "leak-3")
	card := h.slack.waitFor(t, "the call card", "/chat.postMessage", nil)
	clicks := 0
	click := func(card e2eSlackReq, suffix, trigger string) {
		t.Helper()
		for _, b := range e2eButtons(t, card.Form.Get("blocks")) {
			if strings.HasSuffix(b.ActionID, suffix) {
				p := e2eClickPayload("U0001", "alice", card.TS, b.BlockID, b.ActionID, b.Value, h.slack.URL()+"response/"+trigger)
				clicks++ // each click its own action_ts: the same one again is a redelivery
				p = strings.Replace(p, "1700000100.000200", fmt.Sprintf("1700000100.%06d", clicks), 1)
				if code, body := sc.signedPost("/slack/interactions", p, e2eSigningSecret); code != http.StatusOK {
					t.Fatalf("click %s: %d %q", b.ActionID, code, body)
				}
				h.slack.waitFor(t, "the answer to "+trigger, "/response/"+trigger, nil)
				return
			}
		}
		t.Fatalf("no button *%s on %s", suffix, card.Form.Get("blocks"))
	}
	click(card, ":refresh", "leak-click-1")
	click(card, ":again", "leak-click-2")
	call, err := h.m.store.Call(ctx, 1)
	if err != nil || call.RequestID == "" {
		t.Fatalf("call c1: %+v %v", call, err)
	}
	sc.command("/meet", "create leaks <@U0002|bob>", "U0001", "alice", "leak-4")
	meetCard := h.slack.waitFor(t, "the meeting card", "/chat.postMessage", func(r e2eSlackReq) bool { return strings.Contains(r.Form.Get("text"), "leaks") })
	click(meetCard, ":end", "leak-click-3")

	// Pushes: a call state and a call record for c1, unmatched and
	// malformed ones, and wrong secrets close to the right one.
	for _, p := range []struct{ path, body string }{
		{"/ytx/callback/" + sec.callback, fmt.Sprintf(`{"requestid":%q,"dsc":%q,"state":"answer","stateDesc":"应答","timestamp":%q}`, call.RequestID, e2eAlice, ytx.Timestamp(time.Now()))},
		{"/ytx/callback/" + sec.callback, fmt.Sprintf(`{"cdr":[{"requestid":%q,"caller":%q,"called":%q,"duration":"61","stateDesc":"应答|正常"}]}`, call.RequestID, e2eAlice, e2eBob)},
		{"/ytx/callback/" + sec.callback, `{"requestid":"nope","state":"answer"}`},
		{"/ytx/callback/" + sec.callback, `not json`},
		{"/ytx/callback/" + sec.callback[:len(sec.callback)-1], `{}`},
		{"/ytx/callback/" + strings.ToLower(sec.callback), `{}`},
		{"/ytx/callback/" + sec.callback + "x", `{}`},
	} {
		h.do(t, http.MethodPost, p.path, http.Header{"Content-Type": {"application/json"}}, strings.NewReader(p.body))
	}
	e2eWaitUntil(t, "the pushes applied", func() bool {
		c, err := h.m.store.Call(ctx, 1)
		return err == nil && c.From.State != bot.PartyInvited
	})

	// YTX refusals of every account-level kind, and -104, on both ringing
	// actions.
	i := 0
	for _, code := range []string{"-200", "-201", "-202", "-203", "-204", "-205", "-104"} {
		for _, action := range []string{ytx.ActionDialBack, ytx.ActionCreateMeeting} {
			i++
			h.sim.FailNext(action, code, 1)
			text := "dialback <@U0002|bob>"
			cmd := "/call"
			if action == ytx.ActionCreateMeeting {
				cmd, text = "/meet", "create refused <@U0002|bob>"
			}
			if rep := sc.command(cmd, text, "U0001", "alice", fmt.Sprintf("leak-code-%d", i)); !strings.Contains(rep.Text, "YTX") {
				t.Errorf("%s answered %s: %q, want a YTX explanation", action, code, rep.Text)
			}
		}
	}
	// Dropped connections, before and after YTX acted.
	for j, mode := range []ytxsim.DropMode{ytxsim.DropBefore, ytxsim.DropAfter} {
		h.sim.DropNext(ytx.ActionDialBack, 1, mode)
		if rep := sc.command("/call", "dialback <@U0002|bob>", "U0001", "alice", fmt.Sprintf("leak-drop-%d", j)); !strings.Contains(rep.Text, "can't tell") {
			t.Errorf("%s: %q, want outcome unknown", mode, rep.Text)
		}
	}
	h.sim.DropNext(ytx.ActionQueryMeeting, 2, ytxsim.DropBefore)
	sc.command("/meet", "status", "U0001", "alice", "leak-drop-query")
	// Answers that reflect the request (Sign, Authorization) and the token.
	for j, status := range []int{http.StatusOK, http.StatusBadGateway, http.StatusNotFound} {
		h.ytx.fail(ytx.ActionDialBack, 1, reflectRequest(status, sec.ytxToken))
		sc.command("/call", "dialback <@U0002|bob>", "U0001", "alice", fmt.Sprintf("leak-reflect-%d", j))
	}
	h.ytx.fail(ytx.ActionQueryMeeting, 5, reflectRequest(http.StatusBadGateway, sec.ytxToken))
	sc.command("/meet", "status", "U0001", "alice", "leak-reflect-query")
	// A YTX that does not know our token: every Sign fails.
	h.ytx.fail(ytx.ActionDialBack, 1, other.ServeHTTP)
	if rep := sc.command("/call", "dialback <@U0002|bob>", "U0001", "alice", "leak-token-1"); !strings.Contains(rep.Text, "-203") {
		t.Errorf("with a token YTX does not know: %q, want -203", rep.Text)
	}
	h.ytx.fail(ytx.ActionQueryMeeting, 5, other.ServeHTTP)
	sc.command("/meet", "status", "U0001", "alice", "leak-token-2")
	h.ytx.fail(ytx.ActionCreateMeeting, 1, other.ServeHTTP)
	sc.command("/meet", "create badtoken <@U0002|bob>", "U0001", "alice", "leak-token-3")

	// Slack API errors: a card refused (not_in_channel, invalid_auth,
	// dropped), an edit refused, users.info refused, a late reply's
	// response_url and its ephemeral fallback refused.
	slackErr := func(e string) http.HandlerFunc {
		return answerJSON(http.StatusOK, map[string]any{"ok": false, "error": e})
	}
	for j, f := range []http.HandlerFunc{slackErr("not_in_channel"), slackErr("invalid_auth"), slackErr("token_revoked"), hangUp} {
		h.sfront.fail("/chat.postMessage", 1, f)
		sc.command("/call", "dialback <@U0002|bob>", "U0001", "alice", fmt.Sprintf("leak-slack-%d", j))
	}
	h.sfront.fail("/users.info", 1, slackErr("invalid_auth"))
	sc.command("/phone", "show", "U0003", "carol", "leak-slack-user")
	h.sfront.fail("/chat.update", 2, slackErr("invalid_auth"))
	click(card, ":refresh", "leak-click-4")
	h.sfront.fail("/response/leak-click-5", 1, answerRaw(http.StatusInternalServerError, "text/plain", "boom"))
	h.sfront.fail("/chat.postEphemeral", 1, slackErr("invalid_auth"))
	for _, b := range e2eButtons(t, card.Form.Get("blocks")) {
		if strings.HasSuffix(b.ActionID, ":refresh") {
			p := e2eClickPayload("U0001", "alice", card.TS, b.BlockID, b.ActionID, b.Value, h.slack.URL()+"response/leak-click-5")
			p = strings.Replace(p, "1700000100.000200", "1700000100.999999", 1) // another click
			sc.signedPost("/slack/interactions", p, e2eSigningSecret)
		}
	}
	e2eWaitUntil(t, "the refused ephemeral fallback", func() bool { return h.sfront.pending("/chat.postEphemeral") == 0 })
	// Forged and replayed Slack requests.
	forged := sc.slashForm("/call", "dialback <@U0002|bob>", "U0001", "alice", "leak-forged")
	sc.signedPost("/slack/commands", forged, sec.botToken) // the bot token as a signing key
	h.do(t, http.MethodPost, "/slack/commands", slackHeaders(forged, e2eSigningSecret, time.Now().Add(-time.Hour)), strings.NewReader(forged))

	// Telegram: mappings, a dial-back and its Call again, a refusal, Bot API
	// errors (500, 403, dropped), a membership check that fails, webhook
	// posts with wrong secrets.
	var s tgE2EScript
	s.update, s.msg = 5000, 500
	for _, p := range []struct {
		who   map[string]any
		phone string
	}{{tgE2EAlice, badTgAlice}, {tgE2EBob, badTgBob}} {
		u, msg := tgSay(&s, p.who, tgE2EChat, "/phone set "+p.phone)
		h.tgUpdate(t, u)
		h.tgReply(t, "the answer to /phone set", msg)
	}
	u, _ := tgSay(&s, tgE2EAlice, tgE2EChat, "/call dialback @bob")
	h.tgUpdate(t, u)
	tgCard := h.tgWait(t, "the Telegram call card", "sendMessage", func(c tgE2ECall) bool { return c.isCard() })
	for _, b := range tgCard.buttons(t) {
		if strings.HasSuffix(b[1], ":again") {
			cu, cq := s.click(tgE2EAlice, tgCard.MsgID, b[1])
			h.tgUpdate(t, cu)
			h.tgWait(t, "the click's answer", "answerCallbackQuery", func(c tgE2ECall) bool { return c.Form["callback_query_id"] == cq })
		}
	}
	h.sim.FailNext(ytx.ActionDialBack, "-203", 1)
	u, msg := tgSay(&s, tgE2EAlice, tgE2EChat, "/call dialback @bob")
	h.tgUpdate(t, u)
	h.tgReply(t, "the -203 answer", msg)
	tgErr := func(code int, desc string) http.HandlerFunc {
		return answerJSON(code, map[string]any{"ok": false, "error_code": code, "description": desc})
	}
	for j, f := range []http.HandlerFunc{tgErr(500, "Internal Server Error"), tgErr(403, "Forbidden: bot was kicked from the supergroup chat"),
		tgErr(401, "Unauthorized"), hangUp, answerRaw(200, "text/html", "<html>not json</html>")} {
		h.tfront.fail("sendMessage", 1, f)
		u, _ := tgSay(&s, tgE2EAlice, tgE2EChat, "/phone show")
		h.tgUpdate(t, u)
		e2eWaitUntil(t, fmt.Sprintf("Bot API fault %d used", j), func() bool { return h.tfront.pending("sendMessage") == 0 })
	}
	h.tfront.fail("getChatMember", 1, hangUp)
	u, msg = tgSay(&s, tgMember(3, "Carol", ""), tgE2EChat, "/phone show")
	h.tgUpdate(t, u)
	if r := h.tgReply(t, "carol's answer", msg); !strings.Contains(r.Form["text"], "could not check") {
		t.Errorf("membership check failed: %s", r)
	}
	h.tfront.fail("editMessageText", 1, tgErr(400, "Bad Request: message to edit not found"))
	for _, b := range tgCard.buttons(t) {
		if strings.HasSuffix(b[1], ":refresh") {
			cu, cq := s.click(tgE2EAlice, tgCard.MsgID, b[1])
			h.tgUpdate(t, cu)
			h.tgWait(t, "the refresh's answer", "answerCallbackQuery", func(c tgE2ECall) bool { return c.Form["callback_query_id"] == cq })
		}
	}
	for _, secret := range []string{"", "wrong", sec.webhook[:len(sec.webhook)-1], strings.ToLower(sec.webhook), sec.webhook + " "} {
		js, _ := json.Marshal(u)
		h.tgPost(t, secret, js)
	}

	// What only serve's own endpoints tell: metrics and the admin socket.
	_, metrics := h.get(t, h.admin+"/metrics")
	lc.check("metrics", metrics)
	adm := socketClient(socketPath(h.cfg.Storage.Path))
	for _, path := range []string{"/v1/audit?since=2000-01-01T00:00:00Z", "/v1/phones"} {
		resp, err := adm.Get("http://ytxbot" + path)
		if err != nil {
			t.Fatalf("admin socket %s: %v", path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		lc.check("admin socket "+path, string(b))
	}
	adm.CloseIdleConnections()
	if err := h.stop(t); err != nil {
		t.Errorf("Run: %v", err)
		lc.check("Run's error", err.Error())
	}

	// Serve refused at start: Slack says invalid_auth, Telegram 401.
	for _, tc := range []struct {
		name string
		edit func(*hostile, *Config)
	}{
		{"slack invalid_auth", func(h *hostile, c *Config) {
			h.sfront.fail("/auth.test", 1, answerJSON(http.StatusOK, map[string]any{"ok": false, "error": "invalid_auth"}))
		}},
		{"telegram 401", func(h *hostile, c *Config) { h.tfront.fail("getMe", 1, tgErr(401, "Unauthorized")) }},
		{"socket mode invalid_auth", func(h *hostile, c *Config) {
			c.Slack.AppToken = Secret(leakAppToken)
			h.sfront.fail("/apps.connections.open", 1, answerJSON(http.StatusOK, map[string]any{"ok": false, "error": "invalid_auth"}))
		}},
	} {
		hr := startHostile(t, sec, tc.edit, false)
		select {
		case err := <-hr.done:
			hr.stopped = true
			if err == nil {
				t.Errorf("%s: serve ran", tc.name)
				break
			}
			t.Logf("%s: %v", tc.name, err)
			lc.check(tc.name+": Run's error", err.Error())
		case <-time.After(10 * time.Second):
			t.Errorf("%s: serve did not stop", tc.name)
		}
		lc.checkLines(tc.name+" log", hr.logs.String())
	}

	// Socket Mode: the app token opens the connection; a command comes
	// through it.
	hs := startSocketMode(t, sec)

	// Every secret, and every Sign YTX saw, in every form.
	for name, v := range map[string]string{
		"YTX auth token": sec.ytxToken, "Slack bot token": sec.botToken, "Slack app token": leakAppToken,
		"Slack signing secret": e2eSigningSecret, "Telegram bot token": sec.tgToken,
		"Telegram webhook secret": sec.webhook, "YTX callback secret": sec.callback,
	} {
		lc.forms.add(name, v)
	}
	signed := signs(append(h.ytx.requests(), hs.ytx.requests()...))
	if len(signed) == 0 { // one per second: the timestamp is to the second
		t.Fatal("no Sign seen at YTX")
	}
	for _, sign := range signed {
		lc.forms.add("Sign "+sign, sign)
	}
	lc.checkLines("serve log", h.logs.String())
	lc.checkLines("socket mode serve log", hs.logs.String())
	lc.checkLines("default logger", global.String())
	for _, hh := range []*hostile{h, hs} {
		for i, a := range hh.answers.all() {
			lc.check(fmt.Sprintf("answer %d", i), a)
		}
		lc.checkSlack("fake Slack", hh.sfront.requests())
		lc.checkTelegram("fake Bot API", hh.tfront.requests())
		lc.checkYTX("YTX", hh.ytx.requests())
	}
	// The check itself must see a leak: a lower-case Sign, a URL-escaped
	// token, base64 of the signing secret.
	for _, probe := range []string{strings.ToLower(signed[0]), url.QueryEscape(sec.tgToken),
		base64.StdEncoding.EncodeToString([]byte(e2eSigningSecret)), "Bearer " + leakAppToken} {
		if len(lc.forms.find("x "+probe+" x")) == 0 {
			t.Errorf("the leak check misses %q", probe)
		}
	}
	for _, l := range lc.leaks {
		t.Error(l)
	}
	t.Logf("checked %d texts against %d forms of %d secrets (%d Signs)", lc.checked, len(lc.forms), 7+len(signed), len(signed))
}

// startSocketMode runs serve in Slack Socket Mode against a WebSocket fake,
// sends one slash command through it, waits for the ack and the ring, and
// stops serve.
func startSocketMode(t *testing.T, sec hostileSecrets) *hostile {
	t.Helper()
	acks := make(chan map[string]any, 16)
	envelopes := make(chan any, 4)
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		if conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1, "connection_info": map[string]any{"app_id": "A0001"}}) != nil {
			return
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				var m map[string]any
				if conn.ReadJSON(&m) != nil {
					return
				}
				acks <- m
			}
		}()
		for {
			select {
			case env := <-envelopes:
				if conn.WriteJSON(env) != nil {
					return
				}
			case <-done:
				return
			}
		}
	}))
	t.Cleanup(ws.Close)
	h := startHostile(t, sec, func(h *hostile, c *Config) {
		c.Slack.AppToken = Secret(leakAppToken)
		c.Telegram.Enabled = false
		h.sfront.fail("/apps.connections.open", 10, answerJSON(http.StatusOK, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(ws.URL, "http") + "/link"}))
	}, true)
	if code, _ := h.do(t, http.MethodPost, "/slack/commands", nil, strings.NewReader("x=1")); code != http.StatusNotFound {
		t.Errorf("POST /slack/commands in Socket Mode: %d, want 404", code)
	}
	envelopes <- map[string]any{"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": true,
		"payload": map[string]any{"token": "x", "team_id": e2eTeam, "channel_id": e2eChannel, "user_id": "U0001", "user_name": "alice",
			"command": "/phone", "text": "show", "response_url": h.slack.URL() + "response/sock-1", "trigger_id": "sock-trig-1"}}
	select {
	case m := <-acks:
		js, _ := json.Marshal(m)
		h.answers.note("socket ack " + string(js))
	case <-time.After(10 * time.Second):
		t.Fatal("no ack over Socket Mode")
	}
	if err := h.stop(t); err != nil {
		t.Errorf("Socket Mode Run: %v", err)
	}
	return h
}
