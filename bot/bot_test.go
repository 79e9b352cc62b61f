package bot_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
	"github.com/ytxbot/ytxbot/ytx"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

// demo maps the console demo's people: me (admin "admin"), alice, bob, carol.
func demo(t *testing.T, cfg bot.Config) *bottest.Env {
	t.Helper()
	if cfg.Policy.AllowRawNumbers == false && cfg.Policy.NumberAllow == nil {
		cfg.Policy.AllowRawNumbers = true
	}
	e := bottest.New(t, cfg)
	e.Map(t, "admin", "13600000000")
	e.Map(t, "alice", "13800000001")
	e.Map(t, "bob", "13900000002")
	e.Map(t, "carol", "13700000003")
	e.Map(t, "dave", "13500000005")
	return e
}

var fullNumber = regexp.MustCompile(`1[3-9]\d{9}|0[1-9]\d{9,10}`)

// assertMasked fails when a card others can see shows a full number.
func assertMasked(t *testing.T, e *bottest.Env) {
	t.Helper()
	for _, c := range e.Notifier.Posts() {
		if n := fullNumber.FindString(c.Text()); n != "" && n != c.CallerID {
			t.Errorf("card shows the full number %s:\n%s", n, c.Text())
		}
	}
}

func ytxRequests(e *bottest.Env, action string) int {
	n := 0
	for _, r := range e.Sim.Requests() {
		if r.Action == action {
			n++
		}
	}
	return n
}

func TestMeetingLifecycle(t *testing.T) {
	e := demo(t, bot.Config{})
	rep := e.Say("alice", "/meet create standup @bob @carol")
	if rep.Card == nil {
		t.Fatalf("no card: %q", rep.Text)
	}
	card := e.Notifier.Card(rep.Card)
	if card.Title != "standup" || card.Ref != "#1" || len(card.Rows) != 3 || card.CallerID == "" || card.Room == "" {
		t.Fatalf("card:\n%s", card.Text())
	}
	ms := e.Sim.Meetings()
	if len(ms) != 1 || len(ms[0].Parties) != 3 || ms[0].Creator != "13800000001" {
		t.Fatalf("simulator meetings %+v", ms)
	}
	e.Advance(10 * time.Second)
	rep = e.Say("alice", "/meet status")
	card = e.Notifier.Card(rep.Card)
	if !strings.Contains(card.Text(), "joined") || card.Rows[1].State != "joined" {
		t.Errorf("status card after 10s:\n%s", card.Text())
	}

	// dave can join, bob cannot end alice's meeting, bob can drop himself.
	if rep := e.Say("bob", "/meet invite @dave"); !strings.Contains(rep.Text, "Ringing 1 more") {
		t.Errorf("invite: %q", rep.Text)
	}
	if rep := e.Say("bob", "/meet end"); !strings.Contains(rep.Text, "Only the meeting's creator") {
		t.Errorf("bob ended alice's meeting: %q", rep.Text)
	}
	if rep := e.Say("bob", "/meet hangup @carol"); !strings.Contains(rep.Text, "Only the meeting's creator") {
		t.Errorf("bob hung up carol: %q", rep.Text)
	}
	if rep := e.Say("bob", "/meet hangup #1 @bob"); !strings.Contains(rep.Text, "Hung up") {
		t.Errorf("bob could not drop himself: %q", rep.Text)
	}
	if rep := e.Say("alice", "/meet end #1"); !strings.Contains(rep.Text, "ended") {
		t.Errorf("end: %q", rep.Text)
	}
	m, _ := e.Sim.Meeting(ms[0].ID)
	if m.State != ytxsim.StateEnded {
		t.Errorf("simulator meeting state %s", m.State)
	}
	final := e.Notifier.Card(rep.Card)
	if final == nil {
		final = e.Notifier.Posts()[len(e.Notifier.Posts())-1]
	}
	assertMasked(t, e)
	if rep := e.Say("alice", "/meet invite #1 @dave"); !strings.Contains(rep.Text, "not in progress") {
		t.Errorf("invite to an ended meeting: %q", rep.Text)
	}
}

