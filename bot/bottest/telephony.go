package bottest

import (
	"context"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/ytx"
)

// Telephony is an in-process bot.Telephony that answers every ringing
// request with success and counts them: for fuzzing and benchmarks of the
// core without HTTP. Functional tests use the simulator (Env) instead.
type Telephony struct {
	Rings atomic.Int64 // ringing requests received (create, book, invite, dial back)
	Reads atomic.Int64
	seq   atomic.Int64
}

var _ bot.Telephony = (*Telephony)(nil)

func (t *Telephony) id() string { return strconv.FormatInt(100000+t.seq.Add(1), 10) }

func (t *Telephony) CreateMeeting(context.Context, *ytx.MeetingParams) (*ytx.Meeting, error) {
	t.Rings.Add(1)
	return &ytx.Meeting{ID: t.id(), Password: "123456", CallerID: "01053189900"}, nil
}

func (t *Telephony) BookMeeting(context.Context, *ytx.MeetingParams, time.Time) (*ytx.Meeting, error) {
	t.Rings.Add(1)
	return &ytx.Meeting{ID: t.id(), Password: "123456", CallerID: "01053189900"}, nil
}

func (t *Telephony) EditBooking(_ context.Context, id string, _ *ytx.MeetingParams, _ time.Time) (*ytx.Meeting, error) {
	return &ytx.Meeting{ID: id}, nil
}

func (t *Telephony) CancelBooking(context.Context, string, *ytx.MeetingParams) error { return nil }

func (t *Telephony) Invite(context.Context, string, []ytx.Party, string) (*ytx.Result, error) {
	t.Rings.Add(1)
	return &ytx.Result{}, nil
}

func (t *Telephony) QueryMeeting(_ context.Context, id string) (*ytx.MeetingInfo, error) {
	t.Reads.Add(1)
	return &ytx.MeetingInfo{ID: id, State: ytx.MeetingActive}, nil
}

func (t *Telephony) ListMeetings(context.Context, int) ([]ytx.MeetingInfo, error) {
	t.Reads.Add(1)
	return nil, nil
}

func (t *Telephony) Hangup(context.Context, string, string) (*ytx.Result, error) {
	return &ytx.Result{}, nil
}

func (t *Telephony) DestroyMeeting(context.Context, string) (*ytx.Result, error) {
	return &ytx.Result{}, nil
}

func (t *Telephony) DialBack(context.Context, *ytx.DialBackParams) (*ytx.Call, error) {
	t.Rings.Add(1)
	return &ytx.Call{RequestID: "2026" + t.id()}, nil
}
