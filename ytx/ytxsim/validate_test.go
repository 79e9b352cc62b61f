package ytxsim

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// TestProtocolVector runs ytx-protocol §2's test vector through the
// simulator, with the literal Sign and Authorization of the document.
func TestProtocolVector(t *testing.T) {
	const (
		ts   = "20140416142030"
		sign = "698CD6F76DB3CAE8E9875C1F8F298B2C"
		auth = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDV8MjAxNDA0MTYxNDIwMzA="
	)
	if got := ytx.Sign(testSID, testToken, ts); got != sign {
		t.Fatalf("ytx.Sign = %s, want %s", got, sign)
	}
	e := newEnv(t)
	e.clock.Set(time.Date(2014, 4, 16, 14, 20, 30, 0, ytx.Beijing))
	p := parts{
		method: http.MethodPost,
		path:   "/201612/sid/" + testSID + "/call/MeetingQuery.wx",
		sign:   sign,
		auth:   auth,
		body:   bodyOf(ytx.ActionQueryMeeting, map[string]any{"confid": "", "meetingcount": "1"}),
	}
	a := e.serve(t, p.request(context.Background(), "http://ytx.test"))
	if a.StatusCode != ytx.CodeOK || string(a.Data) != "[]" {
		t.Fatalf("answer %s, want statusCode 0 and data []", a.raw)
	}
	// Ten minutes and one second later the same signature is stale.
	e.clock.Advance(10*time.Minute + time.Second)
	a = e.serve(t, p.request(context.Background(), "http://ytx.test"))
	if a.StatusCode != ytx.CodeBadAuthorization {
		t.Fatalf("stale vector: %s, want -202", a.raw)
	}
}

