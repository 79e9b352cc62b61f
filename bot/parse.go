package bot

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Parse reads one command line as typed, starting with the root: "/meet
// create standup @alice", "meet create …" (the console may omit the slash),
// "/meet@OurBot create …" (Telegram groups; a command for another bot is an
// ErrNotForUs error the adapter should ignore). It checks syntax only (see
// Command). Every error is a *UsageError whose Message explains it in the
// user's language without showing a full phone number.
//
// The token rules are those of SPEC §3, plus choices the spec leaves open:
//   - "double quotes" (or “curly” ones) make their content literal: a quoted
//     "@alice" or "--at" is a title word; a quoted number is still a number.
//   - A number written in groups ("+86 138 0000 0000") is one party, and a
//     comma list ("@alice,@bob") several.
//   - A meeting ref written "#12" may stand anywhere among the arguments; a
//     bare one only first, and a bare first word that is neither a known
//     meeting nor a party is an ErrBadRef ("/meet status foo").
//   - "—at" (a dash turned into an em dash by macOS or Telegram) is "--at".
//   - "--help" or "-h" anywhere asks for help on the subcommand.
//   - A title longer than MaxTitleRunes is refused, not cut: a cut title
//     would silently differ from what was typed.
//   - Words after the first flag that are neither flag values nor parties
//     are refused ("--at 10:00 pm" must not book 10:00).
func Parse(text string, pc ParseContext) (*Command, error) {
	if err := checkText(text); err != nil {
		return nil, err
	}
	toks, err := tokenize(text, entitySpans(text, pc.Entities))
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, &UsageError{Kind: ErrUnknownRoot}
	}
	root, err := parseRoot(toks[0], pc.BotUsername)
	if err != nil {
		return nil, err
	}
	if pc.Now.IsZero() {
		pc.Now = time.Now()
	}
	if pc.Location == nil {
		pc.Location = pc.Now.Location()
	}
	p := parser{pc: &pc, cmd: &Command{Root: root}}
	if err := p.run(mergeNumbers(text, splitLists(toks[1:]))); err != nil {
		return nil, err
	}
	return p.cmd, nil
}

// checkText refuses what no person types: oversized input, invalid UTF-8,
// control characters other than tab and newline, and the bidirectional
// overrides that make a title read differently from what it is.
func checkText(s string) error {
	if len(s) > MaxCommandBytes {
		return &UsageError{Kind: ErrTooLong, n: len(s)}
	}
	if !utf8.ValidString(s) {
		return &UsageError{Kind: ErrBadText}
	}
	for _, r := range s {
		if r == '\t' || r == '\n' {
			continue
		}
		if unicode.IsControl(r) || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') {
			return &UsageError{Kind: ErrBadText}
		}
	}
	return nil
}

// token is one argument of a command line.
type token struct {
	text       string  // quotes removed
	raw        string  // as typed
	start, end int     // byte range of raw in the text
	quoted     bool    // some of it was quoted: literal text
	ent        *Entity // the Telegram mention this token is, or nil
}

type entSpan struct {
	end int
	ent *Entity
}

// entitySpans maps the byte offset where each Telegram mention starts to its
// end. Telegram counts UTF-16 code units, so an emoji before a mention moves
// it by two units but four bytes. Entities that do not fall on character
// boundaries of the text are ignored rather than trusted.
func entitySpans(s string, ents []Entity) map[int]entSpan {
	if len(ents) == 0 {
		return nil
	}
	// byteAt[u] is the byte offset of UTF-16 unit u, -1 inside a surrogate pair.
	byteAt := make([]int, 0, len(s)+1)
	for i, r := range s {
		byteAt = append(byteAt, i)
		if utf16.RuneLen(r) == 2 {
			byteAt = append(byteAt, -1)
		}
	}
	byteAt = append(byteAt, len(s))
	units := len(byteAt) - 1
	var spans map[int]entSpan
	for k := range ents {
		e := &ents[k]
		if e.Type != "mention" && (e.Type != "text_mention" || e.UserID == "") {
			continue
		}
		if e.Offset < 0 || e.Length <= 0 || e.Offset > units || e.Length > units-e.Offset {
			continue
		}
		b0, b1 := byteAt[e.Offset], byteAt[e.Offset+e.Length]
		if b0 < 0 || b1 < 0 {
			continue
		}
		if spans == nil {
			spans = make(map[int]entSpan)
		}
		if old, ok := spans[b0]; ok && old.ent.Type == "text_mention" {
			continue // a user id beats a username
		}
		spans[b0] = entSpan{end: b1, ent: e}
	}
	return spans
}

