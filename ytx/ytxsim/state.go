package ytxsim

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"
)

// MeetingState is a copy of one meeting's state.
type MeetingState struct {
	ID         string // meid
	Password   string // mepwd
	CallerID   string // meetcallerid
	Name       string
	Creator    string
	CustomParm string
	State      string    // StateBooked, StateActive, StateEnded, StateCancelled
	BookTime   time.Time // zero unless booked
	StartTime  time.Time // zero until it starts
	EndTime    time.Time // zero until it ends or is cancelled
	Parties    []PartyState
}

// PartyState is a copy of one meeting party's state.
type PartyState struct {
	Name       string
	Phone      string
	CustomParm string
	State      string // StateIdle (booked meeting), StateCalling … StateBusy
	JoinTime   time.Time
	LeaveTime  time.Time
	Reason     string
}

// CallState is a copy of one dial-back call's state.
type CallState struct {
	RequestID  string
	Src, Dst   LegState
	Credit     int64 // seconds
	CustomParm string
	State      string    // StateActive, StateEnded
	Start      time.Time // the request
	Bridged    time.Time // both legs answered; zero if never
	End        time.Time
	// Record is the call record (as pushed and as the call-record query
	// answers it), nil while the call runs.
	Record json.RawMessage
}

// LegState is a copy of one dial-back leg's state.
type LegState struct {
	Phone      string
	State      string // StateIdle, StateCalling … StateBusy, StateFailed
	AnswerTime time.Time
	EndTime    time.Time
	Reason     string
}

// Requests returns every request received, in order of arrival.
func (s *Sim) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.requests)
	for i := range out {
		out[i].Body = bytes.Clone(out[i].Body)
	}
	return out
}

// Count returns how many requests of action were accepted (code "0"),
// including those whose answer DropAfter swallowed.
func (s *Sim) Count(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[action]
}

// Meeting returns the state of meeting id at Clock.Now().
func (s *Sim) Meeting(id string) (MeetingState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(s.clock.Now())
	m := s.meetings[id]
	if m == nil {
		return MeetingState{}, false
	}
	return s.meetingState(m), true
}

// Meetings returns every meeting at Clock.Now(), oldest first.
func (s *Sim) Meetings() []MeetingState {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(s.clock.Now())
	out := make([]MeetingState, len(s.meetingList))
	for i, m := range s.meetingList {
		out[i] = s.meetingState(m)
	}
	return out
}

func (s *Sim) meetingState(m *meeting) MeetingState {
	ms := MeetingState{
		ID: m.id, Password: m.pwd, CallerID: s.cfg.CallerID,
		Name: m.name, Creator: m.creator, CustomParm: m.customParm, State: m.state,
		BookTime: m.bookTime, StartTime: m.start, EndTime: m.end,
		Parties: make([]PartyState, len(m.parties)),
	}
	for i, p := range m.parties {
		ms.Parties[i] = PartyState{
			Name: p.name, Phone: p.phone, CustomParm: p.customParm, State: p.state,
			JoinTime: p.joinAt, LeaveTime: p.leaveAt, Reason: p.reason,
		}
	}
	return ms
}

// Call returns the state of the dial-back call requestID at Clock.Now().
func (s *Sim) Call(requestID string) (CallState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(s.clock.Now())
	c := s.calls[requestID]
	if c == nil {
		return CallState{}, false
	}
	cs := CallState{
		RequestID: c.id, Src: legState(c.src), Dst: legState(c.dst),
		Credit: c.credit, CustomParm: c.customParm, State: c.state,
		Start: c.start, Bridged: c.bridged, End: c.end,
	}
	if c.record != nil {
		cs.Record = marshal(c.record)
	}
	return cs, true
}

func legState(l *leg) LegState {
	return LegState{Phone: l.phone, State: l.state, AnswerTime: l.answerAt, EndTime: l.endAt, Reason: l.reason}
}

// Pushes returns the body of every push delivered or attempted, in order
// (a duplicated push appears twice).
func (s *Sim) Pushes() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][]byte, len(s.deliveries))
	for i, d := range s.deliveries {
		out[i] = bytes.Clone(d.Body)
	}
	return out
}

// Deliveries returns every push delivery attempt, in order, with its error.
func (s *Sim) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.deliveries)
	for i := range out {
		out[i].Body = bytes.Clone(out[i].Body)
	}
	return out
}