// TestValidationOrder breaks one thing per row, or two to show that the
// earlier check wins.
func TestValidationOrder(t *testing.T) {
	validMeeting := meetingBody("13800000001", "13800000002")
	otherSign := func(p *parts, e *env) {
		p.sign = ytx.Sign(testSID, "ffffffffffffffffffffffffffffffff", ytx.Timestamp(e.clock.Now()))
	}
	withBody := func(edit func(map[string]any)) func(*parts, *env) {
		return func(p *parts, e *env) {
			b := map[string]any{}
			for k, v := range validMeeting {
				b[k] = v
			}
			edit(b)
			p.body = bodyOf(ytx.ActionCreateMeeting, b)
		}
	}
	signedAt := func(d time.Duration) func(*parts, *env) {
		return func(p *parts, e *env) {
			ts := ytx.Timestamp(e.clock.Now().Add(d))
			p.sign, p.auth = ytx.Sign(testSID, testToken, ts), ytx.Authorization(testSID, ts)
		}
	}
	tests := []struct {
		name   string
		break_ func(*parts, *env)
		status int    // HTTP status, when not 200
		code   string // statusCode
	}{
		{"valid", func(*parts, *env) {}, 0, ytx.CodeOK},
		{"path too short", func(p *parts, _ *env) { p.path = "/201612/sid/" + testSID + "/TeleMeeting.wx" }, 404, ""},
		{"path without call", func(p *parts, _ *env) { p.path = "/201612/sid/" + testSID + "/sms/TeleMeeting.wx" }, 404, ""},
		{"path too long", func(p *parts, _ *env) { p.path += "/x" }, 404, ""},
		{"GET", func(p *parts, _ *env) { p.method = http.MethodGet }, 405, ""},
		{"path and method", func(p *parts, _ *env) { p.method, p.path = http.MethodGet, "/x" }, 404, ""},
		{"unknown account", func(p *parts, _ *env) { p.path = strings.Replace(p.path, testSID, "nosuchaccount", 1) }, 0, ytx.CodeNoSuchAccount},
		{"no Authorization", func(p *parts, _ *env) { p.auth = "" }, 0, ytx.CodeBadAuthorization},
		{"Authorization not base64", func(p *parts, _ *env) { p.auth = "not base64!" }, 0, ytx.CodeBadAuthorization},
		{"Authorization with colon", func(p *parts, e *env) {
			p.auth = b64(testSID + ":" + ytx.Timestamp(e.clock.Now()))
		}, 0, ytx.CodeBadAuthorization},
		{"Authorization of another SID", func(p *parts, e *env) {
			p.auth = ytx.Authorization("someoneelse", ytx.Timestamp(e.clock.Now()))
		}, 0, ytx.CodeBadAuthorization},
		{"timestamp unparsable", func(p *parts, _ *env) { p.auth = ytx.Authorization(testSID, "2026-03-02") }, 0, ytx.CodeBadAuthorization},
		{"timestamp 10m01s old", signedAt(-10*time.Minute - time.Second), 0, ytx.CodeBadAuthorization},
		{"timestamp 10m01s ahead", signedAt(10*time.Minute + time.Second), 0, ytx.CodeBadAuthorization},
		{"timestamp 9m59s old", signedAt(-9*time.Minute - 59*time.Second), 0, ytx.CodeOK},
		{"timestamp 9m59s ahead", signedAt(9*time.Minute + 59*time.Second), 0, ytx.CodeOK},
		{"Sign of another token", otherSign, 0, ytx.CodeBadAuthToken},
		{"no Sign", func(p *parts, _ *env) { p.sign = "" }, 0, ytx.CodeBadAuthToken},
		{"lower-case Sign", func(p *parts, _ *env) { p.sign = strings.ToLower(p.sign) }, 0, ytx.CodeOK},
		{"body not JSON", func(p *parts, _ *env) { p.body = "action=createMeeting" }, 0, ytx.CodeBadJSON},
		{"body empty", func(p *parts, _ *env) { p.body = "" }, 0, ytx.CodeBadJSON},
		{"body an array", func(p *parts, _ *env) { p.body = "[" + p.body + "]" }, 0, ytx.CodeBadJSON},
		{"body truncated", func(p *parts, _ *env) { p.body = p.body[:len(p.body)-1] }, 0, ytx.CodeBadJSON},
		{"body over 1 MiB", func(p *parts, _ *env) {
			p.body = strings.TrimSuffix(p.body, "}") + `,"pad":"` + strings.Repeat("x", maxBody) + `"}`
		}, 0, ytx.CodeBadJSON},
		{"no action", withBody(func(b map[string]any) { b["action"] = omit }), 0, ytx.CodeUnknownAction},
		{"unknown action", withBody(func(b map[string]any) { b["action"] = "createMeetings" }), 0, ytx.CodeUnknownAction},
		{"action case", withBody(func(b map[string]any) { b["action"] = "CreateMeeting" }), 0, ytx.CodeUnknownAction},
		{"action on another route", func(p *parts, _ *env) {
			p.path = pathOf(routeOf(ytx.ActionQueryMeeting), testSID)
		}, 0, ytx.CodeUnknownAction},
		{"action on another version", func(p *parts, _ *env) {
			p.path = strings.Replace(p.path, "201612", "201512", 1)
		}, 0, ytx.CodeUnknownAction},
		{"no meetingname", withBody(func(b map[string]any) { b["meetingname"] = omit }), 0, ytx.CodeMissingParam},
		{"empty creator", withBody(func(b map[string]any) { b["creator"] = "" }), 0, ytx.CodeMissingParam},
		{"null parties", withBody(func(b map[string]any) { b["parties"] = nil }), 0, ytx.CodeMissingParam},
		{"no bookmeeting", withBody(func(b map[string]any) { b["bookmeeting"] = omit }), 0, ytx.CodeMissingParam},
		{"no appid", withBody(func(b map[string]any) { b["appid"] = omit }), 0, ytx.CodeMissingParam},
		{"other appid", withBody(func(b map[string]any) { b["appid"] = "sandboxapp" }), 0, ytx.CodeAppCheckFailed},
		{"bookmeeting 3", withBody(func(b map[string]any) { b["bookmeeting"] = "3" }), 0, ytx.CodeInvalidParam},
		{"bookmeeting as a number", withBody(func(b map[string]any) { b["bookmeeting"] = 0 }), 0, ytx.CodeOK},
		{"parties raw array", withBody(func(b map[string]any) {
			b["parties"] = []ytx.Party{{Name: "a", Phone: "13800000001"}}
		}), 0, ytx.CodeOK},
		{"parties empty", withBody(func(b map[string]any) { b["parties"] = "[]" }), 0, ytx.CodeInvalidParam},
		{"parties garbage", withBody(func(b map[string]any) { b["parties"] = "[{name:zhangsan}]" }), 0, ytx.CodeBadJSON},
		{"party phone short", withBody(func(b map[string]any) { b["parties"] = partiesOf("1380000001") }), 0, ytx.CodeInvalidPhone},
		{"party phone 12x", withBody(func(b map[string]any) { b["parties"] = partiesOf("12800000001") }), 0, ytx.CodeInvalidPhone},
		{"party landline extension", withBody(func(b map[string]any) {
			b["parties"] = partiesOf("01053889900,1234")
		}), 0, ytx.CodeOK},
		{"party international", withBody(func(b map[string]any) { b["parties"] = partiesOf("0014155550100") }), 0, ytx.CodeOK},
		{"party twice", withBody(func(b map[string]any) {
			b["parties"] = partiesOf("13800000001", "13800000001")
		}), 0, ytx.CodeInvalidParam},
		{"creator not a phone", withBody(func(b map[string]any) { b["creator"] = "alice" }), 0, ytx.CodeInvalidPhone},

		// Two faults: the earlier check answers.
		{"account and Authorization", func(p *parts, _ *env) {
			p.path, p.auth = strings.Replace(p.path, testSID, "nosuchaccount", 1), ""
		}, 0, ytx.CodeNoSuchAccount},
		{"Authorization and Sign", func(p *parts, _ *env) { p.auth, p.sign = "", "" }, 0, ytx.CodeBadAuthorization},
		{"stale and wrong Sign", func(p *parts, e *env) {
			signedAt(-time.Hour)(p, e)
			p.sign = "00000000000000000000000000000000"
		}, 0, ytx.CodeBadAuthorization},
		{"Sign and JSON", func(p *parts, e *env) { otherSign(p, e); p.body = "{" }, 0, ytx.CodeBadAuthToken},
		{"JSON and route", func(p *parts, _ *env) {
			p.path, p.body = pathOf(routeOf(ytx.ActionQueryMeeting), testSID), "{"
		}, 0, ytx.CodeBadJSON},
		{"action and fields", withBody(func(b map[string]any) {
			b["action"], b["meetingname"] = "nope", omit
		}), 0, ytx.CodeUnknownAction},
		{"fields and appid", withBody(func(b map[string]any) {
			b["meetingname"], b["appid"] = omit, "sandboxapp"
		}), 0, ytx.CodeMissingParam},
		{"appid and phone", withBody(func(b map[string]any) {
			b["appid"], b["parties"] = "sandboxapp", partiesOf("123")
		}), 0, ytx.CodeAppCheckFailed},
		{"phone and bookmeeting", withBody(func(b map[string]any) {
			b["bookmeeting"], b["parties"] = "7", partiesOf("123")
		}), 0, ytx.CodeInvalidParam},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := e.validParts(ytx.ActionCreateMeeting, validMeeting)
			tc.break_(&p, e)
			a := e.serve(t, p.request(context.Background(), "http://ytx.test"))
			if tc.status != 0 {
				if a.httpStatus != tc.status {
					t.Fatalf("HTTP %d, want %d (%s)", a.httpStatus, tc.status, a.raw)
				}
				if got := e.sim.Requests()[0].HTTPStatus; got != tc.status {
					t.Errorf("recorded HTTP %d", got)
				}
				return
			}
			if a.httpStatus != http.StatusOK || a.StatusCode != tc.code {
				t.Fatalf("HTTP %d %s, want statusCode %s", a.httpStatus, a.raw, tc.code)
			}
			if tc.code != ytx.CodeOK {
				want := `{"statusCode":"` + tc.code + `","statusMsg":"` + ytx.StatusMessage(tc.code) + `","requestId":""}`
				if a.raw != want {
					t.Errorf("answer %s, want %s", a.raw, want)
				}
				if n := len(e.sim.Meetings()); n != 0 {
					t.Errorf("a refused request created %d meetings", n)
				}
				if n := e.sim.Count(ytx.ActionCreateMeeting); n != 0 {
					t.Errorf("Count = %d after a refusal", n)
				}
			}
			if got := e.sim.Requests()[0].Code; got != tc.code {
				t.Errorf("recorded code %q, want %q", got, tc.code)
			}
		})
	}
}