func isQuote(r rune) bool { return r == '"' || r == '“' || r == '”' }

// tokenize splits s on white space, honouring quotes and taking each Telegram
// mention whole (a text_mention of "Alice Smith" has a space in it).
func tokenize(s string, spans map[int]entSpan) ([]token, error) {
	out := make([]token, 0, 8)
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		if sp, ok := spans[i]; ok {
			out = append(out, token{text: s[i:sp.end], raw: s[i:sp.end], start: i, end: sp.end, ent: sp.ent})
			i = sp.end
			continue
		}
		start := i
		var b strings.Builder
		quoted, inQuote := false, false
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case isQuote(r):
				if !quoted {
					b.WriteString(s[start:i]) // the unquoted part so far
					quoted = true
				}
				inQuote = !inQuote
			case !inQuote && unicode.IsSpace(r):
				goto done
			case quoted:
				b.WriteRune(r)
			}
			i += size
		}
	done:
		if inQuote {
			return nil, &UsageError{Kind: ErrBadQuote, Token: maskToken(s[start:])}
		}
		t := token{text: s[start:i], raw: s[start:i], start: start, end: i, quoted: quoted}
		if quoted {
			t.text = b.String()
		}
		out = append(out, t)
	}
	return out, nil
}

// listSeps separate the items of a list: "@alice,@bob", "@alice、@bob".
const listSeps = ",，、;；"

// splitLists splits "@alice,@bob" and "13800000001,13900000002" into their
// items, but not a landline with its extension ("01053889900,1234"), and
// drops tokens that are only separators (Telegram's "@alice , @bob", or the
// comma after a mention entity).
func splitLists(toks []token) []token {
	var out []token
	for k, t := range toks {
		if t.quoted || t.ent != nil || !strings.ContainsAny(t.text, listSeps) {
			if out != nil {
				out = append(out, t)
			}
			continue
		}
		var items []token
		if strings.Trim(t.text, listSeps) != "" {
			var ok bool
			if items, ok = listItems(t); !ok {
				if out != nil {
					out = append(out, t)
				}
				continue
			}
		}
		if out == nil {
			out = append(make([]token, 0, len(toks)+len(items)), toks[:k]...)
		}
		out = append(out, items...)
	}
	if out == nil {
		return toks
	}
	return out
}

func listItems(t token) ([]token, bool) {
	if _, r := normalize(t.text, PhoneOptions{AllowExtension: true, AllowInternational: true}); r == 0 {
		return nil, false
	}
	var items []token
	s, off := t.text, 0
	for off <= len(s) {
		end := len(s)
		size := 0
		if i := strings.IndexAny(s[off:], listSeps); i >= 0 {
			end = off + i
			_, size = utf8.DecodeRuneInString(s[end:])
		}
		if item := s[off:end]; item != "" {
			if !mentionForm(item) && !IsPhoneLike(item) {
				return nil, false
			}
			items = append(items, token{text: item, raw: item, start: t.start + off, end: t.start + end})
		}
		if size == 0 {
			break
		}
		off = end + size
	}
	return items, len(items) > 0
}

func mentionForm(s string) bool {
	return (len(s) > 1 && s[0] == '@') || (len(s) > 2 && s[0] == '<' && (s[1] == '@' || s[1] == '!') && s[len(s)-1] == '>')
}

