package bot

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

func testContext() ParseContext {
	return ParseContext{Now: testNow, Location: shanghai}
}

func user(id, label string) PartyRef  { return PartyRef{Kind: PartyUser, ID: id, Label: label} }
func uname(id, label string) PartyRef { return PartyRef{Kind: PartyUsername, ID: id, Label: label} }
func group(id, label string) PartyRef { return PartyRef{Kind: PartyGroup, ID: id, Label: label} }
func phone(n string) PartyRef         { return PartyRef{Kind: PartyPhone, ID: n, Label: MaskPhone(n)} }

// u16 returns the UTF-16 offset of sub in s, as Telegram counts.
func u16(s, sub string) int {
	i := strings.Index(s, sub)
	if i < 0 {
		panic(sub)
	}
	return len(utf16.Encode([]rune(s[:i])))
}

func textMention(s, sub, userID, name string) Entity {
	return Entity{Type: "text_mention", Offset: u16(s, sub), Length: len(utf16.Encode([]rune(sub))), UserID: userID, Name: name}
}

func mention(s, sub string) Entity {
	return Entity{Type: "mention", Offset: u16(s, sub), Length: len(utf16.Encode([]rune(sub)))}
}

const (
	emojiText = "/meet create 🎉 launch Alice Smith"
	cjkText   = "/meet create 周会 Alice @bob_smith"
)

type parseCase struct {
	name string
	text string
	pc   func(*ParseContext)
	want Command
}

