package bot

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestEditorCoalesces: in a rate-limited channel the first edit goes out at
// once, later ones wait their turn, only each card's latest version is sent,
// and drain delivers whatever is still waiting.
func TestEditorCoalesces(t *testing.T) {
	var mu sync.Mutex
	var sent []string
	got := make(chan struct{}, 10)
	e := newEditor(map[Platform]time.Duration{Slack: 30 * time.Millisecond}, func(_ context.Context, ref *CardRef, c *Card) {
		mu.Lock()
		sent = append(sent, ref.MessageID+"="+c.Status)
		mu.Unlock()
		got <- struct{}{}
	})
	a := &CardRef{Platform: Slack, Workspace: "T1", Channel: "C1", MessageID: "a"}
	b := &CardRef{Platform: Slack, Workspace: "T1", Channel: "C1", MessageID: "b"}
	other := &CardRef{Platform: Slack, Workspace: "T1", Channel: "C2", MessageID: "x"}
	ctx := context.Background()
	e.edit(ctx, a, &Card{Status: "1"})
	e.edit(ctx, a, &Card{Status: "2"})
	e.edit(ctx, b, &Card{Status: "1"})
	e.edit(ctx, a, &Card{Status: "3"})
	e.edit(ctx, other, &Card{Status: "1"}) // another channel is not held up
	for range 4 {
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatalf("edits did not arrive: %v", sent)
		}
	}
	e.drain()
	mu.Lock()
	defer mu.Unlock()
	want := []string{"a=1", "x=1", "a=3", "b=1"}
	if len(sent) != len(want) {
		t.Fatalf("sent %v, want %v", sent, want)
	}
	for i := range want {
		if sent[i] != want[i] {
			t.Fatalf("sent %v, want %v", sent, want)
		}
	}
}

func TestEditorDrainSendsWaiting(t *testing.T) {
	var sent []string
	e := newEditor(map[Platform]time.Duration{Telegram: time.Hour}, func(_ context.Context, ref *CardRef, c *Card) {
		sent = append(sent, c.Status)
	})
	ref := &CardRef{Platform: Telegram, Channel: "-1", MessageID: "7"}
	e.edit(context.Background(), ref, &Card{Status: "ringing"})
	e.edit(context.Background(), ref, &Card{Status: "joined"})
	e.edit(context.Background(), ref, &Card{Status: "ended"})
	done := make(chan struct{})
	go func() { e.drain(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("drain waited for the hour-long interval")
	}
	if len(sent) != 2 || sent[1] != "ended" {
		t.Errorf("sent %v, want the first and the final state", sent)
	}
}
