package ytxsim

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

var requestIDRE = regexp.MustCompile(`^[0-9]{29}$`)

func TestCreateMeetingEnvelope(t *testing.T) {
	e := newEnv(t)
	a := e.ok(t, ytx.ActionCreateMeeting, meetingBody("13800000001", "13800000002"))
	var info map[string]string
	if err := json.Unmarshal(a.StatusMsg, &info); err != nil {
		t.Fatalf("statusMsg is not an object: %s", a.raw)
	}
	if info["meid"] != "100001" || info["meetcallerid"] != DefaultCallerID || !regexp.MustCompile(`^[0-9]{6}$`).MatchString(info["mepwd"]) {
		t.Errorf("statusMsg = %v", info)
	}
	if a.RequestID == nil || !requestIDRE.MatchString(*a.RequestID) {
		t.Errorf("requestId = %v, want 29 digits", a.RequestID)
	}
	if id := e.createMeeting(t, "13800000003"); id != "100002" {
		t.Errorf("second meid = %s", id)
	}

	e2 := newEnvConfig(t, Config{CallerID: "02088886666"})
	a = e2.ok(t, ytx.ActionCreateMeeting, meetingBody("13800000001"))
	if err := json.Unmarshal(a.StatusMsg, &info); err != nil || info["meetcallerid"] != "02088886666" {
		t.Errorf("meetcallerid with Config.CallerID: %s", a.raw)
	}
}

func TestActionEnvelopes(t *testing.T) {
	e := newEnv(t)
	id := e.createMeeting(t, "13800000001", "13800000002")
	e.clock.Advance(10 * time.Second)
	for _, step := range []struct {
		action string
		body   map[string]any
	}{
		{ytx.ActionInvite, map[string]any{"confid": id, "parties": partiesOf("13800000003")}},
		{ytx.ActionHangup, map[string]any{"confid": id, "phone": "13800000002"}},
		{ytx.ActionDestroy, map[string]any{"confid": id}},
		{ytx.ActionDialBack, dialBackBody("13800000001", "13800000002", "120")},
	} {
		a := e.ok(t, step.action, step.body)
		if string(a.StatusMsg) != `"提交成功"` || a.RequestID == nil || !requestIDRE.MatchString(*a.RequestID) {
			t.Errorf("%s: %s", step.action, a.raw)
		}
	}
	a := e.ok(t, ytx.ActionQueryMeeting, map[string]any{"confid": id, "meetingcount": "1"})
	if string(a.StatusMsg) != `"提交成功"` || a.Data == nil {
		t.Errorf("queryMeeting: %s", a.raw)
	}
	for _, action := range []string{ytx.ActionCreateMeeting, ytx.ActionInvite, ytx.ActionHangup, ytx.ActionDestroy, ytx.ActionDialBack, ytx.ActionQueryMeeting} {
		if n := e.sim.Count(action); n != 1 {
			t.Errorf("Count(%s) = %d, want 1", action, n)
		}
	}
}

type partyWant struct {
	phone, state, join, leave, reason string
}

func checkParties(t *testing.T, when string, d meetingData, want []partyWant) {
	t.Helper()
	if len(d.Parties) != len(want) {
		t.Fatalf("%s: %d parties, want %d", when, len(d.Parties), len(want))
	}
	for i, w := range want {
		p := d.Parties[i]
		got := partyWant{p.Phone, p.State, p.JoinTime, p.LeaveTime, p.Reason}
		if got != w {
			t.Errorf("%s: party %d = %+v, want %+v", when, i, got, w)
		}
	}
}