// TestRefusalsNeverReachYTX: each policy refusal is private, explains
// itself, and sends nothing to YTX.
func TestRefusalsNeverReachYTX(t *testing.T) {
	tests := []struct {
		name string
		cfg  bot.Config
		user string
		text string
		want string
	}{
		{"caller not mapped", bot.Config{}, "zoe", "/meet create x @alice", "You have no phone number"},
		{"party not mapped", bot.Config{}, "alice", "/meet create x @zoe", "@zoe has no phone number"},
		{"needs company", bot.Config{}, "alice", "/meet create lonely", "needs someone besides you"},
		{"self only", bot.Config{}, "alice", "/meet create x @alice", "needs someone besides you"},
		{"party cap", bot.Config{Policy: bot.Policy{MeetingMaxParties: 2}}, "alice", "/meet create x @bob @carol", "limit is 2"},
		{"raw numbers off", bot.Config{Policy: bot.Policy{NumberAllow: []*regexp.Regexp{regexp.MustCompile(".")}}}, "alice", "/meet create x 13500000009", "Typing phone numbers is turned off"},
		{"allow-list", bot.Config{Policy: bot.Policy{AllowRawNumbers: true, NumberAllow: []*regexp.Regexp{regexp.MustCompile(`^139`)}}}, "bob", "/call dialback 13500000009", "not allowed"},
		{"max too short", bot.Config{}, "alice", "/call dialback @bob --max 60s", "--max must be"},
		{"max above ceiling", bot.Config{Policy: bot.Policy{DialbackCeiling: time.Hour}}, "alice", "/call dialback @bob --max 2h", "at most 1:00:00"},
		{"from needs admin", bot.Config{}, "alice", "/call dialback @bob --from @carol", "Only admins"},
		{"dial-back one party", bot.Config{}, "alice", "/call dialback @bob @carol", "one person"},
		{"same number", bot.Config{}, "alice", "/call dialback 13800000001", "same number"},
		{"extension on a leg", bot.Config{}, "alice", "/call dialback 01053889900,12", "extension"},
		{"hourly limit", bot.Config{Policy: bot.Policy{CallsPerUserPerHour: 2}}, "alice", "/meet create x @bob @carol", "limit of 2 rings per hour"},
		{"end without meeting", bot.Config{}, "alice", "/meet end", "no open meeting"},
		{"unknown ref", bot.Config{}, "alice", "/meet status #42", "don't know meeting #42"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := demo(t, tc.cfg)
			rep := e.Say(tc.user, tc.text)
			if !strings.Contains(rep.Text, tc.want) {
				t.Errorf("reply %q, want it to contain %q", rep.Text, tc.want)
			}
			if n := len(e.Sim.Requests()); n != 0 {
				t.Errorf("%d requests reached YTX", n)
			}
			if len(e.Notifier.Posts()) != 0 || rep.Card != nil {
				t.Error("a refusal posted a card")
			}
			if fullNumber.MatchString(rep.Text) && tc.name != "same number" {
				t.Errorf("refusal shows a number: %q", rep.Text)
			}
		})
	}
}

func TestDoNotDisturb(t *testing.T) {
	e := demo(t, bot.Config{})
	if rep := e.Say("bob", "/phone dnd on"); !strings.Contains(rep.Text, "Do not disturb is on") {
		t.Fatalf("dnd: %q", rep.Text)
	}
	for _, text := range []string{"/call dialback @bob", "/call 13900000002", "/meet create x @bob"} {
		if rep := e.Say("alice", text); !strings.Contains(rep.Text, "bob has turned on do not disturb") || fullNumber.MatchString(rep.Text) {
			t.Errorf("%s: %q", text, rep.Text)
		}
	}
	if rep := e.Say("bob", "/call dialback @alice"); rep.Card == nil {
		t.Errorf("bob could not start his own call: %q", rep.Text)
	}
	if n := ytxRequests(e, ytx.ActionDialBack) + ytxRequests(e, ytx.ActionCreateMeeting); n != 1 {
		t.Errorf("%d ringing requests, want only bob's own", n)
	}
}

