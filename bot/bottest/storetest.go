package bottest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/ytx"
)

// StoreSuite checks that a bot.Store keeps the contract the bot relies on,
// as bot/memstore defines it: every method, ErrNotFound for a missing key,
// returned records that are the caller's own copies, the phone index, the
// filters and newest-first order of Meetings and Calls, first-wins MarkSeen,
// and safe concurrent use. open must return a new, empty store for each
// subtest (and close it with t.Cleanup if it needs closing).
func StoreSuite(t *testing.T, open func(t *testing.T) bot.Store) {
	t.Run("Users", func(t *testing.T) { storeUsers(t, open(t)) })
	t.Run("PhoneIndex", func(t *testing.T) { storePhoneIndex(t, open(t)) })
	t.Run("Usernames", func(t *testing.T) { storeUsernames(t, open(t)) })
	t.Run("NextID", func(t *testing.T) { storeNextID(t, open(t)) })
	t.Run("Meeting", func(t *testing.T) { storeMeeting(t, open(t)) })
	t.Run("MeetingsFilter", func(t *testing.T) { storeMeetingsFilter(t, open(t)) })
	t.Run("Call", func(t *testing.T) { storeCall(t, open(t)) })
	t.Run("CallsFilter", func(t *testing.T) { storeCallsFilter(t, open(t)) })
	t.Run("MarkSeen", func(t *testing.T) { storeMarkSeen(t, open(t)) })
	t.Run("Intents", func(t *testing.T) { storeIntents(t, open(t)) })
	t.Run("Audit", func(t *testing.T) { storeAudit(t, open(t)) })
	t.Run("Hits", func(t *testing.T) { storeHits(t, open(t)) })
	t.Run("Concurrent", func(t *testing.T) { storeConcurrent(t, open(t)) })
	t.Run("CallByRequestID", func(t *testing.T) { storeCallByRequestID(t, open(t)) })
	t.Run("Pushes", func(t *testing.T) { storePushes(t, open(t)) })
}

// StoreBase is the suite's reference time; records built by the sample
// helpers are relative to it.
var StoreBase = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// SampleUser, SampleMeeting and SampleCall return fully populated records
// (every field set, Parties and Card included) for store tests.
func SampleUser(identity, phone string) *bot.User {
	return &bot.User{Identity: identity, Name: "Name of " + identity, Phone: phone, Verified: true,
		Admin: true, DND: true, Locale: "zh-CN", Updated: StoreBase.Add(time.Minute)}
}

// SampleMeeting: see SampleUser.
func SampleMeeting(id int64, ytxID string) *bot.Meeting {
	return &bot.Meeting{
		ID: id, YTXID: ytxID, Password: "123456", CallerID: "01053189900", Title: "standup",
		Platform: bot.Slack, Workspace: "T1", Channel: "C1", Creator: "slack:T1:U1",
		Parties: []bot.Participant{
			{Identity: "slack:T1:U1", Name: "Ann", Phone: "13800000001", State: ytx.PartyJoined, Joined: StoreBase.Add(time.Minute)},
			{Name: "13800000002", Phone: "13800000002", State: bot.PartyInvited, Reason: "busy", Left: StoreBase.Add(2 * time.Minute)},
		},
		State: ytx.MeetingActive, BookedFor: StoreBase.Add(time.Hour), Created: StoreBase,
		Started: StoreBase.Add(time.Second), Ended: StoreBase.Add(3 * time.Minute), CustomParm: "m-" + ytxID,
		Card:      &bot.CardRef{Platform: bot.Slack, Workspace: "T1", Channel: "C1", MessageID: "1700000000.000100"},
		Refreshed: StoreBase.Add(4 * time.Second), Unreadable: true, IntentID: "intent-" + ytxID,
	}
}

// SampleCall: see SampleUser.
func SampleCall(id int64) *bot.Call {
	return &bot.Call{
		ID: id, RequestID: fmt.Sprint("req-", id), CustomParm: fmt.Sprint("c-", id),
		Platform: bot.Telegram, Workspace: "", Channel: "-1001", Caller: "telegram:1",
		From: bot.Participant{Identity: "telegram:1", Name: "Ann", Phone: "13800000001", State: ytx.PartyJoined},
		To:   bot.Participant{Name: "Bob", Phone: "01053889900", State: bot.PartyInvited, Reason: "no answer"},
		Max:  30 * time.Minute, State: bot.CallRinging, Created: StoreBase, Ended: StoreBase.Add(time.Minute),
		Duration: 42 * time.Second, Card: &bot.CardRef{Platform: bot.Telegram, Channel: "-1001", MessageID: "77"},
		IntentID: fmt.Sprint("intent-c", id),
	}
}