// mergeNumbers joins the pieces of a number written in groups into one token,
// by the rule MaskText uses too (groupNumbers).
func mergeNumbers(s string, toks []token) []token {
	var out []token
	for i := 0; i < len(toks); {
		j := i
		for j < len(toks) && mergeable(toks[j]) {
			j++
		}
		if j-i < 2 {
			if j == i {
				j++
			}
			if out != nil {
				out = append(out, toks[i:j]...)
			}
			i = j
			continue
		}
		pieces := make([]numPiece, j-i)
		for k := i; k < j; k++ {
			d, _ := numeric(toks[k].text)
			pieces[k-i] = numPiece{text: toks[k].text, digits: d, joined: k > i}
		}
		if out == nil {
			out = append(make([]token, 0, len(toks)), toks[:i]...)
		}
		next := i
		for _, g := range groupNumbers(pieces) {
			first, last := i+g.first, i+g.last
			out = append(out, toks[next:first]...)
			a, b := toks[first], toks[last]
			out = append(out, token{text: joinPieces(pieces[g.first : g.last+1]), raw: s[a.start:b.end], start: a.start, end: b.end})
			next = last + 1
		}
		out = append(out, toks[next:j]...)
		i = j
	}
	if out == nil {
		return toks
	}
	return out
}

func mergeable(t token) bool {
	if t.quoted || t.ent != nil {
		return false
	}
	_, ok := numeric(t.text)
	return ok
}

// parseRoot reads "/meet", "meet" or "/meet@OurBot".
func parseRoot(t token, botUsername string) (Root, error) {
	s := strings.TrimPrefix(t.text, "/")
	name, bot, addressed := strings.Cut(s, "@")
	botUsername = strings.TrimPrefix(botUsername, "@")
	if addressed && bot != "" && (botUsername == "" || !strings.EqualFold(bot, botUsername)) {
		return "", &UsageError{Kind: ErrNotForUs, Token: maskToken("@" + bot)}
	}
	r := Root(strings.ToLower(name))
	if _, ok := usageTable[r]; !ok {
		opts := make([]string, 0, 3)
		for _, o := range Roots() {
			opts = append(opts, string(o))
		}
		return "", &UsageError{Kind: ErrUnknownRoot, Token: echo(t.raw), Suggestion: Suggest(name, opts)}
	}
	return r, nil
}

// Which party kinds a place accepts.
type kindSet uint8

func kinds(ks ...PartyKind) kindSet {
	var s kindSet
	for _, k := range ks {
		s |= 1 << k
	}
	return s
}

func (s kindSet) has(k PartyKind) bool { return s&(1<<k) != 0 }

var (
	anyParty   = kinds(PartyUser, PartyUsername, PartyGroup, PartyPhone)
	onePerson  = kinds(PartyUser, PartyUsername, PartyPhone) // a group may hold many
	personOnly = kinds(PartyUser, PartyUsername)             // /phone: people, not numbers
)

type refRule uint8

const (
	refNone refRule = iota
	refOptional
	refRequired
)

// subSpec is the shape of a meet or call subcommand's arguments.
type subSpec struct {
	flags      []string
	ref        refRule
	title      bool
	maxParties int // -1: any number
	kinds      kindSet
	ext        bool        // phone parties may have an extension (meetings)
	tooMany    usageReason // message when over maxParties
}

var specs = map[Root]map[string]subSpec{
	RootMeet: {
		SubCreate:     {flags: []string{"at", "confirm"}, title: true, maxParties: -1, kinds: anyParty, ext: true},
		SubInvite:     {ref: refOptional, maxParties: -1, kinds: anyParty, ext: true},
		SubStatus:     {ref: refOptional},
		SubList:       {},
		SubHangup:     {ref: refOptional, maxParties: 1, kinds: onePerson, ext: true, tooMany: reasonHangupOne},
		SubEnd:        {ref: refOptional},
		SubReschedule: {flags: []string{"at"}, ref: refRequired},
		SubCancel:     {ref: refRequired},
	},
	RootCall: {
		SubDialback: {flags: []string{"from", "max"}, maxParties: 1, kinds: anyParty, tooMany: reasonDialbackOne},
	},
}

var allFlags = []string{"at", "from", "max", "confirm"}

type parser struct {
	pc  *ParseContext
	cmd *Command
}

