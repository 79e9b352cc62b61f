package ytx

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// MeetingParams describes a conference for createMeeting.
type MeetingParams struct {
	Name       string  // meetingname
	Creator    string  // the organiser's phone; list them in Parties too
	Parties    []Party // everyone to ring, the creator included
	ShowNumber string  // Shownumber; "" = Config.ShowNumber
	CustomParm string  // echoed in pushes; the bot's matching key
}

// Meeting is what createMeeting answers: the room and how it calls out.
type Meeting struct {
	ID        string // meid
	Password  string // mepwd
	CallerID  string // meetcallerid, the number the room calls from
	RequestID string // often absent for createMeeting
}

// Result is the answer of an action that returns no data.
type Result struct {
	RequestID string
	Message   string // statusMsg, e.g. "提交成功"
}

type createMeetingReq struct {
	Action      string          `json:"action"`
	AppID       string          `json:"appid"`
	MeetingName string          `json:"meetingname"`
	Creator     string          `json:"creator"`
	Parties     json.RawMessage `json:"parties"`
	BookMeeting string          `json:"bookmeeting"`
	ConfID      string          `json:"confid"`
	BookTime    string          `json:"booktime"`
	ShowNumber  string          `json:"Shownumber,omitempty"`
	CustomParm  string          `json:"CustomParm,omitempty"`
}

// CreateMeeting starts a conference now and rings every party.
//
// YTX API docs: 创建会议 (call/TeleMeeting.wx, action createMeeting, bookmeeting 0).
func (c *Client) CreateMeeting(ctx context.Context, p *MeetingParams) (*Meeting, error) {
	return c.createMeeting(ctx, p, "0", "", time.Time{})
}

// BookMeeting books a conference that YTX starts at the given time.
//
// YTX API docs: 创建会议 (call/TeleMeeting.wx, action createMeeting, bookmeeting 1).
func (c *Client) BookMeeting(ctx context.Context, p *MeetingParams, at time.Time) (*Meeting, error) {
	return c.createMeeting(ctx, p, "1", "", at)
}

// EditBooking moves a booked conference, resending its name, creator and
// parties (the vendor marks them required for every createMeeting).
//
// YTX API docs: 创建会议 (call/TeleMeeting.wx, action createMeeting, bookmeeting 1 + confid).
func (c *Client) EditBooking(ctx context.Context, id string, p *MeetingParams, at time.Time) (*Meeting, error) {
	if id == "" {
		return nil, invalid(ActionCreateMeeting, "no meeting id to edit")
	}
	return c.createMeeting(ctx, p, "1", id, at)
}

// CancelBooking cancels a booked conference, resending its stored fields.
//
// YTX API docs: 创建会议 (call/TeleMeeting.wx, action createMeeting, bookmeeting 2 + confid).
func (c *Client) CancelBooking(ctx context.Context, id string, p *MeetingParams) error {
	if id == "" {
		return invalid(ActionCreateMeeting, "no meeting id to cancel")
	}
	_, err := c.createMeeting(ctx, p, "2", id, time.Time{})
	return err
}

func (c *Client) createMeeting(ctx context.Context, p *MeetingParams, book, confID string, at time.Time) (*Meeting, error) {
	const action = ActionCreateMeeting
	if p == nil {
		return nil, invalid(action, "no parameters")
	}
	if p.Name == "" {
		return nil, invalid(action, "empty meeting name")
	}
	if !ValidParty(p.Creator) {
		return nil, invalid(action, "creator's phone is not a valid number")
	}
	if err := checkParties(action, p.Parties); err != nil {
		return nil, err
	}
	req := createMeetingReq{
		Action: action, AppID: c.cfg.AppID, MeetingName: p.Name, Creator: p.Creator,
		BookMeeting: book, ConfID: confID, ShowNumber: p.ShowNumber, CustomParm: p.CustomParm,
	}
	if req.ShowNumber == "" {
		req.ShowNumber = c.cfg.ShowNumber
	}
	if book == "1" {
		if !at.After(c.o.now()) {
			return nil, invalid(action, "booking time %s is not in the future", at.In(Beijing).Format(BookTimeLayout))
		}
		req.BookTime = at.In(Beijing).Format(BookTimeLayout)
	}
	var err error
	if req.Parties, err = EncodeParties(c.cfg.PartiesEncoding, p.Parties); err != nil {
		return nil, err
	}
	env, err := c.do(ctx, action, req)
	if err != nil {
		return nil, err
	}
	m := &Meeting{ID: confID, RequestID: env.RequestID}
	// Success carries the room in statusMsg as an object; an edit or a
	// cancel may answer a plain string instead.
	var room struct {
		MeID, MePwd, MeetCallerID json.RawMessage
	}
	if fields, err := object(env.StatusMsg); err == nil {
		room.MeID, room.MePwd, room.MeetCallerID = field(fields, "meid"), field(fields, "mepwd"), field(fields, "meetcallerid")
		if id := text(room.MeID); id != "" {
			m.ID = id
		}
		m.Password, m.CallerID = text(room.MePwd), text(room.MeetCallerID)
	}
	if m.ID == "" && book != "2" {
		return m, &RequestError{Action: action, Sent: true, Ringing: true, Err: fmt.Errorf("%w: success without a meeting id: %s", ErrMalformed, truncate(env.Message(), 200))}
	}
	return m, nil
}

