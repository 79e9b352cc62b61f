package ytx

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// Meeting states of MeetingInfo.State. YTX's own values are undocumented;
// the decoder maps the words it recognises and keeps others as sent.
const (
	MeetingBooked    = "booked"
	MeetingActive    = "active"
	MeetingEnded     = "ended"
	MeetingCancelled = "cancelled"
)

// Party states of PartyInfo.State.
const (
	PartyCalling  = "calling"
	PartyRinging  = "ringing"
	PartyJoined   = "joined"
	PartyLeft     = "left"
	PartyNoAnswer = "noanswer"
	PartyBusy     = "busy"
	PartyFailed   = "failed"
)

// MeetingInfo is a best-effort typed view of queryMeeting's data. Fields that
// could not be found are zero; Raw always holds the object as sent.
type MeetingInfo struct {
	ID        string
	Name      string
	Creator   string
	State     string
	BookTime  time.Time
	StartTime time.Time
	EndTime   time.Time
	Parties   []PartyInfo
	Raw       json.RawMessage
}

// PartyInfo is one participant in MeetingInfo.
type PartyInfo struct {
	Name      string
	Phone     string
	State     string
	JoinTime  time.Time
	LeaveTime time.Time
	Reason    string
}

// decodeMeetings finds meeting objects in data: an object, an array of them,
// or an object wrapping such an array. It never fails; unknown shapes give
// nothing.
func decodeMeetings(data json.RawMessage) []MeetingInfo {
	data = unquote(data)
	switch firstByte(data) {
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(data, &items) != nil {
			return nil
		}
		var out []MeetingInfo
		for _, it := range items {
			if m, ok := decodeMeeting(it); ok {
				out = append(out, m)
			}
		}
		return out
	case '{':
		fields, err := object(data)
		if err != nil {
			return nil
		}
		// A wrapper such as {"list":[…]} or {"meetings":[…]}.
		if field(fields, "meid", "confid", "meetingid", "id") == nil {
			for _, k := range []string{"list", "meetings", "meetinglist", "rows", "data", "items"} {
				if v := field(fields, k); firstByte(v) == '[' {
					return decodeMeetings(v)
				}
			}
		}
		if m, ok := decodeMeeting(data); ok {
			return []MeetingInfo{m}
		}
	}
	return nil
}

func decodeMeeting(raw json.RawMessage) (MeetingInfo, bool) {
	fields, err := object(raw)
	if err != nil {
		return MeetingInfo{}, false
	}
	m := MeetingInfo{
		ID:        text(field(fields, "meid", "confid", "meetingid", "id")),
		Name:      text(field(fields, "meetingname", "name", "title")),
		Creator:   text(field(fields, "creator")),
		State:     meetingState(text(field(fields, "state", "status", "meetingstate"))),
		BookTime:  parseTime(text(field(fields, "booktime"))),
		StartTime: parseTime(text(field(fields, "starttime", "begintime"))),
		EndTime:   parseTime(text(field(fields, "endtime"))),
		Raw:       append(json.RawMessage(nil), raw...),
	}
	ps := unquote(field(fields, "parties", "members", "partylist", "participants"))
	var items []json.RawMessage
	if json.Unmarshal(ps, &items) == nil {
		for _, it := range items {
			pf, err := object(it)
			if err != nil {
				continue
			}
			m.Parties = append(m.Parties, PartyInfo{
				Name:      text(field(pf, "name")),
				Phone:     text(field(pf, "phone", "number", "tel")),
				State:     partyState(text(field(pf, "state", "status"))),
				JoinTime:  parseTime(text(field(pf, "jointime", "starttime"))),
				LeaveTime: parseTime(text(field(pf, "leavetime", "endtime"))),
				Reason:    text(field(pf, "reason", "statedesc")),
			})
		}
	}
	return m, true
}

func meetingState(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "booked", "book", "预约":
		return MeetingBooked
	case "active", "running", "ongoing", "进行中":
		return MeetingActive
	case "ended", "end", "finished", "over", "结束", "已结束":
		return MeetingEnded
	case "cancelled", "canceled", "cancel", "取消":
		return MeetingCancelled
	}
	return s
}

func partyState(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "calling", "callout", "呼叫中":
		return PartyCalling
	case "ringing", "alerting", "振铃":
		return PartyRinging
	case "joined", "answer", "answered", "应答":
		return PartyJoined
	case "left", "disconnect", "hangup", "挂机":
		return PartyLeft
	case "noanswer", "no answer", "无应答":
		return PartyNoAnswer
	case "busy", "用户忙":
		return PartyBusy
	case "failed", "fail", "失败":
		return PartyFailed
	}
	return s
}

// parseTime reads YTX times (Beijing); "" or an unknown layout give zero.
func parseTime(s string) time.Time {
	for _, layout := range []string{TimeLayout, BookTimeLayout, TimestampLayout} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(s), Beijing); err == nil {
			return t
		}
	}
	return time.Time{}
}

// unquote turns a JSON string holding JSON into that JSON; anything else is
// returned as is. YTX sometimes double-encodes arrays.
func unquote(v json.RawMessage) json.RawMessage {
	if firstByte(v) != '"' {
		return v
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return v
	}
	return json.RawMessage(s)
}

func firstByte(v json.RawMessage) byte {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return 0
	}
	return v[0]
}