var parseCases = []parseCase{
	// Slack: escaped mentions and user groups.
	{name: "slack create booked", text: "/meet create standup <@U1|alice> <@U2|bob> --at tomorrow 10:00",
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "standup", Parties: []PartyRef{user("U1", "alice"), user("U2", "bob")}, At: at(2026, 11, 26, 10, 0)}},
	{name: "slack mention without name", text: "/meet create <@U1>",
		want: Command{Root: RootMeet, Sub: SubCreate, Parties: []PartyRef{user("U1", "U1")}}},
	{name: "slack user group", text: "/meet create incident <!subteam^S1|@oncall> <!subteam^S2>",
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "incident", Parties: []PartyRef{group("S1", "@oncall"), group("S2", "S2")}}},
	{name: "slack label that is a number is masked", text: "/meet create <@U1|13912345678>",
		want: Command{Root: RootMeet, Sub: SubCreate, Parties: []PartyRef{user("U1", "139****5678")}}},
	{name: "slack markup in the title", text: "/meet create <#C1|general> R&amp;D &lt;sync&gt; <https://x.test|doc> <@U1>",
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "#general R&D <sync> doc", Parties: []PartyRef{user("U1", "U1")}}},
	{name: "title words after a party", text: "/meet create @alice daily sync",
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "daily sync", Parties: []PartyRef{uname("alice", "@alice")}}},
	{name: "quoted title", text: `/meet create "Q4  planning" <@U1|alice>`,
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "Q4 planning", Parties: []PartyRef{user("U1", "alice")}}},
	{name: "quoted title with white space around", text: "/meet create \" Q4\tplanning \" x",
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "Q4 planning x"}},
	{name: "curly quotes", text: "/meet create “Q4 planning” @alice",
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "Q4 planning", Parties: []PartyRef{uname("alice", "@alice")}}},
	{name: "quoted words are literal", text: `/meet create "@alice fans" "--at" @bob`,
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "@alice fans --at", Parties: []PartyRef{uname("bob", "@bob")}}},
	{name: "quoted number is still a number", text: `/meet create "139 1234 5678"`,
		want: Command{Root: RootMeet, Sub: SubCreate, Parties: []PartyRef{phone("13912345678")}}},
	{name: "empty quotes", text: `/meet create "" @bob`,
		want: Command{Root: RootMeet, Sub: SubCreate, Parties: []PartyRef{uname("bob", "@bob")}}},

	// Numbers.
	{name: "phones with extension in a meeting", text: "/meet create 010-5388-9900,1234 13912345678",
		want: Command{Root: RootMeet, Sub: SubCreate, Parties: []PartyRef{phone("01053889900,1234"), phone("13912345678")}}},
	{name: "number in groups", text: "/meet create sync +86 139 1234 5678 @bob",
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "sync", Parties: []PartyRef{phone("13912345678"), uname("bob", "@bob")}}},
	{name: "landline in groups, trunk restored", text: "/meet create +86 10 5388 9900",
		want: Command{Root: RootMeet, Sub: SubCreate, Parties: []PartyRef{phone("01053889900")}}},
	{name: "two numbers side by side", text: "/meet create 13912345678 13712345678",
		want: Command{Root: RootMeet, Sub: SubCreate, Parties: []PartyRef{phone("13912345678"), phone("13712345678")}}},
	{name: "short numbers are title words", text: "/meet create room 42 2026 plan @bob",
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "room 42 2026 plan", Parties: []PartyRef{uname("bob", "@bob")}}},
	{name: "duplicates collapse", text: "/meet create <@U1|alice> <@U1|alice> 13912345678 139-1234-5678 @Bob @bob",
		want: Command{Root: RootMeet, Sub: SubCreate, Parties: []PartyRef{user("U1", "alice"), phone("13912345678"), uname("bob", "@Bob")}}},
	{name: "comma lists", text: "/meet create @alice,@bob, 13912345678,13712345678",
		want: Command{Root: RootMeet, Sub: SubCreate, Parties: []PartyRef{uname("alice", "@alice"), uname("bob", "@bob"), phone("13912345678"), phone("13712345678")}}},
	{name: "CJK list and stray separators", text: "/meet invite @alice、@bob ， @carol ;",
		want: Command{Root: RootMeet, Sub: SubInvite, Parties: []PartyRef{uname("alice", "@alice"), uname("bob", "@bob"), uname("carol", "@carol")}}},
	{name: "telegram mention entity followed by a comma", text: "/meet invite Alice, @bob", pc: func(pc *ParseContext) {
		pc.Entities = []Entity{textMention("/meet invite Alice, @bob", "Alice", "7", "Alice"), mention("/meet invite Alice, @bob", "@bob")}
	}, want: Command{Root: RootMeet, Sub: SubInvite, Parties: []PartyRef{user("7", "Alice"), uname("bob", "@bob")}}},
	{name: "international allowed", text: "/meet create +44 20 7946 0958", pc: func(pc *ParseContext) { pc.AllowInternational = true },
		want: Command{Root: RootMeet, Sub: SubCreate, Parties: []PartyRef{phone("00442079460958")}}},

	// Flags.
	{name: "--at=VALUE", text: "/meet create x @a --at=+30m",
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "x", Parties: []PartyRef{uname("a", "@a")}, At: testNow.Add(30 * time.Minute)}},
	{name: "--at= quoted value", text: `/meet create @a --at="tomorrow 9:30"`,
		want: Command{Root: RootMeet, Sub: SubCreate, Parties: []PartyRef{uname("a", "@a")}, At: at(2026, 11, 26, 9, 30)}},
	{name: "--at=day then clock", text: "/meet create @a --at=today 15:30",
		want: Command{Root: RootMeet, Sub: SubCreate, Parties: []PartyRef{uname("a", "@a")}, At: at(2026, 11, 25, 15, 30)}},
	{name: "--at date", text: "/meet create review --at 2026-12-01 10:00 @a",
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "review", Parties: []PartyRef{uname("a", "@a")}, At: at(2026, 12, 1, 10, 0)}},
	{name: "--at clock, party after", text: "/meet create --at 15:00 @a",
		want: Command{Root: RootMeet, Sub: SubCreate, Parties: []PartyRef{uname("a", "@a")}, At: at(2026, 11, 25, 15, 0)}},
	{name: "em dash flag", text: "/meet create x @a —at 15:00 —confirm",
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "x", Parties: []PartyRef{uname("a", "@a")}, At: at(2026, 11, 25, 15, 0), Confirm: true}},
	{name: "--confirm, flag names ignore case", text: "/meet create @a --CONFIRM",
		want: Command{Root: RootMeet, Sub: SubCreate, Parties: []PartyRef{uname("a", "@a")}, Confirm: true}},

	// The other meet subcommands.
	{name: "invite #ref", text: "/meet invite #12 <@U3|carol>",
		want: Command{Root: RootMeet, Sub: SubInvite, Ref: "12", Parties: []PartyRef{user("U3", "carol")}}},
	{name: "invite bare ref", text: "/meet invite 12 @carol", pc: func(pc *ParseContext) { pc.IsMeetingRef = func(s string) bool { return s == "12" } },
		want: Command{Root: RootMeet, Sub: SubInvite, Ref: "12", Parties: []PartyRef{uname("carol", "@carol")}}},
	{name: "invite numeric meeting id wins over a number", text: "/meet invite 1234567 @carol", pc: func(pc *ParseContext) { pc.IsMeetingRef = func(s string) bool { return s == "1234567" } },
		want: Command{Root: RootMeet, Sub: SubInvite, Ref: "1234567", Parties: []PartyRef{uname("carol", "@carol")}}},
	{name: "invite ref later", text: "/meet invite @carol #12",
		want: Command{Root: RootMeet, Sub: SubInvite, Ref: "12", Parties: []PartyRef{uname("carol", "@carol")}}},
	{name: "invite latest meeting", text: "/meet invite @carol 13912345678 010-5388-9900,1",
		want: Command{Root: RootMeet, Sub: SubInvite, Parties: []PartyRef{uname("carol", "@carol"), phone("13912345678"), phone("01053889900,1")}}},
	{name: "invite as a reply (no party)", text: "/meet invite",
		want: Command{Root: RootMeet, Sub: SubInvite}},
	{name: "status", text: "/meet status", want: Command{Root: RootMeet, Sub: SubStatus}},
	{name: "status #ref", text: "/meet status #a7", want: Command{Root: RootMeet, Sub: SubStatus, Ref: "a7"}},
	{name: "list", text: "/meet list", want: Command{Root: RootMeet, Sub: SubList}},
	{name: "hangup", text: "/meet hangup #3 @bob", want: Command{Root: RootMeet, Sub: SubHangup, Ref: "3", Parties: []PartyRef{uname("bob", "@bob")}}},
	{name: "hangup a number", text: "/meet hangup 010-5388-9900,12",
		want: Command{Root: RootMeet, Sub: SubHangup, Parties: []PartyRef{phone("01053889900,12")}}},
	{name: "end", text: "/meet end", want: Command{Root: RootMeet, Sub: SubEnd}},
	{name: "end #ref", text: "/meet end #3", want: Command{Root: RootMeet, Sub: SubEnd, Ref: "3"}},
	{name: "reschedule", text: "/meet reschedule #5 --at tomorrow 9:30",
		want: Command{Root: RootMeet, Sub: SubReschedule, Ref: "5", At: at(2026, 11, 26, 9, 30)}},
	{name: "cancel", text: "/meet cancel #5", want: Command{Root: RootMeet, Sub: SubCancel, Ref: "5"}},

	// Help.
	{name: "root alone", text: "/meet", want: Command{Root: RootMeet, Sub: SubHelp}},
	{name: "help", text: "/phone help", want: Command{Root: RootPhone, Sub: SubHelp}},
	{name: "help topic", text: "/meet help create", want: Command{Root: RootMeet, Sub: SubHelp, HelpTopic: SubCreate}},
	{name: "--help on a subcommand", text: "/meet create standup --help", want: Command{Root: RootMeet, Sub: SubHelp, HelpTopic: SubCreate}},
	{name: "-h on a party call", text: "/call @bob -h", want: Command{Root: RootCall, Sub: SubHelp, HelpTopic: SubDialback}},
	{name: "question mark", text: "/call ?", want: Command{Root: RootCall, Sub: SubHelp}},

	// Calls.
	{name: "dialback full", text: "/call dialback @bob --max 10m --from <@U9|boss>",
		want: Command{Root: RootCall, Sub: SubDialback, Parties: []PartyRef{uname("bob", "@bob")}, Max: 10 * time.Minute, From: &PartyRef{Kind: PartyUser, ID: "U9", Label: "boss"}}},
	{name: "call party shorthand", text: "/call <@U2|bob>",
		want: Command{Root: RootCall, Sub: SubDialback, Parties: []PartyRef{user("U2", "bob")}}},
	{name: "call number shorthand", text: "/call +86 139 1234 5678 --max=1h30m",
		want: Command{Root: RootCall, Sub: SubDialback, Parties: []PartyRef{phone("13912345678")}, Max: 90 * time.Minute}},
	{name: "call flag first", text: "/call --from 010-5388-9900 @bob",
		want: Command{Root: RootCall, Sub: SubDialback, Parties: []PartyRef{uname("bob", "@bob")}, From: &PartyRef{Kind: PartyPhone, ID: "01053889900", Label: "010****9900"}}},
	{name: "dial-back spelling", text: "/call dial-back @bob", want: Command{Root: RootCall, Sub: SubDialback, Parties: []PartyRef{uname("bob", "@bob")}}},
	{name: "dialback to a group", text: "/call dialback <!subteam^S1|@oncall>",
		want: Command{Root: RootCall, Sub: SubDialback, Parties: []PartyRef{group("S1", "@oncall")}}},
	{name: "dialback as a reply", text: "/call dialback", want: Command{Root: RootCall, Sub: SubDialback}},
	{name: "call status", text: "/call status", want: Command{Root: RootCall, Sub: SubStatus}},
	{name: "call status id", text: "/call status #C42", want: Command{Root: RootCall, Sub: SubStatus, CallID: "c42"}},

	// Phones.
	{name: "phone set", text: "/phone set 139-1234-5678", want: Command{Root: RootPhone, Sub: SubSet, Number: "13912345678"}},
	{name: "phone set spaced", text: "/phone set +86 139 1234 5678", want: Command{Root: RootPhone, Sub: SubSet, Number: "13912345678"}},
	{name: "phone set for someone", text: "/phone set <@U2|bob> 010 5388 9900",
		want: Command{Root: RootPhone, Sub: SubSet, Number: "01053889900", Parties: []PartyRef{user("U2", "bob")}}},
	{name: "phone set international allowed", text: "/phone set +44 20 7946 0958", pc: func(pc *ParseContext) { pc.AllowInternational = true },
		want: Command{Root: RootPhone, Sub: SubSet, Number: "00442079460958"}},
	{name: "phone show", text: "/phone show", want: Command{Root: RootPhone, Sub: SubShow}},
	{name: "phone show someone", text: "/phone show @bob", want: Command{Root: RootPhone, Sub: SubShow, Parties: []PartyRef{uname("bob", "@bob")}}},
	{name: "phone remove someone", text: "/phone remove <@U1>", want: Command{Root: RootPhone, Sub: SubRemove, Parties: []PartyRef{user("U1", "U1")}}},
	{name: "phone list", text: "/phone list", want: Command{Root: RootPhone, Sub: SubList}},
	{name: "phone dnd on", text: "/phone dnd on", want: Command{Root: RootPhone, Sub: SubDND, Toggle: "on"}},
	{name: "phone dnd OFF", text: "/phone dnd OFF", want: Command{Root: RootPhone, Sub: SubDND, Toggle: "off"}},
	{name: "phone admin add", text: "/phone admin add @bob", want: Command{Root: RootPhone, Sub: SubAdmin, Toggle: "add", Parties: []PartyRef{uname("bob", "@bob")}}},
	{name: "phone admin remove", text: "/phone admin remove <@U1|a>", want: Command{Root: RootPhone, Sub: SubAdmin, Toggle: "remove", Parties: []PartyRef{user("U1", "a")}}},
	{name: "phone share", text: "/phone share", want: Command{Root: RootPhone, Sub: SubShare}},

	// Console and white space.
	{name: "console without slash", text: "meet create standup @alice @bob",
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "standup", Parties: []PartyRef{uname("alice", "@alice"), uname("bob", "@bob")}}},
	{name: "console CJK name", text: "meet create @张三", want: Command{Root: RootMeet, Sub: SubCreate, Parties: []PartyRef{uname("张三", "@张三")}}},
	{name: "tabs and newlines", text: "/meet\ncreate\tstandup  @alice\n",
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "standup", Parties: []PartyRef{uname("alice", "@alice")}}},
	{name: "ideographic space", text: "/meet create　周会　@alice",
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "周会", Parties: []PartyRef{uname("alice", "@alice")}}},
	{name: "case of root and subcommand", text: "/MEET Create x", want: Command{Root: RootMeet, Sub: SubCreate, Title: "x"}},
	{name: "trailing punctuation of a name", text: "/meet create @alice.", want: Command{Root: RootMeet, Sub: SubCreate, Parties: []PartyRef{uname("alice", "@alice")}}},

	// Telegram.
	{name: "telegram addressed to us", text: "/meet@OurBot create standup @alice", pc: func(pc *ParseContext) { pc.BotUsername = "ourbot" },
		want: Command{Root: RootMeet, Sub: SubCreate, Title: "standup", Parties: []PartyRef{uname("alice", "@alice")}}},
	{name: "telegram text_mention after an emoji", text: emojiText, pc: func(pc *ParseContext) {
		// Hand-counted: "/meet create " is 13 units, 🎉 2, " launch " 8.
		pc.Entities = []Entity{{Type: "bot_command", Offset: 0, Length: 5}, {Type: "text_mention", Offset: 23, Length: 11, UserID: "1001", Name: "Alice"}}
	}, want: Command{Root: RootMeet, Sub: SubCreate, Title: "🎉 launch", Parties: []PartyRef{user("1001", "Alice")}}},
	{name: "telegram mentions after CJK", text: cjkText, pc: func(pc *ParseContext) {
		pc.Entities = []Entity{textMention(cjkText, "Alice", "1002", ""), mention(cjkText, "@bob_smith")}
	}, want: Command{Root: RootMeet, Sub: SubCreate, Title: "周会", Parties: []PartyRef{user("1002", "Alice"), uname("bob_smith", "@bob_smith")}}},
	{name: "telegram call a text_mention", text: "/call@OurBot Alice Smith", pc: func(pc *ParseContext) {
		pc.BotUsername = "OurBot"
		pc.Entities = []Entity{textMention("/call@OurBot Alice Smith", "Alice Smith", "1001", "Alice")}
	}, want: Command{Root: RootCall, Sub: SubDialback, Parties: []PartyRef{user("1001", "Alice")}}},
	{name: "telegram entity out of range is ignored", text: "/meet create Alice", pc: func(pc *ParseContext) {
		pc.Entities = []Entity{{Type: "text_mention", Offset: 13, Length: 50, UserID: "1"}, {Type: "text_mention", Offset: -1, Length: 3, UserID: "2"}}
	}, want: Command{Root: RootMeet, Sub: SubCreate, Title: "Alice"}},
	{name: "telegram entity inside an emoji is ignored", text: "/meet create 🎉x", pc: func(pc *ParseContext) {
		pc.Entities = []Entity{{Type: "text_mention", Offset: 14, Length: 2, UserID: "1"}}
	}, want: Command{Root: RootMeet, Sub: SubCreate, Title: "🎉x"}},
}