type inviteReq struct {
	Action     string          `json:"action"`
	AppID      string          `json:"appid"`
	ConfID     string          `json:"confid"`
	Parties    json.RawMessage `json:"parties"`
	CustomParm string          `json:"CustomParm,omitempty"`
}

// Invite rings more people into a running conference.
//
// YTX API docs: 邀请会议 (call/TeleMeeting.wx, action inviteJoinMeeting).
func (c *Client) Invite(ctx context.Context, id string, parties []Party, customParm string) (*Result, error) {
	const action = ActionInvite
	if id == "" {
		return nil, invalid(action, "no meeting id")
	}
	if err := checkParties(action, parties); err != nil {
		return nil, err
	}
	enc, err := EncodeParties(c.cfg.PartiesEncoding, parties)
	if err != nil {
		return nil, err
	}
	return c.result(c.do(ctx, action, inviteReq{Action: action, AppID: c.cfg.AppID, ConfID: id, Parties: enc, CustomParm: customParm}))
}

type hangupReq struct {
	Action string `json:"action"`
	AppID  string `json:"appid"`
	ConfID string `json:"confid"`
	Phone  string `json:"phone,omitempty"`
}

// Hangup drops one party from a conference.
//
// YTX API docs: 挂断 (call/TeleMeeting.wx, action hangupMeeting).
func (c *Client) Hangup(ctx context.Context, id, phone string) (*Result, error) {
	const action = ActionHangup
	if id == "" {
		return nil, invalid(action, "no meeting id")
	}
	if !ValidParty(phone) {
		return nil, invalid(action, "phone is not a valid number")
	}
	return c.result(c.do(ctx, action, hangupReq{Action: action, AppID: c.cfg.AppID, ConfID: id, Phone: phone}))
}

// DestroyMeeting ends a conference for everyone.
//
// YTX API docs: 终止会议 (call/TeleMeeting.wx, action destroyMeeting).
func (c *Client) DestroyMeeting(ctx context.Context, id string) (*Result, error) {
	const action = ActionDestroy
	if id == "" {
		return nil, invalid(action, "no meeting id")
	}
	return c.result(c.do(ctx, action, hangupReq{Action: action, AppID: c.cfg.AppID, ConfID: id}))
}

func (c *Client) result(env *envelope, err error) (*Result, error) {
	if err != nil {
		return nil, err
	}
	return &Result{RequestID: env.RequestID, Message: env.Message()}, nil
}

type queryReq struct {
	Action       string `json:"action"`
	AppID        string `json:"appid"`
	ConfID       string `json:"confid"`
	MeetingCount string `json:"meetingcount"`
}

// QueryMeeting reads one conference's state. The shape of YTX's data is
// undocumented: Raw always holds it, and the typed fields are filled where
// they can be found. Reads are retried on transport errors, 5xx, -100, -104.
//
// YTX API docs: 会议查询 (call/MeetingQuery.wx, action queryMeeting).
func (c *Client) QueryMeeting(ctx context.Context, id string) (*MeetingInfo, error) {
	const action = ActionQueryMeeting
	if id == "" {
		return nil, invalid(action, "no meeting id")
	}
	env, err := c.read(ctx, action, queryReq{Action: action, AppID: c.cfg.AppID, ConfID: id, MeetingCount: "1"})
	if err != nil {
		return nil, err
	}
	infos := decodeMeetings(env.Data)
	for i := range infos {
		if infos[i].ID == id || infos[i].ID == "" {
			infos[i].ID = id
			return &infos[i], nil
		}
	}
	// Data in a shape we do not know: keep it raw rather than fail.
	return &MeetingInfo{ID: id, Raw: env.Data}, nil
}

// ListMeetings reads the account's n most recent conferences.
//
// YTX API docs: 会议查询 (call/MeetingQuery.wx, action queryMeeting, confid "").
func (c *Client) ListMeetings(ctx context.Context, n int) ([]MeetingInfo, error) {
	const action = ActionQueryMeeting
	if n < 1 {
		return nil, invalid(action, "meeting count %d is not positive", n)
	}
	env, err := c.read(ctx, action, queryReq{Action: action, AppID: c.cfg.AppID, MeetingCount: strconv.Itoa(n)})
	if err != nil {
		return nil, err
	}
	return decodeMeetings(env.Data), nil
}
