package ytx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	testSID   = "ACsecretSID0123456789abcdef00001"
	testToken = "TOKsecretToken0123456789abcdef01"
	testApp   = "app0123"
)

var testNow = time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC) // 10:00 Beijing

func testClient(t *testing.T, url string, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithClock(func() time.Time { return testNow }), withWait(func(context.Context, time.Duration) error { return nil })}
	c, err := New(Config{BaseURL: url, AccountSID: testSID, AuthToken: testToken, AppID: testApp}, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// answering returns a server that answers every request with body and status
// and counts the requests.
func answering(t *testing.T, status int, body string) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// hangingUp returns a server that reads the request and closes the
// connection without answering: the request reached "YTX".
func hangingUp(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		io.Copy(io.Discard, r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// closedURL is an address where nothing listens: the request is never sent.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

var (
	meetingParams = &MeetingParams{Name: "standup", Creator: "13800000001", Parties: []Party{{"me", "13800000001"}, {"alice", "13900000002"}}}
	dialParams    = &DialBackParams{From: "13800000001", To: "13900000002", MaxDuration: 30 * time.Minute, CustomParm: "c1"}
)

// ringingCalls are the actions that make phones ring; none may be retried.
var ringingCalls = map[string]func(context.Context, *Client) error{
	"create": func(ctx context.Context, c *Client) error { _, err := c.CreateMeeting(ctx, meetingParams); return err },
	"book": func(ctx context.Context, c *Client) error {
		_, err := c.BookMeeting(ctx, meetingParams, testNow.Add(time.Hour))
		return err
	},
	"invite": func(ctx context.Context, c *Client) error {
		_, err := c.Invite(ctx, "100001", []Party{{"bob", "13700000003"}}, "m1")
		return err
	},
	"dialback": func(ctx context.Context, c *Client) error { _, err := c.DialBack(ctx, dialParams); return err },
}

func TestRingingActionsNeverRetried(t *testing.T) {
	for _, answer := range []struct {
		status int
		body   string
	}{
		{200, `{"statusCode":"-104","statusMsg":"请求频率过高"}`},
		{200, `{"statusCode":"-100","statusMsg":"异常错误"}`},
		{502, `<html>bad gateway</html>`},
	} {
		for name, call := range ringingCalls {
			t.Run(fmt.Sprintf("%s/%d%s", name, answer.status, answer.body[:8]), func(t *testing.T) {
				srv, n := answering(t, answer.status, answer.body)
				err := call(context.Background(), testClient(t, srv.URL))
				if err == nil || n.Load() != 1 {
					t.Fatalf("err %v after %d requests, want an error after exactly 1", err, n.Load())
				}
				if answer.status == 502 && !errors.Is(err, ErrOutcomeUnknown) {
					t.Errorf("a 5xx after sending is not reported as outcome unknown: %v", err)
				}
			})
		}
	}
}

func TestReadsRetryThenSucceed(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			io.WriteString(w, `{"statusCode":"-104","statusMsg":"请求频率过高"}`)
		case 2:
			w.WriteHeader(503)
		default:
			io.WriteString(w, `{"statusCode":"0","statusMsg":"提交成功","data":{"meid":"100001","state":"active"}}`)
		}
	}))
	defer srv.Close()
	var pauses []time.Duration
	c := testClient(t, srv.URL, WithRetry(RetryPolicy{Attempts: 3, Base: time.Second, Max: 1500 * time.Millisecond}),
		withWait(func(_ context.Context, d time.Duration) error { pauses = append(pauses, d); return nil }))
	m, err := c.QueryMeeting(context.Background(), "100001")
	if err != nil || m.State != MeetingActive {
		t.Fatalf("QueryMeeting = %+v, %v", m, err)
	}
	if n.Load() != 3 || len(pauses) != 2 || pauses[0] != time.Second || pauses[1] != 1500*time.Millisecond {
		t.Errorf("%d requests, pauses %v", n.Load(), pauses)
	}
}