// sameJSON fails unless got and want encode to the same JSON: equal values
// whatever the time.Time location pointer or monotonic reading.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.MarshalIndent(want, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if string(g) != string(w) {
		t.Errorf("%s:\ngot  %s\nwant %s", what, g, w)
	}
}

func mustOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("%s: error %v, want bot.ErrNotFound", what, err)
	}
}

func storeUsers(t *testing.T, st bot.Store) {
	ctx := t.Context()
	_, err := st.User(ctx, "slack:T1:U1")
	wantNotFound(t, "User of an unknown identity", err)
	users, err := st.Users(ctx)
	mustOK(t, "Users", err)
	if len(users) != 0 {
		t.Errorf("Users of an empty store: %d", len(users))
	}

	u := SampleUser("slack:T1:U1", "13800000001")
	mustOK(t, "PutUser", st.PutUser(ctx, u))
	u.Name = "changed by the caller after PutUser"
	got, err := st.User(ctx, "slack:T1:U1")
	mustOK(t, "User", err)
	sameJSON(t, "User after PutUser", got, SampleUser("slack:T1:U1", "13800000001"))
	got.Name, got.Admin = "mutated", false
	again, err := st.User(ctx, "slack:T1:U1")
	mustOK(t, "User", err)
	sameJSON(t, "User after mutating a returned copy", again, SampleUser("slack:T1:U1", "13800000001"))

	mustOK(t, "PutUser", st.PutUser(ctx, SampleUser("telegram:42", "")))
	mustOK(t, "PutUser", st.PutUser(ctx, SampleUser("console:bob", "13800000009")))
	users, err = st.Users(ctx)
	mustOK(t, "Users", err)
	var ids []string
	for _, u := range users {
		ids = append(ids, u.Identity)
	}
	if want := []string{"console:bob", "slack:T1:U1", "telegram:42"}; !slices.Equal(ids, want) {
		t.Errorf("Users: %q, want %q (sorted by identity)", ids, want)
	}
	users[1].Name = "mutated"
	again, _ = st.User(ctx, "slack:T1:U1")
	sameJSON(t, "User after mutating a Users element", again, SampleUser("slack:T1:U1", "13800000001"))

	// PutUser replaces the whole record.
	repl := &bot.User{Identity: "slack:T1:U1", Name: "Ann", Phone: "13800000001", Updated: StoreBase.Add(time.Hour)}
	mustOK(t, "PutUser", st.PutUser(ctx, repl))
	got, err = st.User(ctx, "slack:T1:U1")
	mustOK(t, "User", err)
	sameJSON(t, "User after a second PutUser", got, repl)

	mustOK(t, "DeleteUser", st.DeleteUser(ctx, "slack:T1:U1"))
	_, err = st.User(ctx, "slack:T1:U1")
	wantNotFound(t, "User after DeleteUser", err)
	mustOK(t, "DeleteUser of an unknown identity", st.DeleteUser(ctx, "slack:T1:U1"))
	users, _ = st.Users(ctx)
	if len(users) != 2 {
		t.Errorf("Users after DeleteUser: %d, want 2", len(users))
	}
}

func storePhoneIndex(t *testing.T, st bot.Store) {
	ctx := t.Context()
	const p1, p2 = "13800000001", "01053889900"
	check := func(when, phone string, want ...string) {
		t.Helper()
		got, err := st.IdentitiesByPhone(ctx, phone)
		mustOK(t, "IdentitiesByPhone", err)
		if len(got) != 0 || len(want) != 0 {
			if !slices.Equal(got, want) {
				t.Errorf("%s: IdentitiesByPhone(%q) = %q, want %q", when, phone, got, want)
			}
		}
	}
	check("empty store", p1)
	put := func(id, phone string) {
		t.Helper()
		mustOK(t, "PutUser", st.PutUser(ctx, SampleUser(id, phone)))
	}
	put("telegram:2", p1)
	put("slack:T1:U1", p1)
	put("slack:T1:U3", p2)
	put("console:nophone", "")
	check("two users share a number", p1, "slack:T1:U1", "telegram:2")
	check("one user", p2, "slack:T1:U3")
	check("the empty number", "")
	check("an unknown number", "13999999999")

	got, _ := st.IdentitiesByPhone(ctx, p1)
	got[0] = "mutated"
	check("after mutating a returned slice", p1, "slack:T1:U1", "telegram:2")

	put("slack:T1:U1", p2) // the number changes
	check("old number after a change", p1, "telegram:2")
	check("new number after a change", p2, "slack:T1:U1", "slack:T1:U3")
	put("slack:T1:U1", p2) // unchanged: no duplicate
	check("after putting the same number again", p2, "slack:T1:U1", "slack:T1:U3")
	put("slack:T1:U3", "") // the number is removed
	check("after removing a number", p2, "slack:T1:U1")
	check("the empty number", "")

	mustOK(t, "DeleteUser", st.DeleteUser(ctx, "slack:T1:U1"))
	check("after DeleteUser", p2)
	mustOK(t, "DeleteUser", st.DeleteUser(ctx, "telegram:2"))
	check("after DeleteUser", p1)
}

