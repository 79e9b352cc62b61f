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
	e := newEditor(map[Platform]time.Duration{Slack: 30 * time.Millisecond}, nil, func(_ context.Context, ref *CardRef, c *Card) {
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
	e := newEditor(map[Platform]time.Duration{Telegram: time.Hour}, nil, func(_ context.Context, ref *CardRef, c *Card) {
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

// TestEditorSpacesWorkspace: two channels of one workspace share the
// workspace's pace; another workspace is not held up.
func TestEditorSpacesWorkspace(t *testing.T) {
	var mu sync.Mutex
	var at []time.Time
	var ids []string
	got := make(chan struct{}, 10)
	e := newEditor(map[Platform]time.Duration{}, map[Platform]time.Duration{Slack: 50 * time.Millisecond}, func(_ context.Context, ref *CardRef, c *Card) {
		mu.Lock()
		at, ids = append(at, time.Now()), append(ids, ref.Workspace+"/"+ref.Channel)
		mu.Unlock()
		got <- struct{}{}
	})
	ctx := context.Background()
	e.edit(ctx, &CardRef{Platform: Slack, Workspace: "T1", Channel: "C1", MessageID: "1"}, &Card{})
	e.edit(ctx, &CardRef{Platform: Slack, Workspace: "T1", Channel: "C2", MessageID: "2"}, &Card{})
	e.edit(ctx, &CardRef{Platform: Slack, Workspace: "T2", Channel: "C3", MessageID: "3"}, &Card{})
	for range 3 {
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatalf("edits did not arrive: %v", ids)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if ids[0] != "T1/C1" || ids[1] != "T2/C3" || ids[2] != "T1/C2" {
		t.Fatalf("order %v: want T2 not held up by T1", ids)
	}
	if gap := at[2].Sub(at[0]); gap < 45*time.Millisecond {
		t.Errorf("two channels of one workspace edited %v apart, want the workspace's 50ms", gap)
	}
}