func TestReadsDoNotRetryPermanentErrors(t *testing.T) {
	srv, n := answering(t, 200, `{"statusCode":"-101","statusMsg":"参数不合法"}`)
	_, err := testClient(t, srv.URL).QueryMeeting(context.Background(), "404")
	if !IsCode(err, CodeInvalidParam) || n.Load() != 1 {
		t.Errorf("err %v after %d requests", err, n.Load())
	}
	if !errors.Is(err, &APIError{Code: "-101"}) {
		t.Error("errors.Is does not match an APIError by code")
	}
}

func TestOutcomeUnknown(t *testing.T) {
	ctx := context.Background()
	t.Run("sent then dropped", func(t *testing.T) {
		srv, n := hangingUp(t)
		for name, call := range ringingCalls {
			err := call(ctx, testClient(t, srv.URL))
			if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, ErrTransport) {
				t.Errorf("%s: %v, want outcome unknown", name, err)
			}
		}
		if int(n.Load()) != len(ringingCalls) {
			t.Errorf("%d requests for %d calls: something was resent", n.Load(), len(ringingCalls))
		}
	})
	t.Run("never sent", func(t *testing.T) {
		err := ringingCalls["dialback"](ctx, testClient(t, closedURL(t)))
		if !errors.Is(err, ErrTransport) || errors.Is(err, ErrOutcomeUnknown) {
			t.Errorf("connection refused: %v, want a transport error with a known outcome", err)
		}
	})
	t.Run("reads are never unknown", func(t *testing.T) {
		srv, n := hangingUp(t)
		_, err := testClient(t, srv.URL).QueryMeeting(ctx, "100001")
		if errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, ErrTransport) || n.Load() != int32(DefaultRetry.Attempts) {
			t.Errorf("query: %v after %d requests", err, n.Load())
		}
	})
	t.Run("cancelled after sending", func(t *testing.T) {
		arrived := make(chan struct{}, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) // lets the server notice the client leaving
			arrived <- struct{}{}
			<-r.Context().Done()
		}))
		defer srv.Close()
		ctx, cancel := context.WithCancel(ctx)
		go func() { <-arrived; cancel() }()
		_, err := testClient(t, srv.URL).DialBack(ctx, dialParams)
		if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled after sending: %v", err)
		}
	})
}

func TestInvalidInputNeverSent(t *testing.T) {
	srv, n := answering(t, 200, `{"statusCode":"0","statusMsg":"提交成功"}`)
	c := testClient(t, srv.URL)
	ctx := context.Background()
	bad := map[string]func() error{
		"credit 60s":         func() error { p := *dialParams; p.MaxDuration = time.Minute; _, err := c.DialBack(ctx, &p); return err },
		"leg with extension": func() error { p := *dialParams; p.To = "01053889900,12"; _, err := c.DialBack(ctx, &p); return err },
		"same legs":          func() error { p := *dialParams; p.To = p.From; _, err := c.DialBack(ctx, &p); return err },
		"short leg":          func() error { p := *dialParams; p.From = "1380000"; _, err := c.DialBack(ctx, &p); return err },
		"ringback 4":         func() error { p := *dialParams; p.RingbackType = 4; _, err := c.DialBack(ctx, &p); return err },
		"no parties": func() error {
			p := *meetingParams
			p.Parties = nil
			_, err := c.CreateMeeting(ctx, &p)
			return err
		},
		"bad party": func() error {
			p := *meetingParams
			p.Parties = []Party{{"x", "12345"}}
			_, err := c.CreateMeeting(ctx, &p)
			return err
		},
		"no name":         func() error { p := *meetingParams; p.Name = ""; _, err := c.CreateMeeting(ctx, &p); return err },
		"booking in past": func() error { _, err := c.BookMeeting(ctx, meetingParams, testNow.Add(-time.Minute)); return err },
		"edit without id": func() error { _, err := c.EditBooking(ctx, "", meetingParams, testNow.Add(time.Hour)); return err },
		"cancel no id":    func() error { return c.CancelBooking(ctx, "", meetingParams) },
		"invite no id":    func() error { _, err := c.Invite(ctx, "", meetingParams.Parties, ""); return err },
		"hangup bad":      func() error { _, err := c.Hangup(ctx, "1", "x"); return err },
		"destroy no id":   func() error { _, err := c.DestroyMeeting(ctx, ""); return err },
		"query no id":     func() error { _, err := c.QueryMeeting(ctx, ""); return err },
		"list zero":       func() error { _, err := c.ListMeetings(ctx, 0); return err },
		"record no id":    func() error { _, err := c.CallRecord(ctx, ""); return err },
	}
	for name, f := range bad {
		if err := f(); !errors.Is(err, ErrInvalidParams) {
			t.Errorf("%s: %v, want ErrInvalidParams", name, err)
		}
	}
	if n.Load() != 0 {
		t.Errorf("%d invalid requests reached YTX", n.Load())
	}
}