func (p *parser) run(args []token) error {
	c := p.cmd
	if len(args) == 0 {
		c.Sub = SubHelp
		return nil
	}
	first, rest := args[0], args[1:]
	sub := ""
	if !first.quoted && first.ent == nil {
		sub = canonicalSub(c.Root, first.text)
	}
	if sub == "" && c.Root == RootCall && (isFlag(first) || p.looksLikeParty(first)) {
		sub, rest = SubDialback, args // "/call @bob"
	}
	if sub == "" {
		return &UsageError{Kind: ErrUnknownSub, Root: c.Root, Token: echo(first.raw),
			Suggestion: Suggest(first.text, Subcommands(c.Root))}
	}
	c.Sub = sub
	if sub == SubHelp {
		return p.help(rest)
	}
	for _, t := range rest {
		if name, _, _, ok := flagOf(t); ok && name == "help" {
			c.Sub, c.HelpTopic = SubHelp, sub
			return nil
		}
	}
	if spec, ok := specs[c.Root][sub]; ok {
		return p.generic(spec, rest)
	}
	switch sub {
	case SubStatus: // call status [id]
		return p.callStatus(rest)
	case SubSet:
		return p.phoneSet(rest)
	case SubShow, SubRemove:
		return p.persons(rest, false)
	case SubList, SubShare:
		return p.nothing(rest)
	case SubDND:
		return p.toggle(rest, []string{"on", "off"}, reasonToggle)
	case SubAdmin:
		if err := p.toggle(rest[:min(len(rest), 1)], []string{"add", "remove"}, reasonAdminToggle); err != nil {
			return err
		}
		return p.persons(rest[1:], true)
	}
	return &UsageError{Kind: ErrUnknownSub, Root: c.Root, Token: echo(first.raw)}
}

// canonicalSub returns the subcommand word names for root, or "".
func canonicalSub(root Root, word string) string {
	w := strings.ToLower(word)
	switch w {
	case "?", "-h", "--help", "帮助":
		return SubHelp
	case "dial-back":
		if root == RootCall {
			return SubDialback
		}
	}
	for _, l := range usageTable[root] {
		if l.sub == w {
			return w
		}
	}
	return ""
}

func (p *parser) help(rest []token) error {
	if len(rest) == 0 {
		return nil
	}
	topic := canonicalSub(p.cmd.Root, rest[0].text)
	if topic == "" {
		return &UsageError{Kind: ErrUnknownSub, Root: p.cmd.Root, Token: echo(rest[0].raw),
			Suggestion: Suggest(rest[0].text, Subcommands(p.cmd.Root))}
	}
	if topic != SubHelp {
		p.cmd.HelpTopic = topic
	}
	return nil
}

// flagOf reads a flag token: --name, --name=value, or with an em or en dash
// for the two hyphens (what "smart punctuation" makes of them).
func flagOf(t token) (name, value string, hasValue, ok bool) {
	if t.ent != nil {
		return "", "", false, false
	}
	if t.quoted { // only the value may be quoted: --at="tomorrow 9:30"
		eq := strings.IndexByte(t.raw, '=')
		if eq < 0 || strings.ContainsFunc(t.raw[:eq], isQuote) {
			return "", "", false, false
		}
	}
	s := t.text
	if s == "-h" {
		return "help", "", false, true
	}
	var rest string
	switch {
	case strings.HasPrefix(s, "--"):
		rest = s[2:]
	case strings.HasPrefix(s, "—"):
		rest = strings.TrimPrefix(s[len("—"):], "-")
	case strings.HasPrefix(s, "–"):
		rest = strings.TrimPrefix(s[len("–"):], "-")
	default:
		return "", "", false, false
	}
	if r, _ := utf8.DecodeRuneInString(rest); !unicode.IsLetter(r) {
		return "", "", false, false
	}
	name, value, hasValue = strings.Cut(rest, "=")
	return strings.ToLower(name), value, hasValue, true
}

func isFlag(t token) bool {
	_, _, _, ok := flagOf(t)
	return ok
}

func (p *parser) looksLikeParty(t token) bool {
	if t.ent != nil {
		return true
	}
	if !t.quoted && (strings.HasPrefix(t.text, "@") || strings.HasPrefix(t.text, "<@") || strings.HasPrefix(t.text, "<!")) {
		return true
	}
	return IsPhoneLike(t.text)
}

func (p *parser) errAt(kind error, t token, reason usageReason) *UsageError {
	return &UsageError{Kind: kind, Root: p.cmd.Root, Sub: p.cmd.Sub, Token: echo(t.raw), reason: reason}
}

