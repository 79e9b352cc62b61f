package ytxsim

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

func legPush(id, dsc, state, desc string, d time.Duration) string {
	return fmt.Sprintf(`{"requestid":"%s","dsc":"%s","state":"%s","stateDesc":"%s","timestamp":"%s"}`, id, dsc, state, desc, at(d))
}

func cdrJSON(id, caller, called, callerS, callerE, calledS, calledE string, duration int, amount, desc string) string {
	return fmt.Sprintf(`{"requestid":"%s","appid":"%s","fid":4,"caller":"%s","called":"%s",`+
		`"callerstime":"%s","calleretime":"%s","calledstime":"%s","calledetime":"%s",`+
		`"tapesurl":"NoTapes","duration":%d,"oriamount":%s,"customParm":"call-1","stateDesc":"%s"}`,
		id, testApp, caller, called, callerS, callerE, calledS, calledE, duration, amount, desc)
}

func TestDialBackPushSequence(t *testing.T) {
	e := newEnv(t)
	const src, dst = "13800000001", "13900000002"
	id := e.dialBack(t, src, dst, "120")
	s := time.Second
	e.clock.Advance(time.Hour)
	e.sim.Tick(t.Context())
	record := cdrJSON(id, src, dst, at(3*s), at(96*s), at(6*s), at(96*s), 90, "0.20", "应答|正常")
	want := []string{
		legPush(id, src, "callout", "呼叫中", 0),
		legPush(id, src, "alerting", "振铃", 1*s),
		legPush(id, src, "answer", "应答", 3*s),
		legPush(id, dst, "callout", "呼叫中", 3*s),
		legPush(id, dst, "alerting", "振铃", 4*s),
		legPush(id, dst, "answer", "应答", 6*s),
		legPush(id, src, "disconnect", "挂机", 96*s),
		legPush(id, dst, "disconnect", "挂机", 96*s),
		`{"cdr":[` + record + `]}`,
	}
	equalLines(t, "pushes", e.pushes.all(), want)
	var got []string
	for _, b := range e.sim.Pushes() {
		got = append(got, string(b))
	}
	equalLines(t, "Pushes()", got, want)

	cs, ok := e.sim.Call(id)
	if !ok || cs.State != StateEnded || string(cs.Record) != record || !cs.Bridged.Equal(t0.Add(6*s)) {
		t.Errorf("Call = %+v", cs)
	}
	if cs.Src.State != StateLeft || cs.Dst.State != StateLeft || cs.Src.Reason != "call ended" {
		t.Errorf("legs: %+v %+v", cs.Src, cs.Dst)
	}
}

// TestDialBackLegStates checks the legs while the call progresses.
func TestDialBackLegStates(t *testing.T) {
	e := newEnv(t)
	id := e.dialBack(t, "13800000001", "13900000002", 120)
	s := time.Second
	for _, st := range []struct {
		at       time.Duration
		src, dst string
		state    string
	}{
		{0, StateCalling, StateIdle, StateActive},
		{1 * s, StateRinging, StateIdle, StateActive},
		{3 * s, StateJoined, StateCalling, StateActive},
		{4 * s, StateJoined, StateRinging, StateActive},
		{6 * s, StateJoined, StateJoined, StateActive},
		{95 * s, StateJoined, StateJoined, StateActive},
		{96 * s, StateLeft, StateLeft, StateEnded},
	} {
		e.clock.Set(t0.Add(st.at))
		cs, _ := e.sim.Call(id)
		if cs.Src.State != st.src || cs.Dst.State != st.dst || cs.State != st.state {
			t.Errorf("at %v: src %s dst %s call %s, want %s %s %s", st.at, cs.Src.State, cs.Dst.State, cs.State, st.src, st.dst, st.state)
		}
	}
	if _, ok := e.sim.Call("nope"); ok {
		t.Error("Call(unknown) found one")
	}
}

func TestDialBackSrcNoAnswer(t *testing.T) {
	e := newEnv(t)
	const src, dst = "13800000009", "13900000002"
	id := e.dialBack(t, src, dst, 120)
	e.clock.Advance(time.Hour)
	e.sim.Tick(t.Context())
	want := []string{
		legPush(id, src, "callout", "呼叫中", 0),
		legPush(id, src, "alerting", "振铃", time.Second),
		legPush(id, src, "disconnect", "无应答", 21*time.Second),
		`{"cdr":[` + cdrJSON(id, src, dst, "", "", "", "", 0, "0.00", "未应答|主叫无应答") + `]}`,
	}
	equalLines(t, "pushes", e.pushes.all(), want)
	cs, _ := e.sim.Call(id)
	if cs.Src.State != StateNoAnswer || cs.Dst.State != StateIdle || !cs.End.Equal(t0.Add(21*time.Second)) {
		t.Errorf("call: %+v", cs)
	}
}

func TestDialBackDstBusy(t *testing.T) {
	e := newEnv(t)
	const src, dst = "13800000001", "13900000008"
	id := e.dialBack(t, src, dst, 120)
	e.clock.Advance(time.Hour)
	e.sim.Tick(t.Context())
	s := time.Second
	want := []string{
		legPush(id, src, "callout", "呼叫中", 0),
		legPush(id, src, "alerting", "振铃", 1*s),
		legPush(id, src, "answer", "应答", 3*s),
		legPush(id, dst, "callout", "呼叫中", 3*s),
		legPush(id, dst, "disconnect", "用户忙", 6*s),
		legPush(id, src, "disconnect", "挂机", 6*s),
		`{"cdr":[` + cdrJSON(id, src, dst, at(3*s), at(6*s), "", "", 0, "0.00", "未应答|被叫忙") + `]}`,
	}
	equalLines(t, "pushes", e.pushes.all(), want)
}