// comparable strips what the table does not spell out: Raw (tested apart)
// and At (compared with Equal).
func comparable(c Command) (Command, time.Time) {
	ps := make([]PartyRef, len(c.Parties))
	for i, p := range c.Parties {
		p.Raw = ""
		ps[i] = p
	}
	if len(ps) == 0 {
		ps = nil
	}
	c.Parties = ps
	if c.From != nil {
		f := *c.From
		f.Raw = ""
		c.From = &f
	}
	t := c.At
	c.At = time.Time{}
	return c, t
}

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pc := testContext()
			if tc.pc != nil {
				tc.pc(&pc)
			}
			got, err := Parse(tc.text, pc)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.text, err)
			}
			g, gotAt := comparable(*got)
			w, wantAt := comparable(tc.want)
			if !reflect.DeepEqual(g, w) {
				t.Errorf("Parse(%q)\n got %s\nwant %s", tc.text, show(g), show(w))
			}
			if !gotAt.Equal(wantAt) {
				t.Errorf("At = %v; want %v", gotAt, wantAt)
			}
		})
	}
}

func show(c Command) string {
	s := fmt.Sprintf("%+v", c)
	if c.From != nil {
		s += fmt.Sprintf(" From=%+v", *c.From)
	}
	return s
}

func TestParseRaw(t *testing.T) {
	t.Parallel()
	cmd, err := Parse(`/meet create <@U1|alice> +86 139 1234 5678 @bob --at 15:00`, testContext())
	if err != nil {
		t.Fatal(err)
	}
	var raws []string
	for _, p := range cmd.Parties {
		raws = append(raws, p.Raw)
	}
	want := []string{"<@U1|alice>", "+86 139 1234 5678", "@bob"}
	if !reflect.DeepEqual(raws, want) {
		t.Errorf("Raw = %q; want %q", raws, want)
	}
}

