package bot_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
	"github.com/ytxbot/ytxbot/bot/memstore"
)

// benchBot is a Bot over a memstore with 10,000 mapped users and an
// in-process telephony, so a benchmark measures the core alone: parse,
// authorize, look up, write the records.
func benchBot(b *testing.B) *bot.Bot {
	st := memstore.New()
	ctx := context.Background()
	for i := range 10000 {
		name := "u" + strconv.Itoa(i)
		st.PutUser(ctx, &bot.User{Identity: "console:" + name, Name: name, Phone: "13" + strconv.Itoa(100000000+i)})
	}
	bt, err := bot.New(bot.Config{Policy: bot.Policy{AllowRawNumbers: true}}, st, &bottest.Telephony{},
		bot.WithClock(func() time.Time { return bottest.Start }), bot.WithNotifier(bot.Console, bottest.NewNotifier()))
	if err != nil {
		b.Fatal(err)
	}
	return bt
}

func benchCommand(b *testing.B, text string) {
	bt := benchBot(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		rep := bt.Handle(ctx, &bot.Request{ID: strconv.Itoa(i), Platform: bot.Console, Channel: "c", UserID: "u1", Text: text})
		if rep.Card == nil {
			b.Fatalf("no card: %s", rep.Text)
		}
	}
}

// BenchmarkHandleDialBack: one /call dialback through the whole core.
func BenchmarkHandleDialBack(b *testing.B) { benchCommand(b, "/call dialback @u2 --max 10m") }

// BenchmarkHandleMeetCreate: one /meet create with three parties.
func BenchmarkHandleMeetCreate(b *testing.B) {
	benchCommand(b, "/meet create standup @u2 @u3 @u4")
}

// BenchmarkHandleRefusal: a command refused by policy (unmapped party).
func BenchmarkHandleRefusal(b *testing.B) {
	bt := benchBot(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		rep := bt.Handle(ctx, &bot.Request{Platform: bot.Console, Channel: "c", UserID: "u1", Text: "/call dialback @nobody"})
		if rep.Card != nil {
			b.Fatal("refusal rang")
		}
	}
}