// generic parses the arguments of the meet subcommands and call dialback.
func (p *parser) generic(spec subSpec, args []token) error {
	c := p.cmd
	sawFlag := false
	var title []string
	messy := false // a quoted title word holds white space of its own
	var seen flagSet
	for i := 0; i < len(args); i++ {
		t := args[i]
		if name, val, hasVal, ok := flagOf(t); ok {
			sawFlag = true
			if err := p.checkFlag(name, spec.flags, &seen); err != nil {
				return err
			}
			n, err := p.flag(name, val, hasVal, args[i+1:])
			if err != nil {
				return err
			}
			i += n
			continue
		}
		if spec.ref != refNone && !t.quoted && t.ent == nil {
			if id, ok := strings.CutPrefix(t.text, "#"); ok {
				if !validID(id, 64) {
					return p.errAt(ErrBadRef, t, reasonNone)
				}
				if c.Ref != "" {
					return p.errAt(ErrUnexpectedArg, t, reasonNone)
				}
				c.Ref = id
				continue
			}
			if i == 0 && !mentionForm(t.text) && p.pc.IsMeetingRef != nil && p.pc.IsMeetingRef(t.text) {
				c.Ref = t.text
				continue
			}
		}
		party, ok, err := p.party(t, spec.ext)
		if err != nil {
			return err
		}
		if ok {
			if spec.maxParties == 0 {
				return p.errAt(ErrUnexpectedArg, t, reasonNone)
			}
			if err := p.checkKind(party, t, spec.kinds); err != nil {
				return err
			}
			p.addParty(party)
			continue
		}
		if spec.title && !sawFlag {
			if w := titleWord(t, !p.pc.NotSlack); w != "" {
				title = append(title, w)
				messy = messy || strings.ContainsFunc(w, unicode.IsSpace)
			}
			continue
		}
		if spec.ref != refNone && i == 0 && c.Ref == "" && !t.quoted {
			return p.errAt(ErrBadRef, t, reasonNone)
		}
		return p.errAt(ErrUnexpectedArg, t, reasonNone)
	}
	if spec.maxParties > 0 && len(c.Parties) > spec.maxParties {
		return &UsageError{Kind: ErrTooManyParties, Root: c.Root, Sub: c.Sub, reason: spec.tooMany}
	}
	if spec.ref == refRequired && c.Ref == "" {
		return &UsageError{Kind: ErrMissingArg, Root: c.Root, Sub: c.Sub, reason: reasonRef}
	}
	if c.Sub == SubReschedule && c.At.IsZero() {
		return &UsageError{Kind: ErrMissingArg, Root: c.Root, Sub: c.Sub, reason: reasonAt}
	}
	if len(title) > 0 {
		c.Title = strings.Join(title, " ")
		if messy {
			c.Title = strings.Join(strings.Fields(c.Title), " ")
		}
		if n := utf8.RuneCountInString(c.Title); n > MaxTitleRunes {
			return &UsageError{Kind: ErrTooLong, Root: c.Root, Sub: c.Sub, reason: reasonTitle, n: n}
		}
	}
	return nil
}