func storeUsernames(t *testing.T, st bot.Store) {
	ctx := t.Context()
	_, err := st.Username(ctx, bot.Telegram, "ann")
	wantNotFound(t, "Username unknown", err)
	mustOK(t, "PutUsername", st.PutUsername(ctx, bot.Telegram, "ann", "telegram:1"))
	mustOK(t, "PutUsername", st.PutUsername(ctx, bot.Telegram, "bob", "telegram:2"))
	check := func(p bot.Platform, name, want string) {
		t.Helper()
		got, err := st.Username(ctx, p, name)
		mustOK(t, "Username", err)
		if got != want {
			t.Errorf("Username(%s, %q) = %q, want %q", p, name, got, want)
		}
	}
	check(bot.Telegram, "ann", "telegram:1")
	check(bot.Telegram, "bob", "telegram:2")
	// Another user took the name (after a rename): the latest wins.
	mustOK(t, "PutUsername", st.PutUsername(ctx, bot.Telegram, "ann", "telegram:3"))
	check(bot.Telegram, "ann", "telegram:3")
	// The renamed user keeps a new name; the old mapping is not theirs.
	mustOK(t, "PutUsername", st.PutUsername(ctx, bot.Telegram, "ann_new", "telegram:1"))
	check(bot.Telegram, "ann_new", "telegram:1")
	_, err = st.Username(ctx, bot.Slack, "ann")
	wantNotFound(t, "Username of another platform", err)
}

func storeNextID(t *testing.T, st bot.Store) {
	ctx := t.Context()
	next := func(seq string) int64 {
		t.Helper()
		id, err := st.NextID(ctx, seq)
		mustOK(t, "NextID", err)
		return id
	}
	m1, m2, m3 := next("meeting"), next("meeting"), next("meeting")
	if !(m1 > 0 && m1 < m2 && m2 < m3) {
		t.Errorf("NextID(meeting) = %d, %d, %d: want positive and increasing", m1, m2, m3)
	}
	c1 := next("call")
	if c1 != m1 {
		t.Errorf("first NextID(call) = %d, first NextID(meeting) = %d: sequences must be independent", c1, m1)
	}
	if m4 := next("meeting"); m4 <= m3 {
		t.Errorf("NextID(meeting) after NextID(call) = %d, want > %d", m4, m3)
	}
	if c2 := next("call"); c2 <= c1 {
		t.Errorf("second NextID(call) = %d, want > %d", c2, c1)
	}
}