// TestMeetingLastDigitRule follows one party of each kind through the
// timeline: 1 answers, 9 does not, 8 is busy, 7 leaves by itself.
func TestMeetingLastDigitRule(t *testing.T) {
	e := newEnv(t)
	const a, b, c, d = "13800000001", "13800000009", "13800000008", "13800000007"
	id := e.createMeeting(t, a, b, c, d)
	s := time.Second
	steps := []struct {
		at   time.Duration
		want []partyWant
	}{
		{0, []partyWant{{a, "calling", "", "", ""}, {b, "calling", "", "", ""}, {c, "calling", "", "", ""}, {d, "calling", "", "", ""}}},
		{1 * s, []partyWant{{a, "ringing", "", "", ""}, {b, "ringing", "", "", ""}, {c, "calling", "", "", ""}, {d, "ringing", "", "", ""}}},
		{3 * s, []partyWant{{a, "joined", at(3 * s), "", ""}, {b, "ringing", "", "", ""}, {c, "busy", "", at(3 * s), "busy"}, {d, "joined", at(3 * s), "", ""}}},
		{8 * s, []partyWant{{a, "joined", at(3 * s), "", ""}, {b, "ringing", "", "", ""}, {c, "busy", "", at(3 * s), "busy"}, {d, "left", at(3 * s), at(8 * s), "party hung up"}}},
		{21 * s, []partyWant{{a, "joined", at(3 * s), "", ""}, {b, "noanswer", "", at(21 * s), "no answer"}, {c, "busy", "", at(3 * s), "busy"}, {d, "left", at(3 * s), at(8 * s), "party hung up"}}},
		{time.Hour, []partyWant{{a, "joined", at(3 * s), "", ""}, {b, "noanswer", "", at(21 * s), "no answer"}, {c, "busy", "", at(3 * s), "busy"}, {d, "left", at(3 * s), at(8 * s), "party hung up"}}},
	}
	for _, st := range steps {
		e.clock.Set(t0.Add(st.at))
		md := e.query(t, id)
		if md.State != StateActive || md.StartTime != at(0) || md.EndTime != "" {
			t.Errorf("at %v: meeting %+v", st.at, md)
		}
		checkParties(t, "at "+st.at.String(), md, st.want)
	}
	e.ok(t, ytx.ActionHangup, map[string]any{"confid": id, "phone": a})
	md := e.query(t, id)
	if md.State != StateEnded || md.EndTime != at(time.Hour) {
		t.Errorf("after the last party hung up: %+v", md)
	}
	if md.Parties[0].State != StateLeft || md.Parties[0].Reason != "hung up" {
		t.Errorf("hung-up party: %+v", md.Parties[0])
	}
	ms, ok := e.sim.Meeting(id)
	if !ok || ms.State != StateEnded || ms.Parties[3].State != StateLeft || !ms.Parties[3].LeaveTime.Equal(t0.Add(8*s)) {
		t.Errorf("Meeting(%s) = %+v", id, ms)
	}
}

// TestMeetingEndsWhenNobodyIsLeft: a meeting whose parties all fail ends
// by itself.
func TestMeetingEndsWhenNobodyIsLeft(t *testing.T) {
	e := newEnv(t)
	id := e.createMeeting(t, "13800000008", "13800000007")
	e.clock.Advance(7 * time.Second)
	if ms, _ := e.sim.Meeting(id); ms.State != StateActive {
		t.Fatalf("at 7s: %s", ms.State)
	}
	e.clock.Advance(time.Second)
	ms, _ := e.sim.Meeting(id)
	if ms.State != StateEnded || !ms.EndTime.Equal(t0.Add(8*time.Second)) {
		t.Fatalf("at 8s: %+v", ms)
	}
	if a := e.call(t, ytx.ActionInvite, map[string]any{"confid": id, "parties": partiesOf("13800000003")}); a.StatusCode != ytx.CodeInvalidParam {
		t.Errorf("invite to an ended meeting: %s", a.raw)
	}
}

func TestInvite(t *testing.T) {
	e := newEnv(t)
	id := e.createMeeting(t, "13800000001", "13800000007")
	e.clock.Advance(10 * time.Second) // 7 has left at 8s
	if a := e.call(t, ytx.ActionInvite, map[string]any{"confid": id, "parties": partiesOf("13800000001")}); a.StatusCode != ytx.CodeInvalidParam {
		t.Errorf("invite of a joined party: %s", a.raw)
	}
	e.ok(t, ytx.ActionInvite, map[string]any{"confid": id, "parties": partiesOf("13800000007", "01053889900,1234"), "CustomParm": "inv-2"})
	ms, _ := e.sim.Meeting(id)
	if len(ms.Parties) != 3 {
		t.Fatalf("parties: %+v", ms.Parties)
	}
	for _, p := range ms.Parties[1:] {
		if p.State != StateCalling || p.CustomParm != "inv-2" || !p.LeaveTime.IsZero() || p.Reason != "" {
			t.Errorf("invited party %+v", p)
		}
	}
	if a := e.call(t, ytx.ActionInvite, map[string]any{"confid": id, "parties": partiesOf("13800000007")}); a.StatusCode != ytx.CodeInvalidParam {
		t.Errorf("invite of a party being dialed: %s", a.raw)
	}
	e.clock.Advance(3 * time.Second)
	ms, _ = e.sim.Meeting(id)
	if ms.Parties[1].State != StateJoined || !ms.Parties[1].JoinTime.Equal(t0.Add(13*time.Second)) {
		t.Errorf("re-invited party: %+v", ms.Parties[1])
	}
	// The old attempt's Leave event (due at 8s) must not touch the new one;
	// the new one leaves 5s after its own answer.
	e.clock.Advance(4 * time.Second)
	if ms, _ = e.sim.Meeting(id); ms.Parties[1].State != StateJoined {
		t.Errorf("at 17s: %+v", ms.Parties[1])
	}
	e.clock.Advance(time.Second)
	if ms, _ = e.sim.Meeting(id); ms.Parties[1].State != StateLeft {
		t.Errorf("at 18s: %+v", ms.Parties[1])
	}
}