// validID reports whether s is a plausible meeting or call id.
func validID(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// flagSet records the flags given, by their index in allFlags.
type flagSet uint8

func (p *parser) checkFlag(name string, allowed []string, seen *flagSet) error {
	c := p.cmd
	bit := flagSet(0)
	for i, f := range allFlags {
		if f == name {
			bit = 1 << i
		}
	}
	if bit == 0 {
		return &UsageError{Kind: ErrBadFlag, Root: c.Root, Sub: c.Sub, Token: maskToken("--" + name), Suggestion: Suggest(name, allowed)}
	}
	here := false
	for _, f := range allowed {
		here = here || f == name
	}
	if !here {
		return &UsageError{Kind: ErrBadFlag, Root: c.Root, Sub: c.Sub, Token: "--" + name, reason: reasonFlagNotHere}
	}
	if *seen&bit != 0 {
		return &UsageError{Kind: ErrBadFlag, Root: c.Root, Sub: c.Sub, Token: "--" + name, reason: reasonFlagTwice}
	}
	*seen |= bit
	return nil
}

// flag applies one known, allowed flag and returns how many of the following
// tokens it used as its value.
func (p *parser) flag(name, val string, hasVal bool, rest []token) (int, error) {
	c := p.cmd
	needs := &UsageError{Kind: ErrMissingArg, Root: c.Root, Sub: c.Sub, Token: "--" + name, reason: reasonFlagNeedsValue}
	switch name {
	case "confirm":
		if hasVal {
			return 0, &UsageError{Kind: ErrBadFlag, Root: c.Root, Sub: c.Sub, Token: "--confirm", reason: reasonFlagNoValue}
		}
		c.Confirm = true
		return 0, nil
	case "at":
		var vals []string
		if hasVal {
			vals = strings.Fields(val)
		}
		inline := len(vals)
		for j := 0; len(vals) < inline+2 && j < len(rest) && !isFlag(rest[j]); j++ {
			vals = append(vals, rest[j].text)
		}
		if len(vals) == 0 {
			return 0, needs
		}
		at, n, err := ParseTime(vals, p.pc.Now, p.pc.Location)
		if err == nil && n < inline { // --at="10:00 pm"
			_, _, err = ParseTime([]string{val}, p.pc.Now, p.pc.Location)
		}
		if err != nil {
			return 0, &UsageError{Kind: ErrBadTime, Root: c.Root, Sub: c.Sub, Token: maskToken(strings.Join(vals, " ")), Err: err}
		}
		c.At = at
		return max(0, n-inline), nil
	}

	// --from and --max take one token.
	var v token
	used := 0
	switch {
	case hasVal:
		v = token{text: val, raw: val}
	case len(rest) > 0 && !isFlag(rest[0]):
		v, used = rest[0], 1
	}
	if v.text == "" {
		return 0, needs
	}
	if name == "max" {
		d, err := ParseDuration(v.text)
		if err != nil {
			return 0, &UsageError{Kind: ErrBadDuration, Root: c.Root, Sub: c.Sub, Token: echo(v.raw), Err: err}
		}
		c.Max = d
		return used, nil
	}
	party, ok, err := p.party(v, false) // "from": a dial-back leg, never an extension
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, p.errAt(ErrBadParty, v, reasonPersonOnly)
	}
	if err := p.checkKind(party, v, onePerson); err != nil {
		return 0, err
	}
	c.From = &party
	return used, nil
}

func (p *parser) checkKind(party PartyRef, t token, ks kindSet) error {
	if ks.has(party.Kind) {
		return nil
	}
	if party.Kind == PartyGroup {
		return p.errAt(ErrBadParty, t, reasonNoGroup)
	}
	return p.errAt(ErrBadParty, t, reasonPersonOnly)
}

func (p *parser) addParty(party PartyRef) {
	for _, q := range p.cmd.Parties {
		if q.Kind == party.Kind && q.ID == party.ID {
			return
		}
	}
	p.cmd.Parties = append(p.cmd.Parties, party)
}

// party reads t as a party. It returns ok=false for a word that is not one,
// and an error for something meant as a party that cannot be one: a
// malformed mention, @here, or a number that does not normalise.
func (p *parser) party(t token, ext bool) (PartyRef, bool, error) {
	if e := t.ent; e != nil {
		if e.Type == "text_mention" {
			label := e.Name
			if label == "" {
				label = t.text
			}
			return PartyRef{Kind: PartyUser, ID: e.UserID, Label: MaskText(label), Raw: t.raw}, true, nil
		}
		return p.username(t)
	}
	s := t.text
	if !t.quoted {
		switch {
		case strings.HasPrefix(s, "<@"):
			id, label, ok := slackMention(s[2:])
			if !ok {
				return PartyRef{}, false, p.errAt(ErrBadParty, t, reasonMalformed)
			}
			if label == "" {
				label = id
			}
			return PartyRef{Kind: PartyUser, ID: id, Label: MaskText(label), Raw: t.raw}, true, nil
		case strings.HasPrefix(s, "<!subteam^"):
			id, label, ok := slackMention(s[len("<!subteam^"):])
			if !ok {
				return PartyRef{}, false, p.errAt(ErrBadParty, t, reasonMalformed)
			}
			if label == "" {
				label = id
			}
			return PartyRef{Kind: PartyGroup, ID: id, Label: MaskText(label), Raw: t.raw}, true, nil
		case isBroadcast(s):
			return PartyRef{}, false, p.errAt(ErrBadParty, t, reasonBroadcast)
		case strings.HasPrefix(s, "@"):
			return p.username(t)
		}
	}
	if !IsPhoneLike(s) {
		return PartyRef{}, false, nil
	}
	n, err := NormalizePhone(s, PhoneOptions{AllowExtension: ext, AllowInternational: p.pc.AllowInternational})
	if err != nil {
		return PartyRef{}, false, &UsageError{Kind: ErrBadPhone, Root: p.cmd.Root, Sub: p.cmd.Sub, Token: echo(t.raw), Err: err}
	}
	return PartyRef{Kind: PartyPhone, ID: n, Label: MaskPhone(n), Raw: t.raw}, true, nil
}

