package bot_test

import (
	"context"
	"testing"

	"github.com/ytxbot/ytxbot/bot"
)

func TestPlatformHooks(t *testing.T) {
	e := demo(t, bot.Config{})
	ctx := context.Background()
	if err := e.Bot.LearnUsername(ctx, bot.Telegram, "@Alice", "telegram:42"); err != nil {
		t.Fatal(err)
	}
	if id, err := e.Store.Username(ctx, bot.Telegram, "alice"); err != nil || id != "telegram:42" {
		t.Errorf("username: %q %v", id, err)
	}
	e.Bot.LearnUsername(ctx, bot.Telegram, "alice", "telegram:43") // renamed: the latest wins
	if id, _ := e.Store.Username(ctx, bot.Telegram, "alice"); id != "telegram:43" {
		t.Errorf("after rename: %q", id)
	}
	for id, want := range map[string]bool{"console:alice": true, "console:admin": true, "console:nobody": false} {
		if got, err := e.Bot.Known(ctx, id); err != nil || got != want {
			t.Errorf("Known(%s) = %v, %v", id, got, err)
		}
	}
	if first, _ := e.Bot.FirstTime(ctx, "chat:-100"); !first {
		t.Error("FirstTime: not first")
	}
	if again, _ := e.Bot.FirstTime(ctx, "chat:-100"); again {
		t.Error("FirstTime: twice")
	}
	rep := e.Say("alice", "/meet create x @bob")
	if err := e.Bot.MigrateChat(ctx, bot.Console, "demo", "demo2"); err != nil {
		t.Fatal(err)
	}
	m, err := e.Store.Meeting(ctx, 1)
	if err != nil || m.Channel != "demo2" || m.Card.Channel != "demo2" || rep.Card == nil {
		t.Errorf("migrated meeting %+v, %v", m, err)
	}
}

// TestDeleteCommandEvenWhenRefused: a number typed in a group is deleted
// whatever became of the command.
func TestDeleteCommandEvenWhenRefused(t *testing.T) {
	e := demo(t, bot.Config{})
	for _, text := range []string{"/phone set 135 1111 2222", "/call dialback 13900000002"} {
		rep := e.Bot.Handle(context.Background(), &bot.Request{Platform: bot.Console, Channel: "g", ChatType: bot.ChatGroup, UserID: "zoe", Text: text})
		if !rep.DeleteCommand {
			t.Errorf("%s: %+v", text, rep)
		}
	}
	rep := e.Bot.Handle(context.Background(), &bot.Request{Platform: bot.Console, Channel: "g", ChatType: bot.ChatGroup, UserID: "alice", Text: "/meet list"})
	if rep.DeleteCommand {
		t.Error("a command without a number was marked for deletion")
	}
}
