package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
	"github.com/ytxbot/ytxbot/bot/memstore"
)

// FuzzHandle: no command line panics the core, and none reaches YTX unless
// it parses.
func FuzzHandle(f *testing.F) {
	for _, s := range []string{"/meet create standup @alice @bob", "/call dialback @bob --max 10m", "/call 13900000002",
		"/meet invite #1 @carol", "/phone set @bob 13900000002", "/meet create x @alice --at tomorrow 10:00", "/meet end #1",
		"/meet create \"a b\" 13800000001 0105388990,12", "/phone dnd on", "/meet", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		tel := &bottest.Telephony{}
		st := memstore.New()
		ctx := context.Background()
		for _, p := range []struct{ n, ph string }{{"me", "13600000000"}, {"alice", "13800000001"}, {"bob", "13900000002"}} {
			st.PutUser(ctx, &bot.User{Identity: "console:" + p.n, Name: p.n, Phone: p.ph})
		}
		now := func() time.Time { return bottest.Start }
		b, err := bot.New(bot.Config{Admins: []string{"console:me"}, Policy: bot.Policy{AllowRawNumbers: true}}, st, tel, bot.WithClock(now))
		if err != nil {
			t.Fatal(err)
		}
		rep := b.Handle(ctx, &bot.Request{Platform: bot.Console, Channel: "c", UserID: "me", Text: text})
		_, perr := bot.Parse(text, bot.ParseContext{Now: now(), Location: time.FixedZone("CST", 8*3600)})
		if perr != nil && tel.Rings.Load() > 0 {
			t.Fatalf("%q does not parse (%v) but rang YTX", text, perr)
		}
		if strings.Contains(rep.Text, "Something went wrong") {
			t.Fatalf("%q: internal error", text)
		}
	})
}