// slackMention reads "U123|alice>" or "U123>" (what follows "<@" or
// "<!subteam^"); Slack escapes & < > inside the label.
func slackMention(s string) (id, label string, ok bool) {
	body, ok := strings.CutSuffix(s, ">")
	if !ok {
		return "", "", false
	}
	id, label, _ = strings.Cut(body, "|")
	if !validID(id, 32) || strings.ContainsAny(label, "<>") {
		return "", "", false
	}
	return id, slackUnescape(label), true
}

// isBroadcast reports Slack's <!here>, <!channel> and <!everyone>: ringing a
// whole channel is not something a typo should do.
func isBroadcast(s string) bool {
	for _, b := range []string{"<!here", "<!channel", "<!everyone"} {
		if rest, ok := strings.CutPrefix(s, b); ok && (rest == ">" || strings.HasPrefix(rest, "|")) {
			return true
		}
	}
	return false
}

// username reads @name. Trailing sentence punctuation is not part of a name
// ("@alice." at the end of a line).
func (p *parser) username(t token) (PartyRef, bool, error) {
	name := strings.TrimRight(strings.TrimPrefix(t.text, "@"), ".;:!?")
	ok := name != "" && utf8.RuneCountInString(name) <= 64
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '.' && r != '-' {
			ok = false
			break
		}
	}
	if !ok {
		return PartyRef{}, false, p.errAt(ErrBadParty, t, reasonMalformed)
	}
	return PartyRef{Kind: PartyUsername, ID: strings.ToLower(name), Label: MaskText("@" + name), Raw: t.raw}, true, nil
}

// titleWord returns a word of a title as it should read: Slack's channel
// and link markup shown as text, its & < > escapes undone.
func titleWord(t token, slack bool) string {
	s := t.text
	if !slack {
		return s
	}
	if !t.quoted && strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">") && len(s) > 2 {
		body, label, hasLabel := strings.Cut(s[1:len(s)-1], "|")
		switch {
		case hasLabel && strings.HasPrefix(body, "#"):
			s = "#" + label
		case hasLabel:
			s = label
		default:
			s = body
		}
	}
	return slackUnescape(s)
}

// echo returns a token fit to quote in an error message: Slack markup as
// the user saw it ("@oncall", not "<!subteam^S1|@oncall>", which Slack would
// render as a live mention), numbers masked, cut to a readable length.
func echo(raw string) string {
	s := raw
	if len(s) > 2 && s[0] == '<' && s[len(s)-1] == '>' {
		body, label, hasLabel := strings.Cut(s[1:len(s)-1], "|")
		switch {
		case hasLabel && strings.HasPrefix(body, "#"):
			s = "#" + label
		case hasLabel && (strings.HasPrefix(body, "@") || strings.HasPrefix(body, "!")) && !strings.HasPrefix(label, "@"):
			s = "@" + label
		case hasLabel:
			s = label
		case strings.HasPrefix(body, "!subteam^"):
			s = "@" + strings.TrimPrefix(body, "!subteam^")
		case strings.HasPrefix(body, "!") || strings.HasPrefix(body, "@"):
			s = "@" + body[1:]
		default:
			s = body
		}
		s = slackUnescape(s)
	}
	return maskToken(s)
}

func slackUnescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

func (p *parser) callStatus(rest []token) error {
	if err := p.noFlags(rest); err != nil {
		return err
	}
	if len(rest) == 0 {
		return nil
	}
	if len(rest) > 1 {
		return p.errAt(ErrUnexpectedArg, rest[1], reasonNone)
	}
	id := strings.ToLower(strings.TrimPrefix(rest[0].text, "#"))
	if !validID(id, 32) || IsPhoneLike(id) {
		return p.errAt(ErrBadRef, rest[0], reasonCallID)
	}
	p.cmd.CallID = id
	return nil
}

// phoneSet reads "[party] NUMBER": the number comes last.
func (p *parser) phoneSet(rest []token) error {
	if err := p.noFlags(rest); err != nil {
		return err
	}
	c := p.cmd
	if len(rest) == 0 {
		return &UsageError{Kind: ErrMissingArg, Root: c.Root, Sub: c.Sub, reason: reasonNumber}
	}
	last := rest[len(rest)-1]
	if !IsPhoneLike(last.text) {
		if _, ok, err := p.party(last, false); ok && err == nil {
			return &UsageError{Kind: ErrMissingArg, Root: c.Root, Sub: c.Sub, reason: reasonNumber}
		}
		tok := echo(last.raw)
		return &UsageError{Kind: ErrBadPhone, Root: c.Root, Sub: c.Sub, Token: tok,
			Err: &PhoneError{Input: tok, Reason: PhoneUnrecognized}}
	}
	n, err := NormalizePhone(last.text, PhoneOptions{AllowInternational: p.pc.AllowInternational})
	if err != nil {
		return &UsageError{Kind: ErrBadPhone, Root: c.Root, Sub: c.Sub, Token: echo(last.raw), Err: err}
	}
	c.Number = n
	return p.persons(rest[:len(rest)-1], false)
}

// persons reads at most one person (a user or username) for /phone.
func (p *parser) persons(rest []token, required bool) error {
	if err := p.noFlags(rest); err != nil {
		return err
	}
	c := p.cmd
	for _, t := range rest {
		party, ok, err := p.party(t, false)
		if err != nil {
			return err
		}
		if !ok {
			return p.errAt(ErrUnexpectedArg, t, reasonNone)
		}
		if err := p.checkKind(party, t, personOnly); err != nil {
			return err
		}
		p.addParty(party)
	}
	if len(c.Parties) > 1 {
		return &UsageError{Kind: ErrTooManyParties, Root: c.Root, Sub: c.Sub, reason: reasonOnePerson}
	}
	if required && len(c.Parties) == 0 {
		return &UsageError{Kind: ErrMissingArg, Root: c.Root, Sub: c.Sub, reason: reasonParty}
	}
	return nil
}

// toggle reads a required first word out of choices ("on"/"off", "add"/"remove").
func (p *parser) toggle(rest []token, choices []string, missing usageReason) error {
	if err := p.noFlags(rest); err != nil {
		return err
	}
	c := p.cmd
	if len(rest) == 0 {
		return &UsageError{Kind: ErrMissingArg, Root: c.Root, Sub: c.Sub, reason: missing}
	}
	w := strings.ToLower(rest[0].text)
	for _, ch := range choices {
		if w == ch && !rest[0].quoted {
			c.Toggle = ch
			if c.Sub == SubDND && len(rest) > 1 {
				return p.errAt(ErrUnexpectedArg, rest[1], reasonNone)
			}
			return nil
		}
	}
	e := p.errAt(ErrUnexpectedArg, rest[0], reasonNone)
	e.Suggestion = Suggest(w, choices)
	return e
}

func (p *parser) nothing(rest []token) error {
	if err := p.noFlags(rest); err != nil {
		return err
	}
	if len(rest) > 0 {
		return p.errAt(ErrUnexpectedArg, rest[0], reasonNone)
	}
	return nil
}

// noFlags refuses any flag: the /phone and /call status subcommands have none.
func (p *parser) noFlags(rest []token) error {
	for _, t := range rest {
		if name, _, _, ok := flagOf(t); ok {
			var none flagSet
			return p.checkFlag(name, nil, &none)
		}
	}
	return nil
}