// TestValues covers the value checks of every action but createMeeting.
func TestValues(t *testing.T) {
	type row struct {
		name   string
		action string
		body   map[string]any
		code   string
	}
	tests := []row{
		{"credit 60", ytx.ActionDialBack, dialBackBody("13800000001", "13800000002", "60"), ytx.CodeInvalidParam},
		{"credit 61", ytx.ActionDialBack, dialBackBody("13800000001", "13800000002", "61"), ytx.CodeOK},
		{"credit number", ytx.ActionDialBack, dialBackBody("13800000001", "13800000002", 120), ytx.CodeOK},
		{"credit fraction", ytx.ActionDialBack, dialBackBody("13800000001", "13800000002", 120.5), ytx.CodeInvalidParam},
		{"credit text", ytx.ActionDialBack, dialBackBody("13800000001", "13800000002", "two minutes"), ytx.CodeInvalidParam},
		{"credit missing", ytx.ActionDialBack, dialBackBody("13800000001", "13800000002", omit), ytx.CodeMissingParam},
		{"src missing", ytx.ActionDialBack, dialBackBody("", "13800000002", 120), ytx.CodeMissingParam},
		{"src landline", ytx.ActionDialBack, dialBackBody("01053889900", "13800000002", 120), ytx.CodeOK},
		{"src landline extension", ytx.ActionDialBack, dialBackBody("01053889900,12", "13800000002", 120), ytx.CodeInvalidPhone},
		{"dst international", ytx.ActionDialBack, dialBackBody("13800000001", "0014155550100", 120), ytx.CodeOK},
		{"dst bad", ytx.ActionDialBack, dialBackBody("13800000001", "+8613800000002", 120), ytx.CodeInvalidPhone},
		{"dial-back bad credit and phone", ytx.ActionDialBack, dialBackBody("1", "13800000002", 10), ytx.CodeInvalidParam},
		{"query confid missing", ytx.ActionQueryMeeting, map[string]any{"meetingcount": "1"}, ytx.CodeMissingParam},
		{"query count missing", ytx.ActionQueryMeeting, map[string]any{"confid": ""}, ytx.CodeMissingParam},
		{"query count 0", ytx.ActionQueryMeeting, map[string]any{"confid": "", "meetingcount": "0"}, ytx.CodeInvalidParam},
		{"query count number", ytx.ActionQueryMeeting, map[string]any{"confid": "", "meetingcount": 5}, ytx.CodeOK},
		{"query unknown meeting", ytx.ActionQueryMeeting, map[string]any{"confid": "999", "meetingcount": "1"}, ytx.CodeInvalidParam},
		{"invite unknown meeting", ytx.ActionInvite, map[string]any{"confid": "999", "parties": partiesOf("13800000003")}, ytx.CodeInvalidParam},
		{"invite bad phone first", ytx.ActionInvite, map[string]any{"confid": "999", "parties": partiesOf("3")}, ytx.CodeInvalidPhone},
		{"invite no parties", ytx.ActionInvite, map[string]any{"confid": "100001"}, ytx.CodeMissingParam},
		{"hangup no phone", ytx.ActionHangup, map[string]any{"confid": "100001"}, ytx.CodeMissingParam},
		{"hangup unknown meeting", ytx.ActionHangup, map[string]any{"confid": "999", "phone": "13800000001"}, ytx.CodeInvalidParam},
		{"destroy unknown meeting", ytx.ActionDestroy, map[string]any{"confid": "999"}, ytx.CodeInvalidParam},
		{"destroy empty confid", ytx.ActionDestroy, map[string]any{"confid": ""}, ytx.CodeMissingParam},
		{"record no lastresid", ytx.ActionCallRecord, map[string]any{"fid": "4", "limit": "0"}, ytx.CodeMissingParam},
		{"record bad limit", ytx.ActionCallRecord, map[string]any{"lastresid": "1", "limit": "-1"}, ytx.CodeInvalidParam},
		{"record other appid", ytx.ActionCallRecord, map[string]any{"lastresid": "1", "appid": "x"}, ytx.CodeAppCheckFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if a := e.call(t, tc.action, tc.body); a.StatusCode != tc.code {
				t.Fatalf("%s, want statusCode %s", a.raw, tc.code)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	good := Config{AccountSID: testSID, AuthToken: testToken, AppID: testApp}
	tests := []struct {
		name string
		edit func(*Config)
		opts []Option
	}{
		{"no SID", func(c *Config) { c.AccountSID = "" }, nil},
		{"no token", func(c *Config) { c.AuthToken = "" }, nil},
		{"no app", func(c *Config) { c.AppID = "" }, nil},
		{"bad callback", func(c *Config) { c.CallbackURL = "ftp://x/secret" }, nil},
		{"relative callback", func(c *Config) { c.CallbackURL = "/push" }, nil},
		{"unknown endpoint", func(c *Config) { c.Endpoints = []ytx.Endpoint{{Action: "sendSms"}} }, nil},
		{"bad version", func(c *Config) {
			c.Endpoints = []ytx.Endpoint{{Action: ytx.ActionDialBack, Version: "2015"}}
		}, nil},
		{"negative timeline", func(c *Config) { c.Timeline.Ring = -time.Second }, nil},
		{"nil clock", func(*Config) {}, []Option{WithClock(nil)}},
		{"nil client", func(*Config) {}, []Option{WithHTTPClient(nil)}},
		{"nil push func", func(*Config) {}, []Option{WithPushFunc(nil)}},
		{"nil logger", func(*Config) {}, []Option{WithLogger(nil)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			_, err := New(cfg, tc.opts...)
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New: %v, want ErrInvalidConfig", err)
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "secret") {
				t.Errorf("error leaks a secret: %v", err)
			}
		})
	}
	if _, err := New(good); err != nil {
		t.Fatalf("New(good): %v", err)
	}
}

// TestEndpointOverride routes queryMeeting to TeleMeeting.wx, as the seed's
// .NET sample does, in both the simulator and (by the same rule) the client.
func TestEndpointOverride(t *testing.T) {
	e := newEnvConfig(t, Config{Endpoints: []ytx.Endpoint{{Action: ytx.ActionQueryMeeting, FuncURL: "TeleMeeting.wx"}}})
	body := map[string]any{"confid": "", "meetingcount": "1"}
	p := e.validParts(ytx.ActionQueryMeeting, body)
	if a := e.serve(t, p.request(context.Background(), "http://ytx.test")); a.StatusCode != ytx.CodeUnknownAction {
		t.Errorf("default route after override: %s, want -3", a.raw)
	}
	p.path = pathOf(ytx.Endpoint{Version: "201612", FuncURL: "TeleMeeting.wx"}, testSID)
	if a := e.serve(t, p.request(context.Background(), "http://ytx.test")); a.StatusCode != ytx.CodeOK {
		t.Errorf("overridden route: %s, want 0", a.raw)
	}
}
