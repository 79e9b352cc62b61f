package ytx

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// DialBackParams describes a two-way call: YTX rings From, then To, and
// bridges them once both answer.
type DialBackParams struct {
	From        string        // src: the first phone rung
	To          string        // dst: the second phone rung
	MaxDuration time.Duration // credit: talk time limit, more than 60 s, whole seconds
	CustomParm  string        // echoed in pushes and call records; the bot's matching key

	SrcTimeout, DstTimeout time.Duration // ring time per leg; 0 = YTX's default
	SrcHintFile            string        // prompt played to the first leg
	DstHintFile            string        // prompt played to the second leg
	RingbackType           int           // 1 pass-through, 2 system, 3 custom; 0 = unset
	CustomHintFile         string        // the custom ringback (RingbackType 3)
	DstFailHintFile        string        // played to the first leg when the second fails
	SrcThresholdFile       string        // played to the first leg at SrcThreshold
	SrcThreshold           time.Duration
	DstThresholdFile       string
	DstThreshold           time.Duration
	CallStatusCheck        bool // iscallstatuscheck: call-result recognition

	SrcCLID, DstCLID string // caller ids shown to each leg; "" = Config's
}

// Call is what callDailBack answers.
type Call struct {
	RequestID string // matches state pushes and call records; "" = untracked
}

type dialBackReq struct {
	Action            string `json:"action"`
	AppID             string `json:"appid"`
	Src               string `json:"src"`
	Dst               string `json:"dst"`
	Credit            string `json:"credit"`
	CustomParm        string `json:"customParm,omitempty"`
	SrcTimeout        string `json:"srctimeout,omitempty"`
	DstTimeout        string `json:"dsttimeout,omitempty"`
	SrcHintFile       string `json:"srchintfile,omitempty"`
	DstHintFile       string `json:"dsthintfile,omitempty"`
	RingbackType      string `json:"ringbacktype,omitempty"`
	CustomHintFile    string `json:"customhintfile,omitempty"`
	DstFailHintFile   string `json:"dstfailhintfile,omitempty"`
	SrcThresholdFile  string `json:"srcthresholdfile,omitempty"`
	SrcThreshold      string `json:"srcthreshold,omitempty"`
	DstThresholdFile  string `json:"dstthresholdfile,omitempty"`
	DstThreshold      string `json:"dstthreshold,omitempty"`
	IsCallStatusCheck string `json:"iscallstatuscheck,omitempty"`
	SrcCLID           string `json:"srcclid,omitempty"`
	DstCLID           string `json:"dstclid,omitempty"`
}

// DialBack rings p.From, then p.To, and bridges them. It is never retried:
// an error wrapping ErrOutcomeUnknown means phones may be ringing.
//
// YTX API docs: 双向呼叫 (call/DailbackCall.wx, action callDailBack).
func (c *Client) DialBack(ctx context.Context, p *DialBackParams) (*Call, error) {
	const action = ActionDialBack
	if p == nil {
		return nil, invalid(action, "no parameters")
	}
	if !ValidLeg(p.From) {
		return nil, invalid(action, "first leg is not a mobile or a landline with area code (no extension)")
	}
	if !ValidLeg(p.To) {
		return nil, invalid(action, "second leg is not a mobile or a landline with area code (no extension)")
	}
	if p.From == p.To {
		return nil, invalid(action, "both legs are the same number")
	}
	credit := int64(p.MaxDuration / time.Second)
	if credit <= 60 {
		return nil, invalid(action, "max duration %s: YTX needs more than 60s", p.MaxDuration)
	}
	if p.RingbackType < 0 || p.RingbackType > 3 {
		return nil, invalid(action, "ringback type %d: want 1, 2 or 3", p.RingbackType)
	}
	for name, d := range map[string]time.Duration{"src timeout": p.SrcTimeout, "dst timeout": p.DstTimeout, "src threshold": p.SrcThreshold, "dst threshold": p.DstThreshold} {
		if d < 0 || (d > 0 && d < time.Second) {
			return nil, invalid(action, "%s %s: want whole seconds", name, d)
		}
	}
	req := dialBackReq{
		Action: action, AppID: c.cfg.AppID, Src: p.From, Dst: p.To,
		Credit:     strconv.FormatInt(credit, 10),
		CustomParm: p.CustomParm,
		SrcTimeout: seconds(p.SrcTimeout), DstTimeout: seconds(p.DstTimeout),
		SrcHintFile: p.SrcHintFile, DstHintFile: p.DstHintFile,
		CustomHintFile: p.CustomHintFile, DstFailHintFile: p.DstFailHintFile,
		SrcThresholdFile: p.SrcThresholdFile, SrcThreshold: seconds(p.SrcThreshold),
		DstThresholdFile: p.DstThresholdFile, DstThreshold: seconds(p.DstThreshold),
		SrcCLID: p.SrcCLID, DstCLID: p.DstCLID,
	}
	if p.RingbackType != 0 {
		req.RingbackType = strconv.Itoa(p.RingbackType)
	}
	if p.CallStatusCheck {
		req.IsCallStatusCheck = "1"
	}
	if req.SrcCLID == "" {
		req.SrcCLID = c.cfg.SrcCLID
	}
	if req.DstCLID == "" {
		req.DstCLID = c.cfg.DstCLID
	}
	env, err := c.do(ctx, action, req)
	if err != nil {
		return nil, err
	}
	return &Call{RequestID: env.RequestID}, nil
}

func seconds(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return fmt.Sprint(int64(d / time.Second))
}
