package bot_test

import (
	"context"
	"sync"
	"testing"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/ytx"
)

// TestConcurrentDeliveriesRingOnce: the same request delivered many times
// at once (its dedupe key is written with the ringing request's first
// write, not before) rings once, and only one delivery answers.
func TestConcurrentDeliveriesRingOnce(t *testing.T) {
	e := demo(t, bot.Config{})
	for _, text := range []string{"/call dialback @bob", "/meet create x @carol"} {
		var wg sync.WaitGroup
		var mu sync.Mutex
		answered := 0
		for range 8 {
			wg.Go(func() {
				rep := e.Bot.Handle(context.Background(), &bot.Request{ID: "same-" + text, Platform: bot.Console,
					Channel: "demo", UserID: "alice", UserName: "alice", Text: text})
				if !rep.Silent {
					mu.Lock()
					answered++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if answered != 1 {
			t.Errorf("%q: %d deliveries answered, want 1", text, answered)
		}
	}
	if n := e.Sim.Count(ytx.ActionDialBack); n != 1 {
		t.Errorf("%d dial-backs", n)
	}
	if n := e.Sim.Count(ytx.ActionCreateMeeting); n != 1 {
		t.Errorf("%d meetings", n)
	}
	// A later redelivery is refused by the read alone.
	rep := e.Bot.Handle(context.Background(), &bot.Request{ID: "same-/call dialback @bob", Platform: bot.Console,
		Channel: "demo", UserID: "alice", UserName: "alice", Text: "/call dialback @bob"})
	if !rep.Silent || e.Sim.Count(ytx.ActionDialBack) != 1 {
		t.Errorf("late redelivery: %+v", rep)
	}
}