func TestDuplicateGuard(t *testing.T) {
	e := demo(t, bot.Config{Policy: bot.Policy{DuplicateWindow: 30 * time.Second}})
	if rep := e.Say("alice", "/meet create a @bob"); rep.Card == nil {
		t.Fatal(rep.Text)
	}
	rep := e.Say("alice", "/meet create b @bob")
	if !strings.Contains(rep.Text, "same meeting just now") || len(rep.Buttons) != 1 {
		t.Fatalf("duplicate: %q %v", rep.Text, rep.Buttons)
	}
	if strings.Contains(rep.Buttons[0].ID, "139") {
		t.Errorf("button id carries a number: %s", rep.Buttons[0].ID)
	}
	if other := e.Click("bob", rep.Buttons[0].ID); other.Card != nil {
		t.Error("someone else confirmed alice's meeting")
	}
	if again := e.Click("alice", rep.Buttons[0].ID); again.Card == nil {
		t.Errorf("Create anyway: %q", again.Text)
	}
	if e.Say("alice", "/meet create c @bob --confirm").Card == nil {
		t.Error("--confirm did not create")
	}
	if n := ytxRequests(e, ytx.ActionCreateMeeting); n != 3 {
		t.Errorf("%d meetings created, want 3", n)
	}
}

func TestDialBack(t *testing.T) {
	e := demo(t, bot.Config{})
	rep := e.Say("alice", "/call dialback @bob --max 10m")
	if rep.Card == nil {
		t.Fatalf("no card: %q", rep.Text)
	}
	card := e.Notifier.Card(rep.Card)
	if card.Ref != "c1" || card.Status != "placed" || len(card.Rows) != 2 {
		t.Errorf("card:\n%s", card.Text())
	}
	var placed ytxsim.CallState
	for _, r := range e.Sim.Requests() {
		if r.Action == ytx.ActionDialBack {
			if !strings.Contains(string(r.Body), `"src":"13800000001"`) || !strings.Contains(string(r.Body), `"dst":"13900000002"`) || !strings.Contains(string(r.Body), `"credit":"600"`) {
				t.Errorf("request %s", r.Body)
			}
		}
	}
	_ = placed
	if st := e.Say("alice", "/call status"); !strings.Contains(st.Text, "c1") {
		t.Errorf("call status: %q", st.Text)
	}
	if st := e.Say("carol", "/call status c1"); !strings.Contains(st.Text, "someone else's") {
		t.Errorf("carol read alice's call: %q", st.Text)
	}
	// Admins may ring someone else first.
	if rep := e.Say("admin", "/call dialback @carol --from @bob"); rep.Card == nil {
		t.Errorf("--from by an admin: %q", rep.Text)
	}
	assertMasked(t, e)
}

func TestYTXFailures(t *testing.T) {
	e := demo(t, bot.Config{})
	e.Sim.FailNext(ytx.ActionDialBack, ytx.CodeLowBalance, 1)
	rep := e.Say("alice", "/call dialback @bob")
	if !strings.Contains(rep.Text, "balance is too low") || rep.Card != nil || strings.Contains(rep.Text, "{") {
		t.Errorf("-204: %q", rep.Text)
	}
	e.Sim.FailNext(ytx.ActionCreateMeeting, ytx.CodeRateLimited, 1)
	if rep := e.Say("alice", "/meet create x @bob"); !strings.Contains(rep.Text, "YTX is rate limiting, try again in a minute") {
		t.Errorf("-104: %q", rep.Text)
	}
	if n := ytxRequests(e, ytx.ActionCreateMeeting); n != 1 {
		t.Errorf("-104 on create was retried: %d requests", n)
	}

	e.Sim.DropNext(ytx.ActionDialBack, 1, ytxsim.DropAfter)
	rep = e.Say("alice", "/call dialback @carol")
	if !strings.Contains(rep.Text, "can't tell whether the phones are ringing") || rep.Card == nil {
		t.Fatalf("outcome unknown: %q", rep.Text)
	}
	card := e.Notifier.Card(rep.Card)
	if len(card.Buttons) != 1 || card.Buttons[0].Label != "Check again" {
		t.Errorf("unknown card:\n%s", card.Text())
	}
	if n := ytxRequests(e, ytx.ActionDialBack); n != 2 {
		t.Errorf("%d dial-back requests: something was resent", n)
	}
	ins, _ := e.Store.Intents(context.Background(), "unknown")
	if len(ins) != 1 {
		t.Errorf("intents with unknown outcome: %d", len(ins))
	}
}

