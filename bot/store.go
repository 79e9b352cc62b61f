package bot

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by a Store for a key it does not hold.
var ErrNotFound = errors.New("not found")

// User is one identity's mapping.
type User struct {
	Identity string
	Name     string
	Phone    string // normalised; "" = no number
	Verified bool   // confirmed by the platform (Telegram contact share)
	Admin    bool   // granted with /phone admin add (config admins are permanent and not stored)
	DND      bool   // do not disturb: others cannot ring this user
	Locale   string
	Updated  time.Time
}

// Participant is one person in a meeting or on a call.
type Participant struct {
	Identity string // "" for a raw number
	Name     string
	Phone    string
	State    string // PartyInvited, ytx.PartyRinging, ytx.PartyJoined, …
	Reason   string
	Joined   time.Time
	Left     time.Time
}

// Meeting states beyond ytx's MeetingBooked/Active/Ended/Cancelled.
const (
	MeetingUnknown = "unknown" // the create request's outcome is unknown
	MeetingFailed  = "failed"  // YTX refused it
	PartyInvited   = "invited" // rung, no evidence yet
)

// CardRef locates a posted card so it can be edited.
type CardRef struct {
	Platform  Platform
	Workspace string
	Channel   string
	MessageID string // Slack ts, Telegram message id
}

// Meeting is the bot's record of a conference.
type Meeting struct {
	ID         int64 // the bot's id, shown as #ID
	YTXID      string
	Password   string
	CallerID   string // the number the room calls from
	Title      string
	Platform   Platform
	Workspace  string
	Channel    string
	Creator    string // identity
	Parties    []Participant
	State      string
	BookedFor  time.Time
	Created    time.Time
	Started    time.Time
	Ended      time.Time
	CustomParm string
	Card       *CardRef
	Refreshed  time.Time // last time YTX's state was read
	Unreadable bool      // the last read failed: the card says "state unknown"
	IntentID   string
	Summarized bool // the end-of-meeting summary was posted
}

// Call states.
const (
	CallPlaced    = "placed"    // YTX accepted it; no evidence yet
	CallUntracked = "untracked" // accepted without a request id
	CallUnknown   = "unknown"   // outcome unknown
	CallFailed    = "failed"    // YTX refused it
	CallRinging   = "ringing"
	CallConnected = "connected"
	CallEnded     = "ended"
)

// Call is the bot's record of a dial-back call.
type Call struct {
	ID         int64 // shown as c<ID>
	RequestID  string
	CustomParm string
	Platform   Platform
	Workspace  string
	Channel    string
	Caller     string // identity that asked
	From       Participant
	To         Participant
	Max        time.Duration
	State      string
	Created    time.Time
	Ended      time.Time
	Duration   time.Duration
	Recording  string // recording URL from the call record, when YTX kept one
	Cost       string // oriamount from the call record, as YTX wrote it
	Card       *CardRef
	IntentID   string
}

// Intent is written before every ringing request, so that a lost answer can
// be reconciled instead of ringing people twice.
type Intent struct {
	ID        string // also the CustomParm sent to YTX
	Kind      string // "create", "book", "invite", "dialback"
	Identity  string
	MeetingID int64
	CallID    int64
	Created   time.Time
	Outcome   string // "pending", "done", "failed", "unknown"; "draft" for a command awaiting confirmation
	Command   string // a draft's command line, replayed by its "Create anyway" button
}

// AuditEntry records a ringing action or an admin change.
type AuditEntry struct {
	At        time.Time
	Actor     string // identity
	Action    string // "meet.create", "call.dialback", "phone.set", …
	Target    string // masked
	Result    string // "ok", "refused: …", "error: …", "unknown"
	RequestID string // YTX requestId or meeting id
}

// UnmatchedPush is a YTX push the tracker could not tie to a meeting or call.
type UnmatchedPush struct {
	At   time.Time
	Body []byte
}

