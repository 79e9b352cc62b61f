package bot_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
	"github.com/ytxbot/ytxbot/storage"
	"github.com/ytxbot/ytxbot/ytx"
)

// cancelAfter is a telephony that ends the request's context just as YTX's
// answer comes back (a shutdown drain running out, a platform deadline).
type cancelAfter struct {
	*bottest.Telephony
	cancel context.CancelFunc
}

func (c cancelAfter) CreateMeeting(ctx context.Context, p *ytx.MeetingParams) (*ytx.Meeting, error) {
	m, err := c.Telephony.CreateMeeting(ctx, p)
	c.cancel()
	return m, err
}

func (c cancelAfter) DialBack(ctx context.Context, p *ytx.DialBackParams) (*ytx.Call, error) {
	r, err := c.Telephony.DialBack(ctx, p)
	c.cancel()
	return r, err
}

// TestAnswerStoredWhenRequestEnds: what YTX did is stored even when the
// request's context ends while YTX answers (the bbolt store refuses writes
// on a done context): the room's id and the call's requestId, and the
// intents settled.
func TestAnswerStoredWhenRequestEnds(t *testing.T) {
	e := pushEnv(t)
	db, err := storage.Open(filepath.Join(t.TempDir(), "ytxbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	ctx := context.Background()
	for name, phone := range map[string]string{"alice": "13800000001", "bob": "13900000002"} {
		if err := db.PutUser(ctx, &bot.User{Identity: "console:" + name, Name: name, Phone: phone}); err != nil {
			t.Fatal(err)
		}
	}
	for i, text := range []string{"/meet create x @bob", "/call dialback @bob"} {
		rctx, cancel := context.WithCancel(ctx)
		b := rewire(t, e, db, cancelAfter{&bottest.Telephony{}, cancel}, 10*time.Second)
		b.Handle(rctx, &bot.Request{ID: "r" + text, Platform: bot.Console, Channel: "demo", UserID: "alice", UserName: "alice", Text: text})
		var intentID string
		if i == 0 {
			m, err := db.Meeting(ctx, 1)
			if err != nil || m.YTXID == "" || m.State != ytx.MeetingActive {
				t.Fatalf("meeting after a cancelled request: %+v, %v", m, err)
			}
			intentID = m.IntentID
		} else {
			c, err := db.Call(ctx, 1)
			if err != nil || c.RequestID == "" || c.State != bot.CallPlaced {
				t.Fatalf("call after a cancelled request: %+v, %v", c, err)
			}
			intentID = c.IntentID
		}
		if in, err := db.Intent(ctx, intentID); err != nil || in.Outcome != "done" {
			t.Errorf("%s: intent %+v, %v; want done", text, in, err)
		}
	}
}