func TestIdempotentRequests(t *testing.T) {
	e := demo(t, bot.Config{})
	req := &bot.Request{ID: "trigger-1", Platform: bot.Console, Channel: "demo", UserID: "alice", Text: "/call dialback @bob"}
	first := e.Bot.Handle(context.Background(), req)
	again := e.Bot.Handle(context.Background(), req)
	if first.Card == nil || !again.Silent {
		t.Errorf("first %+v, again %+v", first, again)
	}
	if n := ytxRequests(e, ytx.ActionDialBack); n != 1 {
		t.Errorf("%d dial-backs for one request", n)
	}
}

func TestPhoneCommands(t *testing.T) {
	e := demo(t, bot.Config{})
	if rep := e.Say("zoe", "/phone set 13511112222"); !strings.Contains(rep.Text, "Self-service is off") {
		t.Errorf("self-service off: %q", rep.Text)
	}
	if rep := e.Say("admin", "/phone set @zoe +86 135-1111-2222"); !strings.Contains(rep.Text, "zoe's number is 13511112222") {
		t.Errorf("admin set: %q", rep.Text)
	}
	if rep := e.Say("alice", "/phone set @zoe 13511113333"); !strings.Contains(rep.Text, "Only admins") {
		t.Errorf("member mapped someone else: %q", rep.Text)
	}
	if rep := e.Say("alice", "/phone list"); !strings.Contains(rep.Text, "Only admins") {
		t.Errorf("member listed: %q", rep.Text)
	}
	if rep := e.Say("admin", "/phone list"); !strings.Contains(rep.Text, "console:zoe") {
		t.Errorf("list: %q", rep.Text)
	}
	if rep := e.Say("zoe", "/phone show"); !strings.Contains(rep.Text, "13511112222") {
		t.Errorf("show: %q", rep.Text)
	}

	s := demo(t, bot.Config{Policy: bot.Policy{SelfService: true}})
	if rep := s.Say("zoe", "/phone set 13800000001"); !strings.Contains(rep.Text, "already mapped to someone else") {
		t.Errorf("unique claim: %q", rep.Text)
	}
	if rep := s.Say("zoe", "/phone set 13511112222"); !strings.Contains(rep.Text, "your number is 13511112222") {
		t.Errorf("self-service: %q", rep.Text)
	}
	if rep := s.Say("admin", "/phone set @yan 13511112222"); !strings.Contains(rep.Text, "yan's number") {
		t.Errorf("admins may share a number: %q", rep.Text)
	}
	if rep := s.Say("zoe", "/phone remove"); !strings.Contains(rep.Text, "Removed") {
		t.Errorf("remove: %q", rep.Text)
	}

	if rep := e.Say("admin", "/phone admin add @alice"); !strings.Contains(rep.Text, "alice is now an admin") {
		t.Errorf("admin add: %q", rep.Text)
	}
	if rep := e.Say("alice", "/phone admin remove @admin"); !strings.Contains(rep.Text, "set in the configuration") {
		t.Errorf("removing a config admin: %q", rep.Text)
	}
	if rep := e.Say("alice", "/phone admin remove @alice"); !strings.Contains(rep.Text, "no longer an admin") {
		t.Errorf("alice stepping down: %q", rep.Text)
	}
	audit, _ := e.Store.Audit(context.Background(), time.Time{})
	if len(audit) < 3 {
		t.Errorf("audit has %d entries", len(audit))
	}
	for _, a := range audit {
		if fullNumber.MatchString(a.Target) {
			t.Errorf("audit target not masked: %+v", a)
		}
	}
}

