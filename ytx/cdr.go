package ytx

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// CallRecord is one call-detail record, from a CDR push or the call-record
// query. Times are zero for a leg that was never answered.
type CallRecord struct {
	RequestID    string
	AppID        string
	FID          string // "4" = dial-back
	Caller       string
	Called       string
	CallerStart  time.Time
	CallerEnd    time.Time
	CalledStart  time.Time
	CalledEnd    time.Time
	RecordingURL string // "" when YTX says NoTapes
	Duration     time.Duration
	Amount       string // oriamount, as sent
	CustomParm   string
	StateDesc    string // e.g. "应答|正常"
}

// decodeRecords reads a cdr array; fid, duration and oriamount may be
// numbers or strings. Entries that are not objects are skipped.
func decodeRecords(raw json.RawMessage) []CallRecord {
	var items []json.RawMessage
	if json.Unmarshal(unquote(raw), &items) != nil {
		return nil
	}
	out := make([]CallRecord, 0, len(items))
	for _, it := range items {
		f, err := object(it)
		if err != nil {
			continue
		}
		r := CallRecord{
			RequestID:    text(field(f, "requestid")),
			AppID:        text(field(f, "appid")),
			FID:          text(field(f, "fid")),
			Caller:       text(field(f, "caller")),
			Called:       text(field(f, "called")),
			CallerStart:  parseTime(text(field(f, "callerstime"))),
			CallerEnd:    parseTime(text(field(f, "calleretime"))),
			CalledStart:  parseTime(text(field(f, "calledstime"))),
			CalledEnd:    parseTime(text(field(f, "calledetime"))),
			RecordingURL: text(field(f, "tapesurl")),
			Amount:       text(field(f, "oriamount")),
			CustomParm:   text(field(f, "customParm")),
			StateDesc:    text(field(f, "stateDesc")),
		}
		if strings.EqualFold(r.RecordingURL, "NoTapes") {
			r.RecordingURL = ""
		}
		if d, err := strconv.ParseFloat(text(field(f, "duration")), 64); err == nil && d > 0 && d < 1e9 {
			r.Duration = time.Duration(d * float64(time.Second))
		}
		out = append(out, r)
	}
	return out
}

type cdrReq struct {
	Action    string `json:"action"`
	AppID     string `json:"appid"`
	FID       string `json:"fid"`
	LastResID string `json:"lastresid"`
	Limit     string `json:"limit"`
}

// CallRecord fetches the record of one dial-back call by its requestId. It
// returns ErrNotFound while the call has no record yet. This query is not in
// the vendor's pages (public integrations use it), so it is optional.
//
// YTX API docs: none; call/CallCdr.wx, action getCdrByResId (ytx-protocol §6).
func (c *Client) CallRecord(ctx context.Context, requestID string) (*CallRecord, error) {
	const action = ActionCallRecord
	if requestID == "" {
		return nil, invalid(action, "no request id")
	}
	env, err := c.read(ctx, action, cdrReq{Action: action, AppID: c.cfg.AppID, FID: "4", LastResID: requestID, Limit: "0"})
	if err != nil {
		return nil, err
	}
	raw := env.CDR
	if raw == nil { // an enveloped answer may carry the records in data
		if f, err := object(env.Data); err == nil {
			raw = field(f, "cdr")
		} else {
			raw = env.Data
		}
	}
	for _, r := range decodeRecords(raw) {
		if r.RequestID == requestID || r.RequestID == "" {
			r.RequestID = requestID
			return &r, nil
		}
	}
	return nil, &notFound{what: "call record " + requestID}
}

type notFound struct{ what string }

func (e *notFound) Error() string { return "ytx: " + e.what + ": not found" }
func (e *notFound) Unwrap() error { return ErrNotFound }
