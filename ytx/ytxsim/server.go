package ytxsim

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

const (
	// maxBody bounds what the simulator reads of a request body.
	maxBody = 1 << 20
	// authWindow is how far a request timestamp may be from the clock: the
	// vendor's error table says 10 minutes for -202.
	authWindow = 10 * time.Minute
)

// Request is one HTTP request the simulator received.
type Request struct {
	Action string          // the body's action, "" when absent or unreadable
	Path   string          // URL path; the Sign query is not kept
	Body   json.RawMessage // the body as received, at most 1 MiB
	// Code is the statusCode the simulator decided: "" when it decided none
	// (404, 405, dropped before acting, client gone). After a DropAfter it
	// is the code of the action performed, although no answer was sent.
	Code       string
	HTTPStatus int       // status written; 0 when no answer was sent
	At         time.Time // Clock.Now() on arrival
}

// reply is an answer decided for a request: its statusCode and the JSON
// value to write.
type reply struct {
	code string
	body any
}

// envelope is YTX's answer wrapper (ytx-protocol §4).
type envelope struct {
	StatusCode string  `json:"statusCode"`
	StatusMsg  any     `json:"statusMsg"`
	RequestID  *string `json:"requestId,omitempty"`
	Data       any     `json:"data,omitempty"`
}

// msgSubmitted is the statusMsg of a successful action.
const msgSubmitted = "提交成功"

func errReply(code string) reply {
	empty := ""
	return reply{code, envelope{StatusCode: code, StatusMsg: ytx.StatusMessage(code), RequestID: &empty}}
}

func okReply(msg any, requestID string) reply {
	return reply{ytx.CodeOK, envelope{StatusCode: ytx.CodeOK, StatusMsg: msg, RequestID: &requestID}}
}

// route is the parsed path /{version}/sid/{accountSID}/call/{funcURL}.
type route struct {
	version, sid, funcURL string
}

func parsePath(p string) (route, bool) {
	parts := strings.Split(p, "/")
	if len(parts) != 6 || parts[0] != "" || parts[2] != "sid" || parts[4] != "call" {
		return route{}, false
	}
	r := route{version: parts[1], sid: parts[3], funcURL: parts[5]}
	if r.version == "" || r.sid == "" || r.funcURL == "" {
		return route{}, false
	}
	return r, true
}

// ServeHTTP answers one YTX request. Checks run in the order of
// ytx-protocol §4; faults are applied once the action is known.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrived := s.clock.Now()
	rt, ok := parsePath(r.URL.Path)
	if !ok {
		s.record(Request{Path: r.URL.Path, HTTPStatus: http.StatusNotFound, At: arrived})
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		s.record(Request{Path: r.URL.Path, HTTPStatus: http.StatusMethodNotAllowed, At: arrived})
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		// The client went away mid-body: there is nobody to answer.
		s.record(Request{Path: r.URL.Path, At: arrived})
		return
	}
	var (
		f      fields
		jsonOK bool
	)
	if len(body) > maxBody {
		body = body[:maxBody] // refused with -4 below
	} else {
		f, jsonOK = parseFields(body)
	}
	action, _, _ := f.str("action")
	id := s.record(Request{Action: action, Path: r.URL.Path, Body: body, At: arrived})

	ctx := r.Context()
	if d := time.Duration(s.latency.Load()); d > 0 && !wait(ctx, d) {
		s.finish(id, "", 0)
		return
	}

	code := s.authenticate(rt, r, arrived)
	if code == "" && !jsonOK {
		code = ytx.CodeBadJSON
	}
	if code == "" {
		code = s.checkRoute(rt, action)
	}
	if code != "" {
		s.reply(w, id, errReply(code))
		return
	}

	if !s.waitGates(ctx, action) {
		s.finish(id, "", 0)
		return
	}
	flt := s.takeFault(action)
	switch {
	case flt.dropBefore:
		s.finish(id, "", 0)
		drop(w)
		return
	case flt.code != "":
		s.reply(w, id, errReply(flt.code))
		return
	}
	rep := s.act(action, f)
	if flt.dropAfter {
		s.finish(id, rep.code, 0)
		drop(w)
		return
	}
	s.reply(w, id, rep)
}