func TestHangupAndDestroy(t *testing.T) {
	e := newEnv(t)
	id := e.createMeeting(t, "13800000001", "13800000002", "13800000009")
	e.clock.Advance(5 * time.Second)
	for _, tc := range []struct {
		phone, code string
	}{
		{"13800000005", ytx.CodeInvalidParam}, // not a party
		{"138", ytx.CodeInvalidPhone},
		{"13800000002", ytx.CodeOK},
		{"13800000002", ytx.CodeInvalidParam}, // already left
	} {
		if a := e.call(t, ytx.ActionHangup, map[string]any{"confid": id, "phone": tc.phone}); a.StatusCode != tc.code {
			t.Errorf("hangup %s: %s, want %s", tc.phone, a.raw, tc.code)
		}
	}
	e.ok(t, ytx.ActionDestroy, map[string]any{"confid": id})
	md := e.query(t, id)
	if md.State != StateEnded || md.EndTime != at(5*time.Second) {
		t.Errorf("destroyed meeting: %+v", md)
	}
	checkParties(t, "destroyed", md, []partyWant{
		{"13800000001", "left", at(3 * time.Second), at(5 * time.Second), "meeting destroyed"},
		{"13800000002", "left", at(3 * time.Second), at(5 * time.Second), "hung up"},
		{"13800000009", "left", "", at(5 * time.Second), "meeting destroyed"},
	})
	if a := e.call(t, ytx.ActionDestroy, map[string]any{"confid": id}); a.StatusCode != ytx.CodeInvalidParam {
		t.Errorf("second destroy: %s", a.raw)
	}
	if a := e.call(t, ytx.ActionHangup, map[string]any{"confid": id, "phone": "13800000001"}); a.StatusCode != ytx.CodeInvalidParam {
		t.Errorf("hangup in an ended meeting: %s", a.raw)
	}
	// Events of the parties dialed before the destroy change nothing.
	e.clock.Advance(time.Hour)
	if md2 := e.query(t, id); md2.Parties[2].State != StateLeft {
		t.Errorf("after an hour: %+v", md2.Parties[2])
	}
}

func bookBody(booktime, confid string, phones ...string) map[string]any {
	b := meetingBody(phones...)
	b["bookmeeting"], b["booktime"], b["confid"] = "1", booktime, confid
	return b
}

func TestBookedMeeting(t *testing.T) {
	e := newEnv(t)
	a := e.ok(t, ytx.ActionCreateMeeting, bookBody("2026-03-02 10:00", "", "13800000001", "13800000002"))
	var info meetingInfo
	if err := json.Unmarshal(a.StatusMsg, &info); err != nil {
		t.Fatal(err)
	}
	md := e.query(t, info.MeID)
	if md.State != StateBooked || md.BookTime != "2026-03-02 10:00" || md.StartTime != "" || md.Parties[0].State != StateIdle {
		t.Fatalf("booked: %+v", md)
	}
	if a := e.call(t, ytx.ActionInvite, map[string]any{"confid": info.MeID, "parties": partiesOf("13800000003")}); a.StatusCode != ytx.CodeInvalidParam {
		t.Errorf("invite before the start: %s", a.raw)
	}
	e.clock.Advance(59*time.Minute + 59*time.Second)
	if md = e.query(t, info.MeID); md.State != StateBooked {
		t.Fatalf("a second early: %s", md.State)
	}
	e.clock.Advance(time.Second)
	md = e.query(t, info.MeID)
	if md.State != StateActive || md.StartTime != "2026-03-02 10:00:00" || md.Parties[0].State != StateCalling {
		t.Fatalf("at booktime: %+v", md)
	}
	e.clock.Advance(3 * time.Second)
	if md = e.query(t, info.MeID); md.Parties[1].State != StateJoined || md.Parties[1].JoinTime != "2026-03-02 10:00:03" {
		t.Errorf("after answer: %+v", md.Parties[1])
	}
}

