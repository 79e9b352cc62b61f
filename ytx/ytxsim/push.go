package ytxsim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// Delivery is one attempt to deliver a push.
type Delivery struct {
	Body []byte
	At   time.Time // Clock.Now() when attempted
	Err  error     // nil when delivered; never contains the callback URL
}

// statePush is a dial-back leg's call-state push (ytx-protocol §5).
type statePush struct {
	RequestID string `json:"requestid"`
	Dsc       string `json:"dsc"`
	State     string `json:"state"`
	StateDesc string `json:"stateDesc"`
	Timestamp string `json:"timestamp"`
}

// cdrPush carries call records, as a push and as the call-record query's
// answer (ytx-protocol §5, §6).
type cdrPush struct {
	CDR []cdrRecord `json:"cdr"`
}

// partyPush is the project's assumed meeting push for one party's state change.
type partyPush struct {
	ConfID     string `json:"confid"`
	CustomParm string `json:"CustomParm"`
	Phone      string `json:"phone"`
	State      string `json:"state"`
	StateDesc  string `json:"stateDesc"`
	Timestamp  string `json:"timestamp"`
}

// meetingEndPush is the project's assumed meeting push for the end of a meeting.
type meetingEndPush struct {
	ConfID     string `json:"confid"`
	CustomParm string `json:"CustomParm"`
	State      string `json:"state"`
	Timestamp  string `json:"timestamp"`
}

// Push states and their descriptions.
const (
	pushCallout    = "callout"
	pushAlerting   = "alerting"
	pushAnswer     = "answer"
	pushDisconnect = "disconnect"
	pushEnd        = "end"

	descCallout  = "呼叫中"
	descAlerting = "振铃"
	descAnswer   = "应答"
	descHangup   = "挂机"
	descNoAnswer = "无应答"
	descBusy     = "用户忙"
)

// queuePush queues v for the next Tick. Callers hold s.mu.
func (s *Sim) queuePush(v any) {
	if s.pushOn {
		s.outbox = append(s.outbox, marshal(v))
	}
}

// deliver makes one attempt and records it. Failures are not retried: a
// lost push is what the client must survive.
func (s *Sim) deliver(ctx context.Context, body []byte) {
	var err error
	if s.pushFunc != nil {
		err = s.pushFunc(ctx, body)
	} else {
		err = s.post(ctx, body)
	}
	if err != nil {
		s.log.Warn("ytxsim: push not delivered", "err", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliveries = append(s.deliveries, Delivery{Body: body, At: s.clock.Now(), Err: err})
}

// maxCallbackBody bounds what is read of the callback's answer.
const maxCallbackBody = 64 << 10

func (s *Sim) post(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.CallbackURL, bytes.NewReader(body))
	if err != nil {
		return errors.New("ytxsim: push: bad callback URL")
	}
	req.Header.Set("Content-Type", "application/json;charset=utf-8")
	resp, err := s.httpClient.Do(req)
	if err != nil {
		// *url.Error quotes the URL, which may hold the callback secret.
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("ytxsim: push: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxCallbackBody))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("ytxsim: push: callback answered HTTP %d", resp.StatusCode)
	}
	return nil
}

// stamp formats a push or record time: Beijing, yyyy-MM-dd HH:mm:ss; "" for
// the zero time (a leg never answered).
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(ytx.Beijing).Format(ytx.TimeLayout)
}
