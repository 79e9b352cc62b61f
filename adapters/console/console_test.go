package console

import (
	"context"
	"strings"
	"testing"

	"github.com/ytxbot/ytxbot/bot"
)

// recorder is a Handler that answers each request with a description of it.
type recorder struct{ reqs []*bot.Request }

func (r *recorder) Handle(_ context.Context, req *bot.Request) bot.Reply {
	r.reqs = append(r.reqs, req)
	if req.Action != nil {
		return bot.Reply{Text: "clicked " + req.Action.ID}
	}
	return bot.Reply{Text: req.UserID + " said " + req.Text, Buttons: []bot.Button{{ID: "m:1:end", Label: "End meeting"}}}
}

func TestRunLines(t *testing.T) {
	h := &recorder{}
	var out strings.Builder
	a, err := New(Config{}, h, strings.NewReader("/meet help\n\n# a comment\n/as @alice\n/call bob\r\n!m:1:end\n"), &out)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(h.reqs) != 3 {
		t.Fatalf("%d requests, want 3 (blank and comment lines skipped)", len(h.reqs))
	}
	first, second, click := h.reqs[0], h.reqs[1], h.reqs[2]
	if first.UserID != "me" || first.Platform != bot.Console || first.ID == "" || first.ID == second.ID {
		t.Errorf("first request %+v", first)
	}
	if second.UserID != "alice" || second.Text != "/call bob" {
		t.Errorf("after /as: %+v", second)
	}
	if click.Action == nil || click.Action.ID != "m:1:end" || click.Text != "" {
		t.Errorf("button click: %+v", click)
	}
	for _, want := range []string{"me said /meet help", "(you are now @alice)", "[End meeting] (type !m:1:end)", "clicked m:1:end"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestCardsPrintedOnChangeOnly(t *testing.T) {
	var out strings.Builder
	a, _ := New(Config{}, &recorder{}, strings.NewReader(""), &out)
	ctx := context.Background()
	card := &bot.Card{Ref: "#1", Title: "standup", Status: "in progress"}
	ref, err := a.PostCard(ctx, bot.Destination{Platform: bot.Console, Channel: "console"}, card)
	if err != nil {
		t.Fatal(err)
	}
	a.EditCard(ctx, ref, card)
	if n := strings.Count(out.String(), "┌─ card"); n != 1 {
		t.Errorf("an unchanged card was printed again (%d times)", n)
	}
	card.Status = "ended"
	a.EditCard(ctx, ref, card)
	if n := strings.Count(out.String(), "┌─ card"); n != 2 || !strings.Contains(out.String(), "standup · ended") {
		t.Errorf("edit not printed:\n%s", out.String())
	}
}