// TestSecretsNeverLeak drives every failure mode and checks that no error
// text and no log line carries the auth token, the account SID or the Sign.
func TestSecretsNeverLeak(t *testing.T) {
	sign := Sign(testSID, testToken, Timestamp(testNow))
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A hostile or broken proxy that echoes the URL and headers.
		w.WriteHeader(500)
		fmt.Fprintf(w, "error at %s auth=%s", r.URL.String(), r.Header.Get("Authorization"))
	}))
	defer echo.Close()
	echoAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"statusCode": "-203", "statusMsg": "bad token for " + r.URL.String()})
	}))
	defer echoAPI.Close()
	hang, _ := hangingUp(t)
	timeout := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	defer timeout.Close()

	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var errs []error
	for _, u := range []string{echo.URL, echoAPI.URL, hang.URL, timeout.URL, closedURL(t)} {
		c := testClient(t, u, WithLogger(logger), WithHTTPClient(&http.Client{Timeout: 200 * time.Millisecond}))
		ctx := context.Background()
		for _, call := range ringingCalls {
			errs = append(errs, call(ctx, c))
		}
		_, err := c.QueryMeeting(ctx, "100001")
		errs = append(errs, err)
		_, err = c.CallRecord(ctx, "r1")
		errs = append(errs, err)
	}
	for _, err := range errs {
		if err == nil {
			t.Fatal("a failing call returned no error")
		}
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v %#v", err, err)} {
			assertClean(t, "error", text, sign)
		}
	}
	assertClean(t, "logs", logs.String(), sign)
	if !strings.Contains(logs.String(), `"action":"callDailBack"`) {
		t.Error("no debug line per request")
	}
}

func assertClean(t *testing.T, what, text, sign string) {
	t.Helper()
	for name, secret := range map[string]string{"auth token": testToken, "account SID": testSID, "Sign": sign, "Sign (lower)": strings.ToLower(sign)} {
		if strings.Contains(text, secret) {
			t.Errorf("%s leaks the %s: %s", what, name, truncate(text, 300))
		}
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{BaseURL: SandboxURL, AccountSID: "s", AuthToken: "t", AppID: "a"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*Config){
		"no url":        func(c *Config) { c.BaseURL = "" },
		"ftp url":       func(c *Config) { c.BaseURL = "ftp://x" },
		"no sid":        func(c *Config) { c.AccountSID = "" },
		"no token":      func(c *Config) { c.AuthToken = "" },
		"no app":        func(c *Config) { c.AppID = "" },
		"encoding":      func(c *Config) { c.PartiesEncoding = "xml" },
		"unknown route": func(c *Config) { c.Endpoints = []Endpoint{{Action: "dial", Version: "201512"}} },
		"bad version":   func(c *Config) { c.Endpoints = []Endpoint{{Action: ActionDialBack, Version: "2015"}} },
		"bad func":      func(c *Config) { c.Endpoints = []Endpoint{{Action: ActionDialBack, FuncURL: "../x.wx"}} },
	} {
		c := good
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		} else if _, err := New(c); err == nil {
			t.Errorf("%s: New accepted", name)
		}
	}
	if _, err := New(good, WithRetry(RetryPolicy{})); err == nil {
		t.Error("New accepted a retry policy of 0 attempts")
	}
}