// authenticate checks the account (-200), the Authorization header and its
// timestamp (-202) and the Sign (-203).
func (s *Sim) authenticate(rt route, r *http.Request, now time.Time) string {
	if rt.sid != s.cfg.AccountSID {
		return ytx.CodeNoSuchAccount
	}
	sid, ts, err := ytx.ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil || sid != rt.sid {
		return ytx.CodeBadAuthorization
	}
	t, err := ytx.ParseTimestamp(ts)
	if err != nil {
		return ytx.CodeBadAuthorization
	}
	if d := now.Sub(t); d > authWindow || d < -authWindow {
		return ytx.CodeBadAuthorization
	}
	want := ytx.Sign(sid, s.cfg.AuthToken, ts)
	got := strings.ToUpper(r.URL.Query().Get("Sign"))
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return ytx.CodeBadAuthToken
	}
	return ""
}

// checkRoute refuses an unknown action, or one posted to another action's
// (version, funcURL), with -3.
func (s *Sim) checkRoute(rt route, action string) string {
	e, ok := s.routes[action]
	if !ok || e.Version != rt.version || e.FuncURL != rt.funcURL {
		return ytx.CodeUnknownAction
	}
	return ""
}

// act runs a routed request against the state: required fields (-2), appid
// (-205), values (-101, -102), then the action itself.
func (s *Sim) act(action string, f fields) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advance(now)
	for _, k := range required[action] {
		if !f.has(k) {
			return errReply(ytx.CodeMissingParam)
		}
	}
	if action == ytx.ActionQueryMeeting {
		// confid must be sent but "" is meaningful (the recent meetings).
		if _, present, _ := f.str("confid"); !present {
			return errReply(ytx.CodeMissingParam)
		}
	}
	if appid, _, _ := f.str("appid"); appid != s.cfg.AppID {
		return errReply(ytx.CodeAppCheckFailed)
	}
	switch action {
	case ytx.ActionCreateMeeting:
		return s.createMeeting(f, now)
	case ytx.ActionInvite:
		return s.invite(f, now)
	case ytx.ActionQueryMeeting:
		return s.queryMeeting(f)
	case ytx.ActionHangup:
		return s.hangup(f, now)
	case ytx.ActionDestroy:
		return s.destroy(f, now)
	case ytx.ActionDialBack:
		return s.dialBack(f, now)
	case ytx.ActionCallRecord:
		return s.callRecord(f)
	}
	return errReply(ytx.CodeUnknownAction) // unreachable: checkRoute knows the same actions
}

// required lists the fields each action must carry with a non-empty value.
var required = map[string][]string{
	ytx.ActionCreateMeeting: {"appid", "meetingname", "creator", "parties", "bookmeeting"},
	ytx.ActionInvite:        {"appid", "confid", "parties"},
	ytx.ActionQueryMeeting:  {"appid", "meetingcount"},
	ytx.ActionHangup:        {"appid", "confid", "phone"},
	ytx.ActionDestroy:       {"appid", "confid"},
	ytx.ActionDialBack:      {"appid", "src", "dst", "credit"},
	ytx.ActionCallRecord:    {"appid", "lastresid"},
}

// record appends a request to the log and returns its index.
func (s *Sim) record(req Request) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
	return len(s.requests) - 1
}

// finish stores the outcome of request id. It runs before the answer is
// written so that a client that has its answer also sees it in Requests.
func (s *Sim) finish(id int, code string, status int) {
	s.mu.Lock()
	req := &s.requests[id]
	req.Code, req.HTTPStatus = code, status
	if code == ytx.CodeOK {
		s.counts[req.Action]++
	}
	action := req.Action
	s.mu.Unlock()
	s.log.Debug("ytxsim: request", "action", action, "code", code, "http_status", status)
}

func (s *Sim) reply(w http.ResponseWriter, id int, rep reply) {
	b := marshal(rep.body)
	s.finish(id, rep.code, http.StatusOK)
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b) // a client that left cannot be told anything
}

// drop closes the connection without an answer, as when YTX or the network
// fails mid-request.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Without a Hijacker (HTTP/2, recorders) aborting the handler is the
	// way net/http offers to reset the stream.
	panic(http.ErrAbortHandler)
}

// wait blocks for d of real time; false when ctx ended first.
func wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// marshal encodes v like YTX does: compact, without HTML escaping.
func marshal(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Every value marshalled here is built by the simulator.
		panic("ytxsim: marshal: " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