func TestEditAndCancelBooking(t *testing.T) {
	e := newEnv(t)
	a := e.ok(t, ytx.ActionCreateMeeting, bookBody("2026-03-02 10:00", "", "13800000001"))
	var info meetingInfo
	if err := json.Unmarshal(a.StatusMsg, &info); err != nil {
		t.Fatal(err)
	}
	id := info.MeID

	edit := bookBody("2026-03-02 11:30", id, "13800000002", "13800000003")
	edit["meetingname"] = "retro"
	a = e.ok(t, ytx.ActionCreateMeeting, edit)
	var edited meetingInfo
	if err := json.Unmarshal(a.StatusMsg, &edited); err != nil || edited != info {
		t.Errorf("edit answered %s, want the same meeting %+v", a.raw, info)
	}
	if a := e.call(t, ytx.ActionCreateMeeting, bookBody("2026-03-02 08:59", id, "13800000002")); a.StatusCode != ytx.CodeInvalidParam {
		t.Errorf("edit into the past: %s", a.raw)
	}
	if a := e.call(t, ytx.ActionCreateMeeting, bookBody("2026-03-02 9:00", "", "13800000002")); a.StatusCode != ytx.CodeInvalidParam {
		t.Errorf("malformed booktime: %s", a.raw)
	}
	if a := e.call(t, ytx.ActionCreateMeeting, bookBody("2026-03-02 12:00", "100999", "13800000002")); a.StatusCode != ytx.CodeInvalidParam {
		t.Errorf("edit of an unknown meeting: %s", a.raw)
	}

	e.clock.Set(time.Date(2026, 3, 2, 10, 30, 0, 0, ytx.Beijing))
	md := e.query(t, id)
	if md.State != StateBooked || md.MeetingName != "retro" || md.BookTime != "2026-03-02 11:30" || len(md.Parties) != 2 {
		t.Fatalf("after the old booktime: %+v", md)
	}
	e.clock.Set(time.Date(2026, 3, 2, 11, 30, 0, 0, ytx.Beijing))
	if md = e.query(t, id); md.State != StateActive || md.Parties[0].Phone != "13800000002" {
		t.Fatalf("at the new booktime: %+v", md)
	}
	cancel := meetingBody("13800000002", "13800000003")
	cancel["bookmeeting"], cancel["confid"] = "2", id
	if a := e.call(t, ytx.ActionCreateMeeting, cancel); a.StatusCode != ytx.CodeInvalidParam {
		t.Errorf("cancel of a started meeting: %s", a.raw)
	}

	// A second booking, cancelled: it never starts.
	a = e.ok(t, ytx.ActionCreateMeeting, bookBody("2026-03-02 13:00", "", "13800000001"))
	if err := json.Unmarshal(a.StatusMsg, &info); err != nil {
		t.Fatal(err)
	}
	cancel = meetingBody("13800000001")
	cancel["bookmeeting"], cancel["confid"] = "2", info.MeID
	if a = e.ok(t, ytx.ActionCreateMeeting, cancel); string(a.StatusMsg) != `"提交成功"` {
		t.Errorf("cancel answered %s", a.raw)
	}
	e.clock.Set(time.Date(2026, 3, 2, 14, 0, 0, 0, ytx.Beijing))
	if md = e.query(t, info.MeID); md.State != StateCancelled || md.Parties[0].State != StateIdle {
		t.Errorf("cancelled booking after its time: %+v", md)
	}
	if a := e.call(t, ytx.ActionCreateMeeting, cancel); a.StatusCode != ytx.CodeInvalidParam {
		t.Errorf("second cancel: %s", a.raw)
	}
}

func TestQueryMeetingShapes(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 3; i++ {
		e.createMeeting(t, "13800000001")
		e.clock.Advance(time.Minute)
	}
	a := e.ok(t, ytx.ActionQueryMeeting, map[string]any{"confid": "100002", "meetingcount": "1"})
	want := `{"meid":"100002","meetingname":"standup","creator":"13800000001","state":"active",` +
		`"booktime":"","starttime":"2026-03-02 09:01:00","endtime":"",` +
		`"parties":[{"name":"p1","phone":"13800000001","state":"joined","jointime":"2026-03-02 09:01:03","leavetime":"","reason":""}]}`
	if string(a.Data) != want {
		t.Errorf("one meeting:\n got %s\nwant %s", a.Data, want)
	}
	for _, tc := range []struct {
		count any
		want  []string
	}{
		{"2", []string{"100003", "100002"}},
		{10, []string{"100003", "100002", "100001"}},
	} {
		a := e.ok(t, ytx.ActionQueryMeeting, map[string]any{"confid": "", "meetingcount": tc.count})
		var list []meetingData
		if err := json.Unmarshal(a.Data, &list); err != nil {
			t.Fatalf("list: %s", a.raw)
		}
		var got []string
		for _, m := range list {
			got = append(got, m.MeID)
		}
		equalLines(t, "recent meetings", got, tc.want)
	}
	if got := len(e.sim.Meetings()); got != 3 {
		t.Errorf("Meetings() has %d", got)
	}
	if _, ok := e.sim.Meeting("1"); ok {
		t.Error("Meeting(unknown) found one")
	}
}