// TestGoldenRequests pins the exact outbound requests (path, query, headers,
// JSON) of every action under a fixed clock. Run with -update to rewrite.
func TestGoldenRequests(t *testing.T) {
	var out bytes.Buffer
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(&out, "%s %s\nAccept: %s\nContent-Type: %s\nAuthorization: %s\n%s\n\n",
			r.Method, r.URL.RequestURI(), r.Header.Get("Accept"), r.Header.Get("Content-Type"), r.Header.Get("Authorization"), body)
		io.WriteString(w, `{"statusCode":"0","statusMsg":{"meid":"100001","mepwd":"123456","meetcallerid":"01053189900"},"requestId":"1","cdr":[]}`)
	}))
	defer srv.Close()
	// The protocol's own test vector: sid, token and 2014-04-16 14:20:30 Beijing.
	c, err := New(Config{BaseURL: srv.URL, AccountSID: "abcdefghijklmnopqrstuvwxyz012345", AuthToken: "0123456789abcdef0123456789abcdef", AppID: "ff8080813fc70a7b013fc72312324213",
		ShowNumber: "01053189900", SrcCLID: "01012345678"},
		WithClock(func() time.Time { return time.Date(2014, 4, 16, 14, 20, 30, 0, Beijing) }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := &MeetingParams{Name: "123cs", Creator: "13600007556", Parties: []Party{{"张三", "15000000804"}, {"李四", "01053889900,1234"}}, CustomParm: "m1"}
	at := time.Date(2014, 4, 17, 9, 30, 0, 0, Beijing)
	c.CreateMeeting(ctx, p)
	c.BookMeeting(ctx, p, at)
	c.EditBooking(ctx, "002", p, at.Add(time.Hour))
	c.CancelBooking(ctx, "002", p)
	c.Invite(ctx, "002", []Party{{"王五", "13800000003"}}, "m2")
	c.QueryMeeting(ctx, "002")
	c.ListMeetings(ctx, 10)
	c.Hangup(ctx, "002", "13800000003")
	c.DestroyMeeting(ctx, "002")
	c.DialBack(ctx, &DialBackParams{From: "13911281234", To: "13522855865", MaxDuration: time.Hour, CustomParm: "c42",
		SrcTimeout: 30 * time.Second, RingbackType: 2, CallStatusCheck: true})
	c.CallRecord(ctx, "20200428145137113750610411601")
	arr, _ := New(Config{BaseURL: srv.URL, AccountSID: "s", AuthToken: "t", AppID: "a", PartiesEncoding: PartiesArray},
		WithClock(func() time.Time { return time.Date(2014, 4, 16, 14, 20, 30, 0, Beijing) }),
		WithHTTPClient(http.DefaultClient))
	arr.Invite(ctx, "002", []Party{{"王五", "13800000003"}}, "")

	golden := filepath.Join("testdata", "requests.golden")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("outbound requests differ from %s (go test -update rewrites it):\n%s", golden, out.String())
	}
}

func TestObserver(t *testing.T) {
	srv, _ := answering(t, 200, `{"statusCode":"-204","statusMsg":"账户余额不足"}`)
	var got []Observation
	c := testClient(t, srv.URL, WithObserver(func(o Observation) { got = append(got, o) }))
	c.DialBack(context.Background(), dialParams)
	if len(got) != 1 || got[0].Action != ActionDialBack || got[0].StatusCode != "-204" || got[0].HTTPStatus != 200 || got[0].Err == nil {
		t.Errorf("observations %+v", got)
	}
}
