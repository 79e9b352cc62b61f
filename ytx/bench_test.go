package ytx_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

// benchClient serves a simulator on the real clock and returns a client
// with a keep-alive transport sized for parallel use.
func benchClient(b *testing.B) (*ytx.Client, *ytxsim.Sim) {
	sim, err := ytxsim.New(ytxsim.Config{AccountSID: sid, AuthToken: token, AppID: appID})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	b.Cleanup(srv.Close)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	c, err := ytx.New(ytx.Config{BaseURL: srv.URL, AccountSID: sid, AuthToken: token, AppID: appID},
		ytx.WithHTTPClient(&http.Client{Transport: tr, Timeout: 10 * time.Second}))
	if err != nil {
		b.Fatal(err)
	}
	return c, sim
}

// BenchmarkClientDialBack: one signed callDailBack round trip through the
// client and the simulator over loopback HTTP, the bot's hot path.
func BenchmarkClientDialBack(b *testing.B) {
	c, _ := benchClient(b)
	p := &ytx.DialBackParams{From: "13800000001", To: "13900000002", MaxDuration: 30 * time.Minute}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.DialBack(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClientDialBackParallel(b *testing.B) {
	c, _ := benchClient(b)
	p := &ytx.DialBackParams{From: "13800000001", To: "13900000002", MaxDuration: 30 * time.Minute}
	ctx := context.Background()
	b.ReportAllocs()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.DialBack(ctx, p); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

func BenchmarkClientQueryMeeting(b *testing.B) {
	c, _ := benchClient(b)
	ctx := context.Background()
	m, err := c.CreateMeeting(ctx, &ytx.MeetingParams{Name: "bench", Creator: "13800000001",
		Parties: []ytx.Party{{"a", "13800000001"}, {"b", "13900000002"}, {"c", "13700000003"}}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.QueryMeeting(ctx, m.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSign: the per-request signing cost alone.
func BenchmarkSign(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		ts := ytx.Timestamp(start)
		_ = ytx.Sign(sid, token, ts)
		_ = ytx.Authorization(sid, ts)
	}
}

func BenchmarkParsePush(b *testing.B) {
	body := []byte(`{"requestid":"20200428145137113750610411601","dsc":"13800000000","state":"answer","stateDesc":"应答","timestamp":"2020-04-28 14:51:37"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ytx.ParsePush(body); err != nil {
			b.Fatal(err)
		}
	}
}