func TestLastAdmin(t *testing.T) {
	e := demo(t, bot.Config{Admins: []string{}})
	e.Store.PutUser(context.Background(), &bot.User{Identity: "console:root", Admin: true})
	if rep := e.Say("root", "/phone admin remove @root"); !strings.Contains(rep.Text, "last admin") {
		t.Errorf("last admin: %q", rep.Text)
	}
}

func TestBookedMeeting(t *testing.T) {
	e := demo(t, bot.Config{})
	rep := e.Say("alice", "/meet create planning @bob --at tomorrow 10:00")
	if rep.Card == nil || !strings.Contains(rep.Text, "booked for 2026-11-26 10:00") {
		t.Fatalf("book: %q", rep.Text)
	}
	if rep := e.Say("alice", "/meet reschedule #1 --at tomorrow 11:30"); !strings.Contains(rep.Text, "2026-11-26 11:30") {
		t.Errorf("reschedule: %q", rep.Text)
	}
	if rep := e.Say("bob", "/meet cancel #1"); !strings.Contains(rep.Text, "Only the meeting's creator") {
		t.Errorf("bob cancelled: %q", rep.Text)
	}
	if rep := e.Say("alice", "/meet cancel #1"); !strings.Contains(rep.Text, "cancelled") {
		t.Errorf("cancel: %q", rep.Text)
	}
	ms := e.Sim.Meetings()
	if len(ms) != 1 || ms[0].State != ytxsim.StateCancelled {
		t.Errorf("simulator: %+v", ms)
	}
}

func TestChineseReplies(t *testing.T) {
	e := demo(t, bot.Config{Locale: "zh-CN"})
	if rep := e.Say("zoe", "/meet create x @alice"); !strings.Contains(rep.Text, "还没有登记电话号码") {
		t.Errorf("zh-CN: %q", rep.Text)
	}
	en := e.Bot.Handle(context.Background(), &bot.Request{Platform: bot.Console, Channel: "demo", UserID: "zoe", Locale: "en-US", Text: "/meet create x @alice"})
	if !strings.Contains(en.Text, "You have no phone number") {
		t.Errorf("per-user locale: %q", en.Text)
	}
}

func TestButtons(t *testing.T) {
	e := demo(t, bot.Config{})
	rep := e.Say("alice", "/meet create x @bob @carol")
	card := e.Notifier.Card(rep.Card)
	var hangBob, end string
	for _, r := range card.Rows {
		if r.Name == "bob" && r.Hangup != nil {
			hangBob = r.Hangup.ID
		}
	}
	for _, b := range card.Buttons {
		if b.Label == "End meeting" {
			end = b.ID
		}
	}
	if hangBob == "" || end == "" || fullNumber.MatchString(hangBob+end) {
		t.Fatalf("buttons %q %q", hangBob, end)
	}
	if rep := e.Click("carol", hangBob); !strings.Contains(rep.Text, "Only the meeting's creator") {
		t.Errorf("carol hung up bob: %q", rep.Text)
	}
	if rep := e.Click("alice", hangBob); !strings.Contains(rep.Text, "Hung up bob") {
		t.Errorf("hang up button: %q", rep.Text)
	}
	if got := e.Notifier.Card(card0(e)).Rows[1].State; got != "left" {
		t.Errorf("card row after hang up: %s", got)
	}
	if rep := e.Click("alice", end); !strings.Contains(rep.Text, "ended") {
		t.Errorf("end button: %q", rep.Text)
	}
	if rep := e.Click("alice", "m:99:end"); !strings.Contains(rep.Text, "no longer applies") {
		t.Errorf("stale button: %q", rep.Text)
	}
}

func card0(e *bottest.Env) *bot.CardRef {
	return &bot.CardRef{Platform: bot.Console, Channel: "demo", MessageID: "1"}
}

func TestNotInChannel(t *testing.T) {
	e := demo(t, bot.Config{})
	e.Notifier.PostErr = errors.Join(bot.ErrNotInChannel)
	rep := e.Say("alice", "/call dialback @bob")
	if !strings.Contains(rep.Text, "invite me") || !strings.Contains(rep.Text, "c1") {
		t.Errorf("not in channel: %q", rep.Text)
	}
}
