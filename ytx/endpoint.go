package ytx

import (
	"fmt"
	"regexp"
)

// Production and sandbox hosts. The sandbox sends no status pushes.
const (
	ProductionURL = "http://api.ytx.net"
	SandboxURL    = "http://sandbox.ytx.net"
)

// Wire names of the actions, with the vendor's spellings.
const (
	ActionCreateMeeting = "createMeeting"
	ActionInvite        = "inviteJoinMeeting"
	ActionQueryMeeting  = "queryMeeting"
	ActionHangup        = "hangupMeeting"
	ActionDestroy       = "destroyMeeting"
	ActionDialBack      = "callDailBack"  // sic
	ActionCallRecord    = "getCdrByResId" // call-record query, public code only
)

// Endpoint routes one action to its API version and funcURL. The vendor's
// pages disagree on both, so each can be overridden in configuration.
type Endpoint struct {
	Action  string
	Version string
	FuncURL string
}

// DefaultEndpoints is the routing of the vendor's own helper (ytx-protocol §1, §6).
func DefaultEndpoints() []Endpoint {
	return []Endpoint{
		{ActionCreateMeeting, "201612", "TeleMeeting.wx"},
		{ActionInvite, "201612", "TeleMeeting.wx"},
		{ActionDestroy, "201612", "TeleMeeting.wx"},
		{ActionHangup, "201612", "TeleMeeting.wx"},
		{ActionQueryMeeting, "201612", "MeetingQuery.wx"},
		{ActionDialBack, "201512", "DailbackCall.wx"},
		{ActionCallRecord, "201512", "CallCdr.wx"},
	}
}

// Actions lists every action the client knows, in DefaultEndpoints order.
func Actions() []string {
	var out []string
	for _, e := range DefaultEndpoints() {
		out = append(out, e.Action)
	}
	return out
}

var (
	versionRE = regexp.MustCompile(`^[0-9]{6}$`)
	funcURLRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*\.wx$`)
)

// routes merges overrides into the defaults, refusing unknown actions and
// values that would change the URL's shape.
func routes(overrides []Endpoint) (map[string]Endpoint, error) {
	m := make(map[string]Endpoint)
	for _, e := range DefaultEndpoints() {
		m[e.Action] = e
	}
	for i, o := range overrides {
		d, ok := m[o.Action]
		if !ok {
			return nil, fmt.Errorf("ytx: endpoints[%d]: unknown action %q", i, o.Action)
		}
		if o.Version != "" {
			if !versionRE.MatchString(o.Version) {
				return nil, fmt.Errorf("ytx: endpoints[%d]: version %q is not six digits", i, o.Version)
			}
			d.Version = o.Version
		}
		if o.FuncURL != "" {
			if !funcURLRE.MatchString(o.FuncURL) {
				return nil, fmt.Errorf("ytx: endpoints[%d]: func_url %q is not like TeleMeeting.wx", i, o.FuncURL)
			}
			d.FuncURL = o.FuncURL
		}
		m[o.Action] = d
	}
	return m, nil
}