// A long command is accepted up to the limit.
func TestParseLimits(t *testing.T) {
	t.Parallel()
	title := strings.Repeat("周", MaxTitleRunes)
	cmd, err := Parse("/meet create "+title+" @a", testContext())
	if err != nil || cmd.Title != title {
		t.Fatalf("a %d-rune title: %v", MaxTitleRunes, err)
	}
	text := "/meet create @a " + strings.Repeat("x", MaxCommandBytes-len("/meet create @a "))
	if _, err := Parse(text, testContext()); errors.Is(err, ErrTooLong) && !strings.Contains(err.Error(), "title") {
		t.Fatalf("a %d-byte command refused as too long: %v", len(text), err)
	}
}

func TestParseNowDefaults(t *testing.T) {
	t.Parallel()
	cmd, err := Parse("/meet create @a --at +1h", ParseContext{})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(cmd.At); d < 59*time.Minute || d > time.Hour {
		t.Errorf("--at +1h with a zero Now is %v away", d)
	}
}

type errCase struct {
	name       string
	text       string
	pc         func(*ParseContext)
	kind       error
	token      string // "" = not checked
	suggestion string
	contains   string // a piece of the English message
}

var errCases = []errCase{
	{name: "another bot", text: "/meet@OtherBot create @a", pc: func(pc *ParseContext) { pc.BotUsername = "OurBot" }, kind: ErrNotForUs, token: "@OtherBot"},
	{name: "bot name when we have none", text: "/meet@OtherBot create @a", kind: ErrNotForUs},
	{name: "unknown root", text: "/meat create", kind: ErrUnknownRoot, token: "/meat", suggestion: "meet", contains: "/meet"},
	{name: "empty", text: "  ", kind: ErrUnknownRoot, contains: "/phone"},
	{name: "a number as the root", text: "13912345678", kind: ErrUnknownRoot, token: "139****5678"},

	{name: "unknown sub with suggestion", text: "/meet craete standup", kind: ErrUnknownSub, token: "craete", suggestion: "create", contains: "Did you mean /meet create?"},
	{name: "unknown sub prefix", text: "/phone adm add @a", kind: ErrUnknownSub, suggestion: "admin"},
	{name: "unknown sub far away", text: "/meet frobnicate", kind: ErrUnknownSub, suggestion: "", contains: "/meet reschedule ref --at TIME"},
	{name: "call with a word", text: "/call bob", kind: ErrUnknownSub, token: "bob"},
	{name: "help on an unknown topic", text: "/meet help invit", kind: ErrUnknownSub, suggestion: "invite"},

	{name: "unknown flag", text: "/meet create @a --att 15:00", kind: ErrBadFlag, token: "--att", suggestion: "at", contains: "--at"},
	{name: "unknown flag on a call", text: "/call @bob --form @boss", kind: ErrBadFlag, suggestion: "from"},
	{name: "flag of another subcommand", text: "/meet create @a --max 10m", kind: ErrBadFlag, token: "--max", contains: "not an option of /meet create"},
	{name: "flag on a phone command", text: "/phone list --at 15:00", kind: ErrBadFlag, token: "--at"},
	{name: "flag twice", text: "/meet create @a --at 15:00 --at 16:00", kind: ErrBadFlag, token: "--at", contains: "twice"},
	{name: "confirm with a value", text: "/meet create @a --confirm=yes", kind: ErrBadFlag, token: "--confirm"},
	{name: "unknown flag name with a number", text: "/meet create --x13912345678", kind: ErrBadFlag, token: "--x139****5678"},

	{name: "reschedule without ref", text: "/meet reschedule --at 15:00", kind: ErrMissingArg, contains: "#12"},
	{name: "reschedule without time", text: "/meet reschedule #5", kind: ErrMissingArg, contains: "--at"},
	{name: "cancel without ref", text: "/meet cancel", kind: ErrMissingArg},
	{name: "phone set without number", text: "/phone set", kind: ErrMissingArg},
	{name: "phone set a person without number", text: "/phone set @bob", kind: ErrMissingArg},
	{name: "dnd without state", text: "/phone dnd", kind: ErrMissingArg},
	{name: "admin without verb", text: "/phone admin", kind: ErrMissingArg},
	{name: "admin without person", text: "/phone admin add", kind: ErrMissingArg},
	{name: "--at without value", text: "/meet create @a --at", kind: ErrMissingArg, token: "--at"},
	{name: "--max followed by a flag", text: "/call @b --max --from @c", kind: ErrMissingArg, token: "--max"},
	{name: "--from without value", text: "/call @b --from", kind: ErrMissingArg},

	{name: "words after list", text: "/meet list foo", kind: ErrUnexpectedArg, token: "foo"},
	{name: "words in invite", text: "/meet invite #1 hello", kind: ErrUnexpectedArg, token: "hello"},
	{name: "words after the time", text: "/meet create x @a --at 15:00 pm", kind: ErrUnexpectedArg, token: "pm"},
	{name: "dnd maybe", text: "/phone dnd onn", kind: ErrUnexpectedArg, token: "onn", suggestion: "on"},
	{name: "dnd extra", text: "/phone dnd on now", kind: ErrUnexpectedArg, token: "now"},
	{name: "two call ids", text: "/call status c1 c2", kind: ErrUnexpectedArg, token: "c2"},
	{name: "two refs", text: "/meet status #1 #2", kind: ErrUnexpectedArg, token: "#2"},
	{name: "party in status", text: "/meet status @bob", kind: ErrUnexpectedArg, token: "@bob"},
	{name: "word in phone show", text: "/phone show bob", kind: ErrUnexpectedArg, token: "bob"},
	{name: "phone share with words", text: "/phone share 13912345678", kind: ErrUnexpectedArg, token: "139****5678"},

	{name: "dialback two people", text: "/call dialback @a @b", kind: ErrTooManyParties, contains: "/meet create"},
	{name: "call shorthand two numbers", text: "/call 13912345678 13712345678", kind: ErrTooManyParties},
	{name: "hangup two people", text: "/meet hangup @a @b", kind: ErrTooManyParties},
	{name: "phone show two people", text: "/phone show @a @b", kind: ErrTooManyParties},
	{name: "phone set two people", text: "/phone set @a @b 13912345678", kind: ErrTooManyParties},

	{name: "@here", text: "/meet create <!here>", kind: ErrBadParty, token: "@here"},
	{name: "@channel with label", text: "/meet invite <!channel|@channel>", kind: ErrBadParty},
	{name: "bare @", text: "/meet create @", kind: ErrBadParty, token: "@"},
	{name: "bad username", text: "/meet create @al!ce", kind: ErrBadParty},
	{name: "malformed slack mention", text: "/meet create <@bad id>", kind: ErrBadParty},
	{name: "hang up a group", text: "/meet hangup <!subteam^S1|@oncall>", kind: ErrBadParty, token: "@oncall", contains: "user group"},
	{name: "slack mention as a subcommand", text: "/meet <@U1|alice>", kind: ErrUnknownSub, token: "@alice"},
	{name: "slack mention in status", text: "/meet status #1 <@U1>", kind: ErrUnexpectedArg, token: "@U1"},
	{name: "phone show a number", text: "/phone show 13912345678", kind: ErrBadParty, token: "139****5678"},
	{name: "from a group", text: "/call @bob --from <!subteam^S1>", kind: ErrBadParty},
	{name: "from a word", text: "/call @bob --from boss", kind: ErrBadParty, token: "boss"},

	{name: "unknown meeting word", text: "/meet status foo", kind: ErrBadRef, token: "foo"},
	{name: "empty #", text: "/meet cancel #", kind: ErrBadRef},
	{name: "bad call id", text: "/call status c-1!", kind: ErrBadRef},
	{name: "a number as call id", text: "/call status 13912345678", kind: ErrBadRef, token: "139****5678"},

	{name: "open quote", text: `/meet create "standup @alice`, kind: ErrBadQuote, token: `"standup @alice`},
	{name: "open quote with a number", text: `/meet create "13912345678 @alice`, kind: ErrBadQuote, token: `"139****5678 @alice`},

	{name: "too long", text: "/meet create " + strings.Repeat("a", MaxCommandBytes), kind: ErrTooLong, contains: "2000"},
	{name: "title too long", text: "/meet create " + strings.Repeat("标", MaxTitleRunes+1), kind: ErrTooLong, contains: "title"},

	{name: "NUL", text: "/meet create a\x00b", kind: ErrBadText},
	{name: "carriage return", text: "/meet create a\r", kind: ErrBadText},
	{name: "bidi override", text: "/meet create \u202etxet", kind: ErrBadText},
	{name: "invalid UTF-8", text: "/meet create \xff", kind: ErrBadText},

	{name: "bad mobile", text: "/meet create 1391234567", kind: ErrBadPhone, token: "139****67", contains: "not a phone number"},
	{name: "extension on a dial-back leg", text: "/call 020-8765-4321,1234", kind: ErrBadPhone, token: "020****4321", contains: "extension"},
	{name: "international off", text: "/meet create +44 20 7946 0958", kind: ErrBadPhone, token: "0044 20****58", contains: "international"},
	{name: "phone set extension", text: "/phone set 01053889900,12", kind: ErrBadPhone},
	{name: "phone set word", text: "/phone set abc", kind: ErrBadPhone, token: "abc"},
	{name: "phone set two numbers", text: "/phone set 13712345678 13912345678", kind: ErrBadParty},
	{name: "from a bad number", text: "/call @bob --from 12345678", kind: ErrBadPhone, token: "123****78"},
	{name: "number in groups that is not one", text: "/meet create standup 2026 2027", kind: ErrBadPhone},

	{name: "time passed", text: "/meet create @a --at 10:00", kind: ErrBadTime, contains: "passed"},
	{name: "tomorrow without clock", text: "/meet create @a --at tomorrow", kind: ErrBadTime},
	{name: "time garbage", text: "/meet reschedule #1 --at soon", kind: ErrBadTime, contains: "tomorrow 9:30"},
	{name: "time that is a number", text: "/meet create @a --at 13912345678", kind: ErrBadTime},
	{name: "inline time with extra words", text: `/meet create @a --at="15:00 pm"`, kind: ErrBadTime},

	{name: "zero duration", text: "/call @bob --max 0s", kind: ErrBadDuration, contains: "longer than zero"},
	{name: "duration garbage", text: "/call @bob --max ten", kind: ErrBadDuration},
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pc := testContext()
			if tc.pc != nil {
				tc.pc(&pc)
			}
			cmd, err := Parse(tc.text, pc)
			if err == nil {
				t.Fatalf("Parse(%q) = %s; want %v", tc.text, show(*cmd), tc.kind)
			}
			if !errors.Is(err, tc.kind) {
				t.Fatalf("Parse(%q): %v; want kind %v", tc.text, err, tc.kind)
			}
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("%T is not a *UsageError", err)
			}
			if ue.Kind != tc.kind {
				t.Errorf("Kind = %v; want %v", ue.Kind, tc.kind)
			}
			if tc.token != "" && ue.Token != tc.token {
				t.Errorf("Token = %q; want %q", ue.Token, tc.token)
			}
			if ue.Suggestion != tc.suggestion {
				t.Errorf("Suggestion = %q; want %q", ue.Suggestion, tc.suggestion)
			}
			if tc.contains != "" && !strings.Contains(ue.Message("en"), tc.contains) {
				t.Errorf("message %q lacks %q", ue.Message("en"), tc.contains)
			}
			checkMessages(t, ue, tc.text)
			checkNoEcho(t, ue, tc.text)
		})
	}
}

