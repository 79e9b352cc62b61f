package ytxsim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// TestConcurrentClients creates meetings and dial-backs from many
// goroutines while the clock moves and pushes are delivered; run it with
// -race. Every id must be unique.
func TestConcurrentClients(t *testing.T) {
	const workers, each = 8, 25
	e := newEnv(t)
	srv := httptest.NewServer(e.sim)
	defer srv.Close()
	client := srv.Client()

	var (
		mu      sync.Mutex
		meids   = map[string]bool{}
		callIDs = map[string]bool{}
	)
	send := func(p parts) (answer, bool) {
		resp, err := client.Do(p.request(t.Context(), srv.URL))
		if err != nil {
			t.Errorf("request: %v", err)
			return answer{}, false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var a answer
		if err := json.Unmarshal(b, &a); err != nil || a.StatusCode != ytx.CodeOK {
			t.Errorf("answer %s: %v", b, err)
			return a, false
		}
		return a, true
	}

	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Add(1)
	go func() { // the world moves on meanwhile
		defer bg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if i < 300 {
				e.clock.Advance(time.Second)
			}
			e.sim.Tick(t.Context())
			_ = e.sim.Meetings()
			_ = e.sim.Requests()
		}
	}()

	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if a, ok := send(e.validParts(ytx.ActionCreateMeeting, meetingBody("13800000001", "13800000007"))); ok {
					var info meetingInfo
					_ = json.Unmarshal(a.StatusMsg, &info)
					mu.Lock()
					if meids[info.MeID] {
						t.Errorf("meid %s twice", info.MeID)
					}
					meids[info.MeID] = true
					mu.Unlock()
				}
				if a, ok := send(e.validParts(ytx.ActionDialBack, dialBackBody("13800000001", "13900000002", 120))); ok {
					mu.Lock()
					if callIDs[*a.RequestID] {
						t.Errorf("requestId %s twice", *a.RequestID)
					}
					callIDs[*a.RequestID] = true
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	bg.Wait()

	if len(meids) != workers*each || len(callIDs) != workers*each {
		t.Errorf("%d meids, %d requestIds, want %d each", len(meids), len(callIDs), workers*each)
	}
	if e.sim.Count(ytx.ActionCreateMeeting) != workers*each || e.sim.Count(ytx.ActionDialBack) != workers*each {
		t.Error("counts")
	}
	// Everything ends eventually, and every call pushed one record.
	e.clock.Advance(time.Hour)
	e.sim.Tick(t.Context())
	for _, m := range e.sim.Meetings() {
		if m.State != StateActive || m.Parties[1].State != StateLeft {
			t.Fatalf("meeting %+v", m)
		}
	}
	records := 0
	for _, p := range e.sim.Pushes() {
		if len(p) > 7 && string(p[:7]) == `{"cdr":` {
			records++
		}
	}
	if records != workers*each {
		t.Errorf("%d records pushed", records)
	}
}

// benchClient is a keep-alive client sized for RunParallel.
func benchClient(srv *httptest.Server) *http.Client {
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	return &http.Client{Transport: tr}
}

func benchmarkAction(b *testing.B, action string, body map[string]any) {
	e := newEnv(b)
	srv := httptest.NewServer(e.sim)
	defer srv.Close()
	client := benchClient(srv)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Do(e.validParts(action, body).request(b.Context(), srv.URL))
			if err != nil {
				b.Error(err)
				return
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if len(out) < 16 || string(out[:16]) != `{"statusCode":"0` {
				b.Errorf("answer %s", out)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkSimDialBack(b *testing.B) {
	benchmarkAction(b, ytx.ActionDialBack, dialBackBody("13800000001", "13900000002", "120"))
}

func BenchmarkSimCreateMeeting(b *testing.B) {
	benchmarkAction(b, ytx.ActionCreateMeeting, meetingBody("13800000001", "13800000002", "13800000003"))
}
