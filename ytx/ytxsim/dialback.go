package ytxsim

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

type call struct {
	id, appid  string
	src, dst   *leg
	credit     int64 // seconds
	customParm string
	state      string // StateActive, StateEnded
	start      time.Time
	bridged    time.Time // both legs answered; zero if never
	end        time.Time
	desc       string     // the record's stateDesc
	record     *cdrRecord // set when the call ends
}

type leg struct {
	phone    string
	state    string
	answerAt time.Time
	endAt    time.Time
	reason   string
}

// cdrRecord is a call record (ytx-protocol §5). fid, duration and oriamount
// are JSON numbers.
type cdrRecord struct {
	RequestID   string      `json:"requestid"`
	AppID       string      `json:"appid"`
	FID         int         `json:"fid"`
	Caller      string      `json:"caller"`
	Called      string      `json:"called"`
	CallerSTime string      `json:"callerstime"`
	CallerETime string      `json:"calleretime"`
	CalledSTime string      `json:"calledstime"`
	CalledETime string      `json:"calledetime"`
	TapesURL    string      `json:"tapesurl"`
	Duration    int64       `json:"duration"`
	OriAmount   json.Number `json:"oriamount"`
	CustomParm  string      `json:"customParm"`
	StateDesc   string      `json:"stateDesc"`
}

// fidDialBack is the record type of a dial-back call.
const fidDialBack = 4

// The record's stateDesc, "result|detail". Only "应答|正常" is attested;
// the others are the project's assumption.
const (
	cdrNormal      = "应答|正常"
	cdrSrcNoAnswer = "未应答|主叫无应答"
	cdrSrcBusy     = "未应答|主叫忙"
	cdrSrcHungUp   = "未应答|主叫挂机"
	cdrDstNoAnswer = "未应答|被叫无应答"
	cdrDstBusy     = "未应答|被叫忙"
)

const (
	minCredit      = 61 // seconds: credit "must be > 60"
	centsPerMinute = 10 // oriamount: 0.10 per started minute of talk
	noTapes        = "NoTapes"
)

// dialBack rings src, then dst once src answers, and bridges them for
// min(Timeline.Talk, credit).
func (s *Sim) dialBack(f fields, now time.Time) reply {
	credit, ok := f.integer("credit")
	if !ok || credit < minCredit {
		return errReply(ytx.CodeInvalidParam)
	}
	src, _, ok := f.str("src")
	if !ok || !validPhone(src, false) {
		return errReply(ytx.CodeInvalidPhone)
	}
	dst, _, ok := f.str("dst")
	if !ok || !validPhone(dst, false) {
		return errReply(ytx.CodeInvalidPhone)
	}
	custom, _, _ := f.str("customParm")
	c := &call{
		id:         s.newRequestID(now),
		appid:      s.cfg.AppID,
		src:        &leg{phone: src, state: StateIdle},
		dst:        &leg{phone: dst, state: StateIdle},
		credit:     credit,
		customParm: custom,
		state:      StateActive,
		start:      now,
	}
	s.calls[c.id] = c
	s.callList = append(s.callList, c)
	s.dialLeg(c, c.src, now, func(t time.Time) {
		s.dialLeg(c, c.dst, t, func(t time.Time) { s.bridge(c, t) })
	})
	return okReply(msgSubmitted, c.id)
}

// dialLeg calls one leg from at, following the last-digit rule, and runs
// answered when it answers.
func (s *Sim) dialLeg(c *call, l *leg, at time.Time, answered func(time.Time)) {
	l.state = StateCalling
	s.legPush(c, l, pushCallout, descCallout, at)
	still := func(want string) bool { return c.state == StateActive && l.state == want }
	out := outcomeOf(l.phone)
	if out == busy {
		s.schedule(at.Add(s.tl.Busy), func(t time.Time) {
			if still(StateCalling) {
				s.legFails(c, l, t, StateBusy, descBusy)
			}
		})
		return
	}
	s.schedule(at.Add(s.tl.Ring), func(t time.Time) {
		if !still(StateCalling) {
			return
		}
		l.state = StateRinging
		s.legPush(c, l, pushAlerting, descAlerting, t)
		if out == noAnswer {
			s.schedule(t.Add(s.tl.NoAnswer), func(t time.Time) {
				if still(StateRinging) {
					s.legFails(c, l, t, StateNoAnswer, descNoAnswer)
				}
			})
			return
		}
		s.schedule(t.Add(s.tl.Answer), func(t time.Time) {
			if !still(StateRinging) {
				return
			}
			l.state, l.answerAt = StateJoined, t
			s.legPush(c, l, pushAnswer, descAnswer, t)
			if out == leaves {
				s.schedule(t.Add(s.tl.Leave), func(t time.Time) {
					if still(StateJoined) {
						s.legHangsUp(c, l, t)
					}
				})
			}
			answered(t)
		})
	})
}