// checkNoEcho asserts that no number of the input, however written,
// reaches a message.
func checkNoEcho(t *testing.T, err LocalizedError, input string) {
	t.Helper()
	for _, f := range strings.FieldsFunc(input, func(r rune) bool { return r == ' ' || isQuote(r) || r == '=' }) {
		if d, _ := numeric(f); d < 7 {
			continue
		}
		for _, m := range []string{err.Message("en"), err.Message("zh-CN"), err.Error()} {
			if strings.Contains(m, f) {
				t.Errorf("message echoes %q: %q", f, m)
			}
		}
	}
}

func TestUsageErrorWrapsCause(t *testing.T) {
	t.Parallel()
	_, err := Parse("/call 010-5388-9900,1234", testContext())
	var pe *PhoneError
	if !errors.As(err, &pe) || pe.Reason != PhoneExtensionNotAllowed {
		t.Fatalf("got %v; want a *PhoneError about the extension", err)
	}
	_, err = Parse("/meet create @a --at 10:00", testContext())
	var te *TimeError
	if !errors.As(err, &te) || !errors.Is(err, ErrBadTime) {
		t.Fatalf("got %v; want a *TimeError", err)
	}
	var ue *UsageError
	if errors.As(err, &ue); ue.Error() != ue.sentence(false) || strings.Contains(ue.Error(), "\n") {
		t.Errorf("Error() = %q; want the English sentence alone", ue.Error())
	}
}

