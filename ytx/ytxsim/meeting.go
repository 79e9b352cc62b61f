package ytxsim

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// States of meetings, meeting parties and dial-back legs, as queryMeeting
// and the inspection methods report them.
const (
	StateBooked    = "booked"    // meeting: waiting for its booktime
	StateActive    = "active"    // meeting: dialing or talking; dial-back call: in progress
	StateEnded     = "ended"     // meeting or dial-back call: over
	StateCancelled = "cancelled" // meeting: booking cancelled

	StateIdle     = "idle" // dial-back dst: not dialed (yet)
	StateCalling  = "calling"
	StateRinging  = "ringing"
	StateJoined   = "joined"
	StateLeft     = "left"
	StateNoAnswer = "noanswer"
	StateBusy     = "busy"
	StateFailed   = "failed" // dial-back dst: dialing stopped because src hung up
)

// Reasons recorded when a party or leg stops.
const (
	reasonBusy       = "busy"
	reasonNoAnswer   = "no answer"
	reasonHungUp     = "hung up"           // hangupMeeting
	reasonLeft       = "party hung up"     // a number ending in 7
	reasonDestroyed  = "meeting destroyed" // destroyMeeting
	reasonPeerHungUp = "peer hung up"
	reasonSrcHungUp  = "caller hung up"
	reasonDstFailed  = "called party did not answer"
	reasonTalkEnded  = "call ended"
	reasonCredit     = "credit exhausted"
)

type meeting struct {
	id, pwd       string
	name, creator string
	customParm    string
	state         string
	bookTime      time.Time
	bookGen       int // bumped by each edit so a stale start event is ignored
	start, end    time.Time
	parties       []*party
}

type party struct {
	name, phone     string
	customParm      string // echoed in this party's pushes
	state           string
	attempt         int // bumped by each (re-)invite so stale events are ignored
	joinAt, leaveAt time.Time
	reason          string
}

// connected reports whether the party is being dialed or is in the meeting.
func (p *party) connected() bool {
	return p.state == StateCalling || p.state == StateRinging || p.state == StateJoined
}

func (m *meeting) party(phone string) *party {
	for _, p := range m.parties {
		if p.phone == phone {
			return p
		}
	}
	return nil
}

// outcome is what a simulated phone does, chosen by the last digit of its
// number (see the package documentation).
type outcome int

const (
	answers  outcome = iota // answers and stays
	leaves                  // 7: answers, then hangs up after Timeline.Leave
	noAnswer                // 9: rings until Timeline.NoAnswer
	busy                    // 8: busy after Timeline.Busy
)

func outcomeOf(phone string) outcome {
	if phone == "" {
		return answers
	}
	switch phone[len(phone)-1] {
	case '7':
		return leaves
	case '8':
		return busy
	case '9':
		return noAnswer
	}
	return answers
}

// meetingInfo is createMeeting's statusMsg object.
type meetingInfo struct {
	MeID         string `json:"meid"`
	MePwd        string `json:"mepwd"`
	MeetCallerID string `json:"meetcallerid"`
}