// legFails ends the call after a leg did not answer or was busy: src's
// failure never rings dst; dst's failure hangs up src.
func (s *Sim) legFails(c *call, l *leg, t time.Time, state, desc string) {
	reason := reasonNoAnswer
	if state == StateBusy {
		reason = reasonBusy
	}
	s.stopLeg(c, l, t, state, reason, desc)
	if l == c.src {
		c.desc = cdrSrcNoAnswer
		if state == StateBusy {
			c.desc = cdrSrcBusy
		}
	} else {
		s.stopLeg(c, c.src, t, StateLeft, reasonDstFailed, descHangup)
		c.desc = cdrDstNoAnswer
		if state == StateBusy {
			c.desc = cdrDstBusy
		}
	}
	s.finishCall(c, t)
}

// legHangsUp ends the call because l hung up by itself.
func (s *Sim) legHangsUp(c *call, l *leg, t time.Time) {
	s.stopLeg(c, l, t, StateLeft, reasonHungUp, descHangup)
	peer := c.dst
	if l == c.dst {
		peer = c.src
	}
	switch peer.state {
	case StateJoined:
		s.stopLeg(c, peer, t, StateLeft, reasonPeerHungUp, descHangup)
	case StateCalling, StateRinging:
		s.stopLeg(c, peer, t, StateFailed, reasonSrcHungUp, descHangup)
	}
	c.desc = cdrSrcHungUp
	if !c.bridged.IsZero() {
		c.desc = cdrNormal
	}
	s.finishCall(c, t)
}

// bridge starts the talk; it ends after min(Talk, credit) unless a leg
// hangs up first.
func (s *Sim) bridge(c *call, at time.Time) {
	c.bridged = at
	talk, reason := s.tl.Talk, reasonTalkEnded
	if limit := time.Duration(c.credit) * time.Second; limit < talk {
		talk, reason = limit, reasonCredit
	}
	s.schedule(at.Add(talk), func(t time.Time) {
		if c.state != StateActive {
			return
		}
		s.stopLeg(c, c.src, t, StateLeft, reason, descHangup)
		s.stopLeg(c, c.dst, t, StateLeft, reason, descHangup)
		c.desc = cdrNormal
		s.finishCall(c, t)
	})
}

func (s *Sim) stopLeg(c *call, l *leg, t time.Time, state, reason, desc string) {
	l.state, l.reason, l.endAt = state, reason, t
	s.legPush(c, l, pushDisconnect, desc, t)
}

func (s *Sim) legPush(c *call, l *leg, state, desc string, t time.Time) {
	s.queuePush(statePush{RequestID: c.id, Dsc: l.phone, State: state, StateDesc: desc, Timestamp: stamp(t)})
}

// finishCall ends c and pushes its record, which the call-record query
// answers from then on.
func (s *Sim) finishCall(c *call, t time.Time) {
	c.state, c.end = StateEnded, t
	var secs int64
	if !c.bridged.IsZero() {
		secs = int64(t.Sub(c.bridged) / time.Second)
	}
	minutes := (secs + 59) / 60
	cents := minutes * centsPerMinute
	c.record = &cdrRecord{
		RequestID:   c.id,
		AppID:       c.appid,
		FID:         fidDialBack,
		Caller:      c.src.phone,
		Called:      c.dst.phone,
		CallerSTime: stamp(c.src.answerAt),
		CallerETime: legEnd(c.src),
		CalledSTime: stamp(c.dst.answerAt),
		CalledETime: legEnd(c.dst),
		TapesURL:    noTapes,
		Duration:    secs,
		OriAmount:   json.Number(fmt.Sprintf("%d.%02d", cents/100, cents%100)),
		CustomParm:  c.customParm,
		StateDesc:   c.desc,
	}
	s.queuePush(cdrPush{CDR: []cdrRecord{*c.record}})
}

// legEnd is a leg's end time in a record: "" for a leg never answered.
func legEnd(l *leg) string {
	if l.answerAt.IsZero() {
		return ""
	}
	return stamp(l.endAt)
}

// callRecord answers getCdrByResId without an envelope (ytx-protocol §6):
// limit "0" gives exactly the record of lastresid, limit N up to N records
// of the calls placed after it; calls still running have no record yet.
func (s *Sim) callRecord(f fields) reply {
	last, _, _ := f.str("lastresid")
	var limit int64 // "0" unless sent
	if _, sent, _ := f.str("limit"); sent {
		n, ok := f.integer("limit")
		if !ok || n < 0 {
			return errReply(ytx.CodeInvalidParam)
		}
		limit = n
	}
	out := cdrPush{CDR: []cdrRecord{}}
	if fid, sent, _ := f.str("fid"); sent && fid != fmt.Sprint(fidDialBack) {
		// The simulator places no other kind of call.
		return reply{ytx.CodeOK, out}
	}
	if limit == 0 {
		if c := s.calls[last]; c != nil && c.record != nil {
			out.CDR = append(out.CDR, *c.record)
		}
		return reply{ytx.CodeOK, out}
	}
	after := -1
	for i, c := range s.callList {
		if c.id == last {
			after = i
			break
		}
	}
	if after < 0 {
		return reply{ytx.CodeOK, out}
	}
	for _, c := range s.callList[after+1:] {
		if int64(len(out.CDR)) == limit {
			break
		}
		if c.record != nil {
			out.CDR = append(out.CDR, *c.record)
		}
	}
	return reply{ytx.CodeOK, out}
}