func TestUsageErrorMessages(t *testing.T) {
	t.Parallel()
	_, err := Parse("/meet craete standup", testContext())
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatal(err)
	}
	en, zh := ue.Message("en"), ue.Message("zh-CN")
	if !strings.Contains(en, Usage(RootMeet, "en")) || !strings.Contains(zh, Usage(RootMeet, "zh-CN")) {
		t.Errorf("an unknown subcommand should show the root's usage:\n%s\n---\n%s", en, zh)
	}
	if !strings.Contains(zh, "你是不是想输入 /meet create") {
		t.Errorf("zh suggestion missing: %s", zh)
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	for _, root := range Roots() {
		t.Run(string(root), func(t *testing.T) {
			t.Parallel()
			en, zh := Usage(root, "en"), Usage(root, "zh-CN")
			if en == "" || zh == "" || en == zh {
				t.Fatalf("Usage(%s): en=%q zh=%q", root, en, zh)
			}
			subs := Subcommands(root)
			if len(subs) == 0 || subs[len(subs)-1] != SubHelp {
				t.Errorf("Subcommands(%s) = %q", root, subs)
			}
			for _, sub := range subs {
				want := "/" + string(root) + " " + sub
				if !strings.Contains(en, want) || !strings.Contains(zh, want) {
					t.Errorf("usage lacks %q", want)
				}
				if line := UsageLine(root, sub, "en"); !strings.Contains(line, want) || strings.Contains(line, "\n") {
					t.Errorf("UsageLine(%s, %s) = %q", root, sub, line)
				}
				// Every listed subcommand parses (help needs nothing).
				if _, err := Parse(want, testContext()); errors.Is(err, ErrUnknownSub) {
					t.Errorf("%q is listed but unknown: %v", want, err)
				}
			}
			if Description(root, "en") == "" || Description(root, "zh-CN") == Description(root, "en") {
				t.Errorf("Description(%s)", root)
			}
			if longDigitRun(en+zh) != "" {
				t.Errorf("usage shows a number: %s", longDigitRun(en+zh))
			}
		})
	}
	if Usage("nope", "en") != "" || Subcommands("nope") != nil || Description("nope", "en") != "" {
		t.Error("an unknown root should have no usage")
	}
	if UsageLine(RootMeet, "", "en") != Usage(RootMeet, "en") {
		t.Error("UsageLine without a subcommand should be the whole usage")
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	meet := Subcommands(RootMeet)
	for _, tc := range []struct {
		word string
		opts []string
		want string
	}{
		{"craete", meet, "create"},
		{"CREATE", meet, ""}, // an exact match needs no suggestion
		{"creat", meet, "create"},
		{"cr", meet, "create"},
		{"c", meet, ""}, // create or cancel
		{"invit", meet, "invite"},
		{"hangpu", meet, "hangup"},
		{"lst", meet, "list"},
		{"frobnicate", meet, ""},
		{"", meet, ""},
		{"form", []string{"from", "max"}, "from"},
		{"meat", []string{"meet", "call", "phone"}, "meet"},
		{"onn", []string{"on", "off"}, "on"},
		{"xyz", []string{"on", "off"}, ""},
		{strings.Repeat("a", 100), meet, ""},
	} {
		t.Run(tc.word, func(t *testing.T) {
			t.Parallel()
			if got := Suggest(tc.word, tc.opts); got != tc.want {
				t.Errorf("Suggest(%q) = %q; want %q", tc.word, got, tc.want)
			}
		})
	}
}

func BenchmarkParse(b *testing.B) {
	pc := testContext()
	const line = "/meet create standup <@U1|alice> <@U2|bob> --at tomorrow 10:00"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(line, pc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseBaseline splits the same line on white space, the least any
// parser does: read BenchmarkParse as a ratio to it (absolute numbers drift
// with the machine's load).
func BenchmarkParseBaseline(b *testing.B) {
	const line = "/meet create standup <@U1|alice> <@U2|bob> --at tomorrow 10:00"
	b.ReportAllocs()
	for b.Loop() {
		if len(strings.Fields(line)) != 8 {
			b.Fatal("fields")
		}
	}
}

func TestPartyKindString(t *testing.T) {
	t.Parallel()
	for k, want := range map[PartyKind]string{PartyUser: "user", PartyUsername: "username", PartyGroup: "group", PartyPhone: "phone", 0: "PartyKind(?)"} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q; want %q", int(k), got, want)
		}
	}
}