// createMeeting handles bookmeeting 0 (now), 1 (book, or edit with confid)
// and 2 (cancel a booking).
func (s *Sim) createMeeting(f fields, now time.Time) reply {
	mode, _, _ := f.str("bookmeeting")
	if mode != "0" && mode != "1" && mode != "2" {
		return errReply(ytx.CodeInvalidParam)
	}
	name, _, ok := f.str("meetingname")
	if !ok {
		return errReply(ytx.CodeInvalidParam)
	}
	parties, code := decodeParties(f)
	if code != "" {
		return errReply(code)
	}
	creator, _, ok := f.str("creator")
	if !ok || !validPhone(creator, true) {
		return errReply(ytx.CodeInvalidPhone)
	}
	custom, customSent, _ := f.str("CustomParm")
	confid, _, _ := f.str("confid")

	switch mode {
	case "0": // confid is ignored: only bookings are edited
		m := s.newMeeting(name, creator, custom, parties)
		m.state, m.start = StateActive, now
		for _, p := range m.parties {
			s.dial(m, p, now)
		}
		return okReply(s.info(m), s.newRequestID(now))
	case "1":
		bt, err := time.ParseInLocation(ytx.BookTimeLayout, bookTime(f), ytx.Beijing)
		if err != nil || !bt.After(now) {
			return errReply(ytx.CodeInvalidParam)
		}
		var m *meeting
		if confid == "" {
			m = s.newMeeting(name, creator, custom, parties)
		} else {
			m = s.meetings[confid]
			if m == nil || m.state != StateBooked {
				return errReply(ytx.CodeInvalidParam)
			}
			// An edit resends everything; take what was sent.
			m.name, m.creator = name, creator
			if customSent {
				m.customParm = custom
			}
			m.parties = newParties(parties, m.customParm)
		}
		m.state, m.bookTime = StateBooked, bt
		s.book(m)
		return okReply(s.info(m), s.newRequestID(now))
	default: // "2"
		m := s.meetings[confid]
		if m == nil || m.state != StateBooked {
			return errReply(ytx.CodeInvalidParam)
		}
		m.state, m.end = StateCancelled, now
		m.bookGen++
		return okReply(msgSubmitted, s.newRequestID(now))
	}
}

func bookTime(f fields) string {
	v, _, _ := f.str("booktime")
	return v
}

// decodeParties reads and checks a parties field: either encoding (-4 when
// neither), not empty (-101), dialable numbers (-102), no number twice (-101).
func decodeParties(f fields) ([]ytx.Party, string) {
	ps, err := ytx.DecodeParties(f["parties"])
	if err != nil {
		return nil, ytx.CodeBadJSON
	}
	if len(ps) == 0 {
		return nil, ytx.CodeInvalidParam
	}
	for _, p := range ps {
		if !validPhone(p.Phone, true) {
			return nil, ytx.CodeInvalidPhone
		}
	}
	seen := make(map[string]bool, len(ps))
	for _, p := range ps {
		if seen[p.Phone] {
			return nil, ytx.CodeInvalidParam
		}
		seen[p.Phone] = true
	}
	return ps, ""
}

func newParties(ps []ytx.Party, customParm string) []*party {
	out := make([]*party, len(ps))
	for i, p := range ps {
		out[i] = &party{name: p.Name, phone: p.Phone, customParm: customParm, state: StateIdle}
	}
	return out
}

func (s *Sim) newMeeting(name, creator, customParm string, ps []ytx.Party) *meeting {
	id := strconv.Itoa(s.nextMeeting)
	s.nextMeeting++
	m := &meeting{
		id:         id,
		pwd:        password(s.cfg.AccountSID, id),
		name:       name,
		creator:    creator,
		customParm: customParm,
		parties:    newParties(ps, customParm),
	}
	s.meetings[id] = m
	s.meetingList = append(s.meetingList, m)
	return m
}

// password derives a 6-digit room password from the meeting id, so runs
// are reproducible.
func password(sid, id string) string {
	h := fnv.New32a()
	h.Write([]byte(sid + "/" + id))
	return fmt.Sprintf("%06d", h.Sum32()%1000000)
}

func (s *Sim) info(m *meeting) meetingInfo {
	return meetingInfo{MeID: m.id, MePwd: m.pwd, MeetCallerID: s.cfg.CallerID}
}

// book schedules the start of a booked meeting; an earlier schedule of the
// same meeting becomes stale.
func (s *Sim) book(m *meeting) {
	m.bookGen++
	gen := m.bookGen
	s.schedule(m.bookTime, func(t time.Time) {
		if m.state != StateBooked || m.bookGen != gen {
			return
		}
		m.state, m.start = StateActive, t
		for _, p := range m.parties {
			s.dial(m, p, t)
		}
	})
}