// MeetingFilter selects meetings; zero fields match all.
type MeetingFilter struct {
	Platform   Platform
	Workspace  string
	Channel    string
	ActiveOnly bool // booked, active or unknown
	Limit      int  // 0 = no limit; newest first
}

// CallFilter selects calls, newest first.
type CallFilter struct {
	Platform  Platform
	Workspace string
	Channel   string
	Caller    string
	OpenOnly  bool // placed, ringing or connected: still worth asking YTX about
	Limit     int
}

// CallOpen reports whether a call may still change.
func CallOpen(state string) bool {
	switch state {
	case CallPlaced, CallRinging, CallConnected:
		return true
	}
	return false
}

// Writer is the write half of the store inside one transaction (see
// Store.Write). It has no context: the transaction is already running.
type Writer interface {
	MarkSeen(key string, at time.Time) (bool, error)
	NextID(seq string) (int64, error)
	PutIntent(in *Intent) error
	PutCall(c *Call) error
	PutMeeting(m *Meeting) error
	AddAudit(e AuditEntry) error
	AddHits(keys []string, at time.Time) error
}

// Store is everything the core keeps. Implementations: storage (bbolt) and
// bot/memstore (tests, the console demo). Methods return ErrNotFound for a
// missing key and copies that the caller may change.
type Store interface {
	User(ctx context.Context, identity string) (*User, error)
	PutUser(ctx context.Context, u *User) error
	DeleteUser(ctx context.Context, identity string) error
	Users(ctx context.Context) ([]*User, error)
	IdentitiesByPhone(ctx context.Context, phone string) ([]string, error)

	// Usernames (Telegram) map a lower-cased @name to an identity; the latest wins.
	PutUsername(ctx context.Context, p Platform, username, identity string) error
	Username(ctx context.Context, p Platform, username string) (string, error)

	// NextID returns the next number of a sequence ("meeting", "call").
	NextID(ctx context.Context, seq string) (int64, error)
	PutMeeting(ctx context.Context, m *Meeting) error
	Meeting(ctx context.Context, id int64) (*Meeting, error)
	MeetingByYTXID(ctx context.Context, ytxID string) (*Meeting, error)
	Meetings(ctx context.Context, f MeetingFilter) ([]*Meeting, error)
	PutCall(ctx context.Context, c *Call) error
	Call(ctx context.Context, id int64) (*Call, error)
	// CallByRequestID finds a call by the requestId YTX gave it.
	CallByRequestID(ctx context.Context, requestID string) (*Call, error)
	Calls(ctx context.Context, f CallFilter) ([]*Call, error)

	// MarkSeen records key and reports whether it is new (dedupe); Seen
	// only reads (a request's key is written with its first write).
	MarkSeen(ctx context.Context, key string, at time.Time) (bool, error)
	Seen(ctx context.Context, key string) (bool, error)
	PutIntent(ctx context.Context, in *Intent) error
	Intent(ctx context.Context, id string) (*Intent, error)
	Intents(ctx context.Context, outcome string) ([]*Intent, error)
	AddAudit(ctx context.Context, e AuditEntry) error
	Audit(ctx context.Context, since time.Time) ([]AuditEntry, error)

	// AddPush keeps a YTX push that matched nothing, for diagnosis and late
	// matching; Pushes lists those received at or after since, oldest first.
	AddPush(ctx context.Context, p UnmatchedPush) error
	Pushes(ctx context.Context, since time.Time) ([]UnmatchedPush, error)

	// Counters: AddHits records one hit per key at time at; Hits counts a
	// key's hits at or after since. They survive restarts.
	AddHits(ctx context.Context, keys []string, at time.Time) error
	Hits(ctx context.Context, key string, since time.Time) (int, error)

	// Write runs fn as one durable unit: all its writes land or none. fn
	// may run more than once and must start afresh each time. A command
	// groups its writes before and after the YTX request this way.
	Write(ctx context.Context, fn func(w Writer) error) error
}