func TestDialBackHangsUpByItself(t *testing.T) {
	s := time.Second
	t.Run("src leaves while dst rings", func(t *testing.T) {
		e := newEnvConfig(t, Config{Timeline: Timeline{Ring: s, Answer: 2 * s, NoAnswer: 20 * s, Busy: 3 * s, Leave: 2 * s, Talk: 90 * s}})
		id := e.dialBack(t, "13800000007", "13900000009", 120)
		e.clock.Advance(time.Hour)
		cs, _ := e.sim.Call(id)
		if cs.Src.State != StateLeft || cs.Dst.State != StateFailed || !cs.End.Equal(t0.Add(5*s)) || !cs.Bridged.IsZero() {
			t.Errorf("call: %+v", cs)
		}
		var rec cdrRecord
		if err := json.Unmarshal(cs.Record, &rec); err != nil || rec.StateDesc != "未应答|主叫挂机" || rec.Duration != 0 {
			t.Errorf("record %s", cs.Record)
		}
	})
	t.Run("dst leaves while talking", func(t *testing.T) {
		e := newEnv(t)
		id := e.dialBack(t, "13800000001", "13900000007", 120)
		e.clock.Advance(time.Hour)
		cs, _ := e.sim.Call(id)
		// dst answers at 6s and leaves 5s later.
		if cs.Src.State != StateLeft || cs.Src.Reason != "peer hung up" || cs.Dst.Reason != "hung up" || !cs.End.Equal(t0.Add(11*s)) {
			t.Errorf("call: %+v", cs)
		}
		var rec cdrRecord
		if err := json.Unmarshal(cs.Record, &rec); err != nil || rec.Duration != 5 || rec.OriAmount != "0.10" || rec.StateDesc != "应答|正常" {
			t.Errorf("record %s", cs.Record)
		}
	})
}

// TestDialBackCreditCapsTalk: credit 61 s ends a call before Talk (90 s).
func TestDialBackCreditCapsTalk(t *testing.T) {
	e := newEnv(t)
	id := e.dialBack(t, "13800000001", "13900000002", 61)
	e.clock.Set(t0.Add(6*time.Second + 60*time.Second))
	if cs, _ := e.sim.Call(id); cs.State != StateActive {
		t.Fatalf("at 66s: %s", cs.State)
	}
	e.clock.Advance(time.Second)
	cs, _ := e.sim.Call(id)
	if cs.State != StateEnded || cs.Src.Reason != "credit exhausted" {
		t.Fatalf("at 67s: %+v", cs)
	}
	var rec cdrRecord
	if err := json.Unmarshal(cs.Record, &rec); err != nil || rec.Duration != 61 || rec.OriAmount != "0.20" {
		t.Errorf("record %s", cs.Record)
	}
}

func TestCallRecordQuery(t *testing.T) {
	e := newEnv(t)
	id := e.dialBack(t, "13800000001", "13900000002", 120)
	recordQuery := func(last string, limit any) answer {
		t.Helper()
		p := e.validParts(ytx.ActionCallRecord, map[string]any{"fid": "4", "lastresid": last, "limit": limit})
		if p.path != "/201512/sid/"+testSID+"/call/CallCdr.wx" {
			t.Fatalf("path %s", p.path)
		}
		return e.call(t, ytx.ActionCallRecord, map[string]any{"fid": "4", "lastresid": last, "limit": limit})
	}
	if a := recordQuery(id, "0"); a.raw != `{"cdr":[]}` {
		t.Errorf("while running: %s", a.raw)
	}
	e.clock.Advance(time.Hour)
	cs, _ := e.sim.Call(id)
	if a := recordQuery(id, "0"); a.raw != `{"cdr":[`+string(cs.Record)+`]}` {
		t.Errorf("after the end: %s", a.raw)
	}
	if a := recordQuery("20260302090000000000000000999", 0); a.raw != `{"cdr":[]}` {
		t.Errorf("unknown id: %s", a.raw)
	}
	if a := e.call(t, ytx.ActionCallRecord, map[string]any{"fid": "1", "lastresid": id}); a.raw != `{"cdr":[]}` {
		t.Errorf("other fid: %s", a.raw)
	}
	// limit N pages through the calls placed after lastresid.
	id2 := e.dialBack(t, "13800000001", "13900000003", 120)
	id3 := e.dialBack(t, "13800000001", "13900000004", 120)
	e.clock.Advance(time.Hour)
	a := recordQuery(id, "1")
	var page cdrPush
	if err := json.Unmarshal([]byte(a.raw), &page); err != nil || len(page.CDR) != 1 || page.CDR[0].RequestID != id2 {
		t.Errorf("page after %s: %s", id, a.raw)
	}
	a = recordQuery(id, 5)
	if err := json.Unmarshal([]byte(a.raw), &page); err != nil || len(page.CDR) != 2 || page.CDR[1].RequestID != id3 {
		t.Errorf("page of 5: %s", a.raw)
	}
	if n := e.sim.Count(ytx.ActionCallRecord); n != 6 {
		t.Errorf("Count = %d", n)
	}
}