// dial calls p into m from at, following the last-digit rule.
func (s *Sim) dial(m *meeting, p *party, at time.Time) {
	p.attempt++
	n := p.attempt
	p.state, p.reason, p.joinAt, p.leaveAt = StateCalling, "", time.Time{}, time.Time{}
	// still reports whether an event still concerns this dialing of p.
	still := func(want string) bool {
		return m.state == StateActive && p.attempt == n && p.state == want
	}
	out := outcomeOf(p.phone)
	if out == busy {
		s.schedule(at.Add(s.tl.Busy), func(t time.Time) {
			if still(StateCalling) {
				s.partyStops(m, p, t, StateBusy, reasonBusy, descBusy)
			}
		})
		return
	}
	s.schedule(at.Add(s.tl.Ring), func(t time.Time) {
		if !still(StateCalling) {
			return
		}
		p.state = StateRinging
		s.partyPush(m, p, pushAlerting, descAlerting, t)
		if out == noAnswer {
			s.schedule(t.Add(s.tl.NoAnswer), func(t time.Time) {
				if still(StateRinging) {
					s.partyStops(m, p, t, StateNoAnswer, reasonNoAnswer, descNoAnswer)
				}
			})
			return
		}
		s.schedule(t.Add(s.tl.Answer), func(t time.Time) {
			if !still(StateRinging) {
				return
			}
			p.state, p.joinAt = StateJoined, t
			s.partyPush(m, p, pushAnswer, descAnswer, t)
			if out == leaves {
				s.schedule(t.Add(s.tl.Leave), func(t time.Time) {
					if still(StateJoined) {
						s.partyStops(m, p, t, StateLeft, reasonLeft, descHangup)
					}
				})
			}
		})
	})
}

// partyStops disconnects p and ends m if nobody is left.
func (s *Sim) partyStops(m *meeting, p *party, t time.Time, state, reason, desc string) {
	s.disconnect(m, p, t, state, reason, desc)
	for _, q := range m.parties {
		if q.connected() {
			return
		}
	}
	s.endMeeting(m, t)
}

func (s *Sim) disconnect(m *meeting, p *party, t time.Time, state, reason, desc string) {
	p.state, p.reason, p.leaveAt = state, reason, t
	s.partyPush(m, p, pushDisconnect, desc, t)
}

func (s *Sim) endMeeting(m *meeting, t time.Time) {
	m.state, m.end = StateEnded, t
	s.queuePush(meetingEndPush{ConfID: m.id, CustomParm: m.customParm, State: pushEnd, Timestamp: stamp(t)})
}

func (s *Sim) partyPush(m *meeting, p *party, state, desc string, t time.Time) {
	s.queuePush(partyPush{
		ConfID: m.id, CustomParm: p.customParm, Phone: p.phone,
		State: state, StateDesc: desc, Timestamp: stamp(t),
	})
}

// activeMeeting finds the meeting a confid names, if it is in progress.
func (s *Sim) activeMeeting(f fields) *meeting {
	confid, _, _ := f.str("confid")
	if m := s.meetings[confid]; m != nil && m.state == StateActive {
		return m
	}
	return nil
}

// invite dials more parties into an active meeting. A party still dialed
// or joined is refused; one that stopped is dialed again.
func (s *Sim) invite(f fields, now time.Time) reply {
	ps, code := decodeParties(f)
	if code != "" {
		return errReply(code)
	}
	m := s.activeMeeting(f)
	if m == nil {
		return errReply(ytx.CodeInvalidParam)
	}
	for _, p := range ps {
		if q := m.party(p.Phone); q != nil && q.connected() {
			return errReply(ytx.CodeInvalidParam)
		}
	}
	custom, sent, _ := f.str("CustomParm")
	if !sent {
		custom = m.customParm
	}
	for _, p := range ps {
		q := m.party(p.Phone)
		if q == nil {
			q = &party{phone: p.Phone}
			m.parties = append(m.parties, q)
		}
		q.name, q.customParm = p.Name, custom
		s.dial(m, q, now)
	}
	return okReply(msgSubmitted, s.newRequestID(now))
}

