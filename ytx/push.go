package ytx

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// PushKind tells which of the known push shapes a body has.
type PushKind int

// Push kinds. YTX pushes carry no type field; the shape decides.
const (
	PushUnknown   PushKind = iota // a JSON object of no known shape, kept raw
	PushCallState                 // a dial-back leg changed state
	PushCDR                       // call-detail records
	PushMeeting                   // a conference event (format undocumented)
)

func (k PushKind) String() string {
	switch k {
	case PushCallState:
		return "call-state"
	case PushCDR:
		return "cdr"
	case PushMeeting:
		return "meeting"
	}
	return "unknown"
}

// Dial-back leg states in call-state pushes.
const (
	StateCallout    = "callout"
	StateAlerting   = "alerting"
	StateAnswer     = "answer"
	StateDisconnect = "disconnect"
)

// StateEvent is a call-state push: one leg of a dial-back call changed state.
type StateEvent struct {
	RequestID string
	Number    string // dsc, the leg's number, possibly without prefix
	State     string // callout, alerting, answer, disconnect (others kept as sent)
	Desc      string // stateDesc
	At        time.Time
}

// MeetingEvent is the typed part of a meeting push. YTX documents no format;
// fields are filled where found.
type MeetingEvent struct {
	ConfID string
	Phone  string
	State  string
	Desc   string
	At     time.Time
}

// Push is a parsed status push. RequestID, CustomParm and ConfID are the
// matching keys found anywhere YTX is known to put them; Raw is the body.
type Push struct {
	Kind       PushKind
	State      *StateEvent   // PushCallState
	Records    []CallRecord  // PushCDR
	Meeting    *MeetingEvent // PushMeeting
	RequestID  string
	CustomParm string
	ConfID     string
	Raw        json.RawMessage
}

// ParsePush reads a push body. Only a body that is not a JSON object is an
// error (ErrMalformed); any object parses, the unknown ones as PushUnknown,
// so that nothing YTX sends is lost.
func ParsePush(body []byte) (*Push, error) {
	f, err := object(body)
	if err != nil {
		return nil, fmt.Errorf("ytx: push: %w", ErrMalformed)
	}
	p := &Push{
		Raw:        append(json.RawMessage(nil), body...),
		RequestID:  text(field(f, "requestid")),
		CustomParm: text(field(f, "customParm")),
		ConfID:     text(field(f, "confid", "meid")),
	}
	state := text(field(f, "state"))
	switch {
	case firstByte(unquote(field(f, "cdr"))) == '[':
		p.Kind = PushCDR
		p.Records = decodeRecords(field(f, "cdr"))
		for _, r := range p.Records {
			if p.RequestID == "" {
				p.RequestID = r.RequestID
			}
			if p.CustomParm == "" {
				p.CustomParm = r.CustomParm
			}
		}
	case state != "" && p.RequestID != "":
		p.Kind = PushCallState
		p.State = &StateEvent{
			RequestID: p.RequestID,
			Number:    text(field(f, "dsc")),
			State:     strings.ToLower(state),
			Desc:      text(field(f, "stateDesc")),
			At:        parseTime(text(field(f, "timestamp"))),
		}
	case p.ConfID != "" || (state != "" && p.CustomParm != ""):
		p.Kind = PushMeeting
		p.Meeting = &MeetingEvent{
			ConfID: p.ConfID,
			Phone:  text(field(f, "phone", "dsc", "number")),
			State:  strings.ToLower(state),
			Desc:   text(field(f, "stateDesc")),
			At:     parseTime(text(field(f, "timestamp"))),
		}
	}
	return p, nil
}