func storeMeeting(t *testing.T, st bot.Store) {
	ctx := t.Context()
	_, err := st.Meeting(ctx, 1)
	wantNotFound(t, "Meeting unknown", err)
	_, err = st.MeetingByYTXID(ctx, "Y1")
	wantNotFound(t, "MeetingByYTXID unknown", err)

	m := SampleMeeting(1, "Y1")
	mustOK(t, "PutMeeting", st.PutMeeting(ctx, m))
	// The store keeps its own copy of what it was given.
	m.Parties[0].Name, m.Card.MessageID, m.Title = "mutated", "mutated", "mutated"
	m.Parties = append(m.Parties, bot.Participant{Name: "extra"})

	got, err := st.Meeting(ctx, 1)
	mustOK(t, "Meeting", err)
	sameJSON(t, "Meeting after PutMeeting", got, SampleMeeting(1, "Y1"))
	got.Parties[0].State, got.Parties[1].Name, got.Card.Channel = "mutated", "mutated", "mutated"
	got.Parties = append(got.Parties, bot.Participant{Name: "extra"})
	again, _ := st.Meeting(ctx, 1)
	sameJSON(t, "Meeting after mutating a returned copy", again, SampleMeeting(1, "Y1"))

	byYTX, err := st.MeetingByYTXID(ctx, "Y1")
	mustOK(t, "MeetingByYTXID", err)
	sameJSON(t, "MeetingByYTXID", byYTX, SampleMeeting(1, "Y1"))
	byYTX.Parties[0].Name, byYTX.Card.MessageID = "mutated", "mutated"
	again, _ = st.MeetingByYTXID(ctx, "Y1")
	sameJSON(t, "MeetingByYTXID after mutating a returned copy", again, SampleMeeting(1, "Y1"))
	_, err = st.MeetingByYTXID(ctx, "")
	wantNotFound(t, `MeetingByYTXID("") with meetings present`, err)

	// A meeting without a YTX id yet (outcome unknown), a card or parties.
	bare := &bot.Meeting{ID: 2, State: bot.MeetingUnknown, Platform: bot.Console, Channel: "demo", Created: StoreBase}
	mustOK(t, "PutMeeting", st.PutMeeting(ctx, bare))
	got, err = st.Meeting(ctx, 2)
	mustOK(t, "Meeting", err)
	sameJSON(t, "Meeting without card", got, bare)
	if got.Card != nil {
		t.Errorf("Meeting without card: Card = %+v, want nil", got.Card)
	}
	_, err = st.MeetingByYTXID(ctx, "")
	wantNotFound(t, `MeetingByYTXID("") with a meeting that has no YTX id`, err)

	// Updates replace the record and move the YTX id index.
	up := SampleMeeting(1, "Y2")
	up.State, up.Parties = ytx.MeetingEnded, up.Parties[:1]
	mustOK(t, "PutMeeting", st.PutMeeting(ctx, up))
	got, _ = st.Meeting(ctx, 1)
	sameJSON(t, "Meeting after update", got, up)
	_, err = st.MeetingByYTXID(ctx, "Y1")
	wantNotFound(t, "MeetingByYTXID of the old YTX id", err)
	got, err = st.MeetingByYTXID(ctx, "Y2")
	mustOK(t, "MeetingByYTXID of the new YTX id", err)
	sameJSON(t, "MeetingByYTXID of the new YTX id", got, up)

	// The outcome becomes known later: the YTX id is set on an update.
	bare.YTXID, bare.State = "Y3", ytx.MeetingActive
	mustOK(t, "PutMeeting", st.PutMeeting(ctx, bare))
	got, err = st.MeetingByYTXID(ctx, "Y3")
	mustOK(t, "MeetingByYTXID after the id is learnt", err)
	if got.ID != 2 {
		t.Errorf("MeetingByYTXID(Y3).ID = %d, want 2", got.ID)
	}
}