// hangup drops one party that is dialed or joined.
func (s *Sim) hangup(f fields, now time.Time) reply {
	phone, _, ok := f.str("phone")
	if !ok || !validPhone(phone, true) {
		return errReply(ytx.CodeInvalidPhone)
	}
	m := s.activeMeeting(f)
	if m == nil {
		return errReply(ytx.CodeInvalidParam)
	}
	p := m.party(phone)
	if p == nil || !p.connected() {
		return errReply(ytx.CodeInvalidParam)
	}
	s.partyStops(m, p, now, StateLeft, reasonHungUp, descHangup)
	return okReply(msgSubmitted, s.newRequestID(now))
}

// destroy ends an active meeting, dropping everyone still dialed or joined.
func (s *Sim) destroy(f fields, now time.Time) reply {
	m := s.activeMeeting(f)
	if m == nil {
		return errReply(ytx.CodeInvalidParam)
	}
	for _, p := range m.parties {
		if p.connected() {
			s.disconnect(m, p, now, StateLeft, reasonDestroyed, descHangup)
		}
	}
	s.endMeeting(m, now)
	return okReply(msgSubmitted, s.newRequestID(now))
}

// meetingData is the project's assumed shape of one meeting in
// queryMeeting's data (the vendor's is unknown).
type meetingData struct {
	MeID        string      `json:"meid"`
	MeetingName string      `json:"meetingname"`
	Creator     string      `json:"creator"`
	State       string      `json:"state"`
	BookTime    string      `json:"booktime"`
	StartTime   string      `json:"starttime"`
	EndTime     string      `json:"endtime"`
	Parties     []partyData `json:"parties"`
}

type partyData struct {
	Name      string `json:"name"`
	Phone     string `json:"phone"`
	State     string `json:"state"`
	JoinTime  string `json:"jointime"`
	LeaveTime string `json:"leavetime"`
	Reason    string `json:"reason"`
}

func dataOf(m *meeting) meetingData {
	d := meetingData{
		MeID: m.id, MeetingName: m.name, Creator: m.creator, State: m.state,
		StartTime: stamp(m.start), EndTime: stamp(m.end),
		Parties: make([]partyData, len(m.parties)),
	}
	if !m.bookTime.IsZero() {
		d.BookTime = m.bookTime.In(ytx.Beijing).Format(ytx.BookTimeLayout)
	}
	for i, p := range m.parties {
		d.Parties[i] = partyData{
			Name: p.name, Phone: p.phone, State: p.state,
			JoinTime: stamp(p.joinAt), LeaveTime: stamp(p.leaveAt), Reason: p.reason,
		}
	}
	return d
}

// queryMeeting answers one meeting (confid set) or the meetingcount most
// recent ones, newest first (confid "").
func (s *Sim) queryMeeting(f fields) reply {
	n, ok := f.integer("meetingcount")
	if !ok || n < 1 {
		return errReply(ytx.CodeInvalidParam)
	}
	var data any
	if confid, _, _ := f.str("confid"); confid != "" {
		m := s.meetings[confid]
		if m == nil {
			return errReply(ytx.CodeInvalidParam)
		}
		data = dataOf(m)
	} else {
		list := []meetingData{}
		for i := len(s.meetingList) - 1; i >= 0 && int64(len(list)) < n; i-- {
			list = append(list, dataOf(s.meetingList[i]))
		}
		data = list
	}
	return reply{ytx.CodeOK, envelope{StatusCode: ytx.CodeOK, StatusMsg: msgSubmitted, Data: data}}
}

// newRequestID returns a unique 29-digit requestId: the request's Beijing
// timestamp and a 15-digit sequence, like the real ones
// ("20200437755840048670965760400").
func (s *Sim) newRequestID(now time.Time) string {
	s.nextRequest++
	return ytx.Timestamp(now) + fmt.Sprintf("%015d", s.nextRequest)
}
