package bot_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
	"github.com/ytxbot/ytxbot/bot/memstore"
	"github.com/ytxbot/ytxbot/storage"
	"github.com/ytxbot/ytxbot/ytx"
)

// timingNotifier records when each edit arrives.
type timingNotifier struct {
	mu    sync.Mutex
	sent  map[string]time.Time // message id → push sent
	lat   []time.Duration
	seq   int
	posts int
}

func (n *timingNotifier) PostCard(_ context.Context, to bot.Destination, _ *bot.Card) (*bot.CardRef, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.seq++
	n.posts++
	return &bot.CardRef{Platform: to.Platform, Channel: to.Channel, MessageID: strconv.Itoa(n.seq)}, nil
}

func (n *timingNotifier) EditCard(_ context.Context, ref *bot.CardRef, _ *bot.Card) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if t, ok := n.sent[ref.MessageID]; ok {
		n.lat = append(n.lat, time.Since(t))
		delete(n.sent, ref.MessageID)
	}
	return nil
}

// BenchmarkTrack1000Meetings: 1,000 active meetings of 3 people, each in
// its own channel; every iteration pushes one "answer" to each meeting
// concurrently and measures push → card edit (the per-channel spacing is
// set to 0: the deliberate coalescing window is not counted). Reports
// p50/p99 latency and the heap held by 1,000 tracked meetings.
func BenchmarkTrack1000Meetings(b *testing.B) {
	b.Run("memstore", func(b *testing.B) { benchTrack(b, memstore.New()) })
	b.Run("bbolt", func(b *testing.B) {
		db, err := storage.Open(filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchTrack(b, db)
	})
}

func benchTrack(b *testing.B, st bot.Store) {
	const meetings = 1000
	ctx := context.Background()
	tel := &bottest.Telephony{}
	n := &timingNotifier{sent: map[string]time.Time{}}
	for i := range 3 * meetings {
		st.PutUser(ctx, &bot.User{Identity: "console:u" + strconv.Itoa(i), Name: "u" + strconv.Itoa(i), Phone: fmt.Sprintf("139%08d", i)})
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	bt, err := bot.New(bot.Config{EditIntervals: map[bot.Platform]time.Duration{}}, st, tel, bot.WithNotifier(bot.Console, n))
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, meetings)
	for i := range meetings {
		rep := bt.Handle(ctx, &bot.Request{Platform: bot.Console, Channel: "c" + strconv.Itoa(i), UserID: "u" + strconv.Itoa(3*i),
			Text: fmt.Sprintf("/meet create m%d @u%d @u%d", i, 3*i+1, 3*i+2)})
		if rep.Card == nil {
			b.Fatal(rep.Text)
		}
		m, _ := st.Meeting(ctx, int64(i+1))
		ids[i] = m.YTXID
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ResetTimer()
	for it := range b.N {
		var wg sync.WaitGroup
		for i := range meetings {
			// Alternate the party so every push is new evidence.
			phone := fmt.Sprintf("139%08d", 3*i+1+it%2)
			body := fmt.Sprintf(`{"confid":%q,"phone":%q,"state":"%s","timestamp":"2026-11-25 10:00:%02d"}`, ids[i], phone, []string{"alerting", "answer"}[it%2], it%60)
			p, _ := ytx.ParsePush([]byte(body))
			n.mu.Lock()
			n.sent[strconv.Itoa(i+1)] = time.Now()
			n.mu.Unlock()
			wg.Go(func() {
				if _, err := bt.HandlePush(ctx, p); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
	b.StopTimer()
	slices.Sort(n.lat)
	if len(n.lat) > 0 {
		b.ReportMetric(float64(n.lat[len(n.lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(n.lat[len(n.lat)*99/100].Microseconds()), "p99-µs")
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MiB/1000-meetings")
}
