package ytx

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParsePushState(t *testing.T) {
	p, err := ParsePush(mustRead(t, "push_state.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := StateEvent{RequestID: "20200428145137113750610411601", Number: "13800000000", State: StateAlerting, Desc: "振铃",
		At: time.Date(2020, 4, 28, 14, 51, 37, 0, Beijing)}
	if p.Kind != PushCallState || p.State == nil || *p.State != want || p.RequestID != want.RequestID {
		t.Errorf("got %+v state %+v", p, p.State)
	}
}

func TestParsePushCDR(t *testing.T) {
	for _, tc := range []struct {
		file     string
		duration time.Duration
		answered bool
		custom   string
	}{
		{"cdr_bare.json", 115 * time.Second, true, "c42"}, // numbers
		{"push_cdr_strings.json", 0, false, "c7"},         // strings, never answered
	} {
		p, err := ParsePush(mustRead(t, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != PushCDR || len(p.Records) != 1 {
			t.Fatalf("%s: got %+v", tc.file, p)
		}
		r := p.Records[0]
		if r.Duration != tc.duration || r.CalledStart.IsZero() == tc.answered || r.RecordingURL != "" || r.FID != "4" || p.CustomParm != tc.custom || p.RequestID != r.RequestID {
			t.Errorf("%s: got %+v", tc.file, r)
		}
	}
}

func TestParsePushMeetingAndUnknown(t *testing.T) {
	p, err := ParsePush(mustRead(t, "push_meeting.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != PushMeeting || p.ConfID != "100001" || p.CustomParm != "m12" || p.Meeting.Phone != "13800000001" || p.Meeting.State != "answer" {
		t.Errorf("meeting push: %+v %+v", p, p.Meeting)
	}
	p, err = ParsePush(mustRead(t, "push_unknown.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != PushUnknown || string(p.Raw) != `{"hello":"world","n":1}` {
		t.Errorf("unknown push: %+v", p)
	}
}

func TestParsePushMalformed(t *testing.T) {
	for _, body := range []string{"", "[]", `"x"`, "12", "null", "{", `{"cdr":`} {
		if _, err := ParsePush([]byte(body)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParsePush(%q) = %v, want ErrMalformed", body, err)
		}
	}
}