func storeMeetingsFilter(t *testing.T, st bot.Store) {
	ctx := t.Context()
	got, err := st.Meetings(ctx, bot.MeetingFilter{})
	mustOK(t, "Meetings", err)
	if len(got) != 0 {
		t.Errorf("Meetings of an empty store: %d", len(got))
	}
	rows := []struct {
		id        int64
		p         bot.Platform
		ws, ch    string
		state     string
		withCards bool
	}{
		{4, bot.Slack, "T2", "C1", bot.MeetingUnknown, true},
		{1, bot.Slack, "T1", "C1", ytx.MeetingEnded, true},
		{7, bot.Console, "", "demo", ytx.MeetingActive, false},
		{3, bot.Telegram, "", "-100", ytx.MeetingBooked, true},
		{6, bot.Slack, "T1", "C1", bot.MeetingFailed, false},
		{2, bot.Slack, "T1", "C2", ytx.MeetingActive, true},
		{5, bot.Slack, "T1", "C1", ytx.MeetingCancelled, true},
	}
	for _, r := range rows { // not in id order: the order must come from the ids
		m := SampleMeeting(r.id, fmt.Sprint("Y", r.id))
		m.Platform, m.Workspace, m.Channel, m.State = r.p, r.ws, r.ch, r.state
		if !r.withCards {
			m.Card = nil
		}
		mustOK(t, "PutMeeting", st.PutMeeting(ctx, m))
	}
	for _, tc := range []struct {
		name string
		f    bot.MeetingFilter
		want []int64
	}{
		{"all, newest first", bot.MeetingFilter{}, []int64{7, 6, 5, 4, 3, 2, 1}},
		{"platform", bot.MeetingFilter{Platform: bot.Slack}, []int64{6, 5, 4, 2, 1}},
		{"workspace", bot.MeetingFilter{Platform: bot.Slack, Workspace: "T1"}, []int64{6, 5, 2, 1}},
		{"channel", bot.MeetingFilter{Platform: bot.Slack, Workspace: "T1", Channel: "C1"}, []int64{6, 5, 1}},
		{"channel alone", bot.MeetingFilter{Channel: "C1"}, []int64{6, 5, 4, 1}},
		{"active only: booked, active, unknown", bot.MeetingFilter{ActiveOnly: true}, []int64{7, 4, 3, 2}},
		{"active only in a platform", bot.MeetingFilter{Platform: bot.Slack, ActiveOnly: true}, []int64{4, 2}},
		{"limit", bot.MeetingFilter{Limit: 3}, []int64{7, 6, 5}},
		{"limit after filtering", bot.MeetingFilter{Platform: bot.Slack, Workspace: "T1", Limit: 2}, []int64{6, 5}},
		{"limit with active only", bot.MeetingFilter{ActiveOnly: true, Limit: 1}, []int64{7}},
		{"limit above the count", bot.MeetingFilter{Limit: 100}, []int64{7, 6, 5, 4, 3, 2, 1}},
		{"no match", bot.MeetingFilter{Workspace: "T9"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.Meetings(ctx, tc.f)
			mustOK(t, "Meetings", err)
			var ids []int64
			for _, m := range got {
				ids = append(ids, m.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("Meetings(%+v) = %v, want %v", tc.f, ids, tc.want)
			}
		})
	}
	// Listed meetings are copies too.
	got, _ = st.Meetings(ctx, bot.MeetingFilter{Platform: bot.Telegram})
	if len(got) != 1 {
		t.Fatalf("Meetings(telegram): %d, want 1", len(got))
	}
	got[0].Parties[0].Name, got[0].Card.MessageID, got[0].State = "mutated", "mutated", "mutated"
	m, _ := st.Meeting(ctx, 3)
	want := SampleMeeting(3, "Y3")
	want.Platform, want.Workspace, want.Channel, want.State = bot.Telegram, "", "-100", ytx.MeetingBooked
	sameJSON(t, "Meeting after mutating a Meetings element", m, want)
}

func storeCall(t *testing.T, st bot.Store) {
	ctx := t.Context()
	_, err := st.Call(ctx, 1)
	wantNotFound(t, "Call unknown", err)

	c := SampleCall(1)
	mustOK(t, "PutCall", st.PutCall(ctx, c))
	c.Card.MessageID, c.To.Name, c.State = "mutated", "mutated", "mutated"
	got, err := st.Call(ctx, 1)
	mustOK(t, "Call", err)
	sameJSON(t, "Call after PutCall", got, SampleCall(1))
	got.Card.Channel, got.From.Phone = "mutated", "mutated"
	again, _ := st.Call(ctx, 1)
	sameJSON(t, "Call after mutating a returned copy", again, SampleCall(1))

	up := SampleCall(1)
	up.State, up.Card, up.Duration = bot.CallEnded, nil, 5*time.Minute
	mustOK(t, "PutCall", st.PutCall(ctx, up))
	got, _ = st.Call(ctx, 1)
	sameJSON(t, "Call after update", got, up)
	if got.Card != nil {
		t.Errorf("Call without card: Card = %+v, want nil", got.Card)
	}
	_, err = st.Call(ctx, 2)
	wantNotFound(t, "Call of another id", err)
}

func storeCallsFilter(t *testing.T, st bot.Store) {
	ctx := t.Context()
	got, err := st.Calls(ctx, bot.CallFilter{})
	mustOK(t, "Calls", err)
	if len(got) != 0 {
		t.Errorf("Calls of an empty store: %d", len(got))
	}
	rows := []struct {
		id             int64
		p              bot.Platform
		ws, ch, caller string
	}{
		{5, bot.Slack, "T2", "C1", "slack:T2:A"},
		{2, bot.Slack, "T1", "C1", "slack:T1:B"},
		{1, bot.Slack, "T1", "C1", "slack:T1:A"},
		{3, bot.Telegram, "", "-100", "telegram:7"},
		{4, bot.Slack, "T1", "C2", "slack:T1:A"},
	}
	for _, r := range rows {
		c := SampleCall(r.id)
		c.Platform, c.Workspace, c.Channel, c.Caller = r.p, r.ws, r.ch, r.caller
		mustOK(t, "PutCall", st.PutCall(ctx, c))
	}
	for _, tc := range []struct {
		name string
		f    bot.CallFilter
		want []int64
	}{
		{"all, newest first", bot.CallFilter{}, []int64{5, 4, 3, 2, 1}},
		{"platform", bot.CallFilter{Platform: bot.Slack}, []int64{5, 4, 2, 1}},
		{"workspace", bot.CallFilter{Platform: bot.Slack, Workspace: "T1"}, []int64{4, 2, 1}},
		{"channel", bot.CallFilter{Platform: bot.Slack, Workspace: "T1", Channel: "C1"}, []int64{2, 1}},
		{"channel alone", bot.CallFilter{Channel: "C1"}, []int64{5, 2, 1}},
		{"caller", bot.CallFilter{Caller: "slack:T1:A"}, []int64{4, 1}},
		{"caller and channel", bot.CallFilter{Caller: "slack:T1:A", Channel: "C1"}, []int64{1}},
		{"limit", bot.CallFilter{Limit: 2}, []int64{5, 4}},
		{"limit after filtering", bot.CallFilter{Workspace: "T1", Limit: 1}, []int64{4}},
		{"limit above the count", bot.CallFilter{Limit: 9}, []int64{5, 4, 3, 2, 1}},
		{"no match", bot.CallFilter{Caller: "nobody"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.Calls(ctx, tc.f)
			mustOK(t, "Calls", err)
			var ids []int64
			for _, c := range got {
				ids = append(ids, c.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("Calls(%+v) = %v, want %v", tc.f, ids, tc.want)
			}
		})
	}
	got, _ = st.Calls(ctx, bot.CallFilter{Platform: bot.Telegram})
	if len(got) != 1 {
		t.Fatalf("Calls(telegram): %d, want 1", len(got))
	}
	got[0].Card.MessageID, got[0].State = "mutated", "mutated"
	c, _ := st.Call(ctx, 3)
	want := SampleCall(3)
	want.Platform, want.Workspace, want.Channel, want.Caller = bot.Telegram, "", "-100", "telegram:7"
	sameJSON(t, "Call after mutating a Calls element", c, want)
}

func storeMarkSeen(t *testing.T, st bot.Store) {
	ctx := t.Context()
	mark := func(key string, at time.Time, want bool) {
		t.Helper()
		got, err := st.MarkSeen(ctx, key, at)
		mustOK(t, "MarkSeen", err)
		if got != want {
			t.Errorf("MarkSeen(%q, %v) = %v, want %v", key, at, got, want)
		}
	}
	seen := func(key string, want bool) {
		t.Helper()
		got, err := st.Seen(ctx, key)
		mustOK(t, "Seen", err)
		if got != want {
			t.Errorf("Seen(%q) = %v, want %v", key, got, want)
		}
	}
	seen("req:slack:T1:trigger1", false)
	mark("req:slack:T1:trigger1", StoreBase, true)
	seen("req:slack:T1:trigger1", true)
	seen("req:slack:T1:trigger", false)
	mark("req:slack:T1:trigger1", StoreBase, false)
	mark("req:slack:T1:trigger1", StoreBase.Add(time.Minute), false)
	mark("req:slack:T1:trigger1", StoreBase.Add(-time.Minute), false)
	mark("req:slack:T1:trigger2", StoreBase, true)
	mark("req:telegram::trigger1", StoreBase, true)
	mark("req:slack:T1:trigger2", StoreBase, false)
}

func storeIntents(t *testing.T, st bot.Store) {
	ctx := t.Context()
	_, err := st.Intent(ctx, "i1")
	wantNotFound(t, "Intent unknown", err)
	all, err := st.Intents(ctx, "")
	mustOK(t, "Intents", err)
	if len(all) != 0 {
		t.Errorf("Intents of an empty store: %d", len(all))
	}
	mk := func(id, outcome string, created time.Duration) *bot.Intent {
		return &bot.Intent{ID: id, Kind: "dialback", Identity: "slack:T1:U1", MeetingID: 3, CallID: 4,
			Created: StoreBase.Add(created), Outcome: outcome}
	}
	draft := mk("i4", "draft", 3*time.Minute)
	draft.Kind, draft.Command = "create", "/meet create @bob --confirm"
	for _, in := range []*bot.Intent{
		mk("i1", "pending", 2*time.Minute), mk("i2", "done", 0), mk("i3", "pending", time.Minute),
		draft, mk("i5", "unknown", 4*time.Minute), mk("i0", "failed", 5*time.Minute),
	} {
		mustOK(t, "PutIntent", st.PutIntent(ctx, in))
	}
	list := func(outcome string, want ...string) {
		t.Helper()
		got, err := st.Intents(ctx, outcome)
		mustOK(t, "Intents", err)
		var ids []string
		for _, in := range got {
			ids = append(ids, in.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("Intents(%q) = %q, want %q (oldest first)", outcome, ids, want)
		}
	}
	list("", "i2", "i3", "i1", "i4", "i5", "i0")
	list("pending", "i3", "i1")
	list("draft", "i4")
	list("unknown", "i5")
	list("nothing")

	got, err := st.Intent(ctx, "i4")
	mustOK(t, "Intent", err)
	sameJSON(t, "Intent", got, draft)
	got.Outcome = "mutated"
	again, _ := st.Intent(ctx, "i4")
	sameJSON(t, "Intent after mutating a returned copy", again, draft)
	listed, _ := st.Intents(ctx, "draft")
	listed[0].Outcome = "mutated"
	list("draft", "i4")

	// The outcome is settled later by putting the intent again.
	mustOK(t, "PutIntent", st.PutIntent(ctx, mk("i1", "done", 2*time.Minute)))
	list("pending", "i3")
	list("done", "i2", "i1")
	got, _ = st.Intent(ctx, "i1")
	sameJSON(t, "Intent after update", got, mk("i1", "done", 2*time.Minute))
}

func storeAudit(t *testing.T, st bot.Store) {
	ctx := t.Context()
	got, err := st.Audit(ctx, time.Time{})
	mustOK(t, "Audit", err)
	if len(got) != 0 {
		t.Errorf("Audit of an empty store: %d", len(got))
	}
	e := func(at time.Duration, action string) bot.AuditEntry {
		return bot.AuditEntry{At: StoreBase.Add(at), Actor: "slack:T1:U1", Action: action,
			Target: "138****0000", Result: "ok", RequestID: "r-" + action}
	}
	entries := []bot.AuditEntry{
		e(0, "meet.create"), e(time.Minute, "call.dialback"),
		e(time.Minute, "phone.set"), // the same time: both are kept
		e(2*time.Minute, "meet.invite"),
	}
	for _, en := range entries {
		mustOK(t, "AddAudit", st.AddAudit(ctx, en))
	}
	for _, tc := range []struct {
		name  string
		since time.Time
		want  []bot.AuditEntry
	}{
		{"zero time: all", time.Time{}, entries},
		{"before the first", StoreBase.Add(-time.Hour), entries},
		{"at the first: inclusive", StoreBase, entries},
		{"at a shared time", StoreBase.Add(time.Minute), entries[1:]},
		{"just after a shared time", StoreBase.Add(time.Minute + time.Nanosecond), entries[3:]},
		{"after the last", StoreBase.Add(3 * time.Minute), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.Audit(ctx, tc.since)
			mustOK(t, "Audit", err)
			if len(got) == 0 && len(tc.want) == 0 {
				return
			}
			sameJSON(t, fmt.Sprintf("Audit(%v)", tc.since), got, tc.want)
		})
	}
}

func storeHits(t *testing.T, st bot.Store) {
	ctx := t.Context()
	count := func(key string, since time.Time, want int) {
		t.Helper()
		got, err := st.Hits(ctx, key, since)
		mustOK(t, "Hits", err)
		if got != want {
			t.Errorf("Hits(%q, %v) = %d, want %d", key, since, got, want)
		}
	}
	count("user:a", time.Time{}, 0)
	mustOK(t, "AddHits", st.AddHits(ctx, []string{"user:a", "target:13800000001", "global"}, StoreBase))
	mustOK(t, "AddHits", st.AddHits(ctx, []string{"user:a", "global"}, StoreBase.Add(30*time.Second)))
	mustOK(t, "AddHits", st.AddHits(ctx, []string{"user:a"}, StoreBase.Add(30*time.Second))) // same time: counts again
	mustOK(t, "AddHits", st.AddHits(ctx, []string{"user:ab"}, StoreBase.Add(40*time.Second)))
	mustOK(t, "AddHits of no keys", st.AddHits(ctx, nil, StoreBase))

	count("user:a", time.Time{}, 3)
	count("user:a", StoreBase.Add(-time.Hour), 3)
	count("user:a", StoreBase, 3) // inclusive
	count("user:a", StoreBase.Add(time.Nanosecond), 2)
	count("user:a", StoreBase.Add(30*time.Second), 2)
	count("user:a", StoreBase.Add(31*time.Second), 0)
	count("global", StoreBase, 2)
	count("global", StoreBase.Add(time.Second), 1)
	count("target:13800000001", StoreBase.Add(-time.Minute), 1)
	count("user:ab", time.Time{}, 1) // a key that extends another is separate
	count("user:", time.Time{}, 0)
	count("nobody", time.Time{}, 0)

	// The bot's windows: an hour per user, a minute global.
	later := StoreBase.Add(2 * time.Hour)
	mustOK(t, "AddHits", st.AddHits(ctx, []string{"user:a", "global"}, later))
	count("user:a", later.Add(-time.Hour), 1)
	count("global", later.Add(-time.Minute), 1)
	count("user:a", time.Time{}, 4)
}

func storeConcurrent(t *testing.T, st bot.Store) {
	ctx := t.Context()
	const n = 32
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	firsts, ids := 0, map[int64]bool{}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			first, err := st.MarkSeen(ctx, "req:slack:T1:same", StoreBase.Add(time.Duration(i)))
			if err != nil {
				t.Errorf("MarkSeen: %v", err)
			}
			var got []int64
			for range 4 {
				id, err := st.NextID(ctx, "call")
				if err != nil {
					t.Errorf("NextID: %v", err)
				}
				got = append(got, id)
			}
			phone := "13800000001"
			errs := []error{
				st.AddHits(ctx, []string{"global", fmt.Sprint("user:", i)}, StoreBase),
				st.AddAudit(ctx, bot.AuditEntry{At: StoreBase, Actor: fmt.Sprint("u", i), Action: "call.dialback"}),
				st.PutIntent(ctx, &bot.Intent{ID: fmt.Sprint("i", i), Outcome: "pending", Created: StoreBase}),
				st.PutUser(ctx, SampleUser(fmt.Sprint("console:", i), phone)),
				st.PutCall(ctx, SampleCall(int64(i+1))),
			}
			if err := errors.Join(errs...); err != nil {
				t.Errorf("concurrent writes: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if first {
				firsts++
			}
			for _, id := range got {
				if ids[id] {
					t.Errorf("NextID returned %d twice", id)
				}
				ids[id] = true
			}
		}()
	}
	close(start)
	wg.Wait()
	if firsts != 1 {
		t.Errorf("MarkSeen of one key from %d goroutines: %d reported new, want exactly 1", n, firsts)
	}
	if len(ids) != 4*n {
		t.Errorf("NextID from %d goroutines: %d distinct ids, want %d", n, len(ids), 4*n)
	}
	if got, _ := st.Hits(ctx, "global", StoreBase); got != n {
		t.Errorf("Hits(global) after %d concurrent AddHits: %d", n, got)
	}
	if got, _ := st.Audit(ctx, time.Time{}); len(got) != n {
		t.Errorf("Audit after %d concurrent AddAudit: %d entries", n, len(got))
	}
	if got, _ := st.Intents(ctx, "pending"); len(got) != n {
		t.Errorf("Intents after %d concurrent PutIntent: %d", n, len(got))
	}
	if got, _ := st.IdentitiesByPhone(ctx, "13800000001"); len(got) != n {
		t.Errorf("IdentitiesByPhone after %d concurrent PutUser: %d", n, len(got))
	}
	if got, _ := st.Calls(ctx, bot.CallFilter{}); len(got) != n {
		t.Errorf("Calls after %d concurrent PutCall: %d", n, len(got))
	}
}

func storeCallByRequestID(t *testing.T, st bot.Store) {
	ctx := context.Background()
	if _, err := st.CallByRequestID(ctx, "nope"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("unknown request id: %v", err)
	}
	c := SampleCall(3)
	c.RequestID = ""
	if err := st.PutCall(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CallByRequestID(ctx, ""); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("empty request id: %v", err)
	}
	c.RequestID = "r3" // known only once YTX answered
	if err := st.PutCall(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := st.CallByRequestID(ctx, "r3")
	if err != nil || got.ID != 3 {
		t.Fatalf("CallByRequestID = %+v, %v", got, err)
	}
	got.To.Name = "changed"
	if again, _ := st.CallByRequestID(ctx, "r3"); again.To.Name == "changed" {
		t.Error("CallByRequestID returned the stored value, not a copy")
	}
}

func storePushes(t *testing.T, st bot.Store) {
	ctx := context.Background()
	body := []byte(`{"x":1}`)
	for i := range 3 {
		if err := st.AddPush(ctx, bot.UnmatchedPush{At: StoreBase.Add(time.Duration(i) * time.Minute), Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	body[2] = 'y' // the store kept its own copy
	ps, err := st.Pushes(ctx, StoreBase.Add(time.Minute))
	if err != nil || len(ps) != 2 || !ps[0].At.Equal(StoreBase.Add(time.Minute)) || string(ps[0].Body) != `{"x":1}` {
		t.Errorf("Pushes = %+v, %v", ps, err)
	}
}
