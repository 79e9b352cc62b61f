package bot

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file is the one place for phone rules (SPEC §2): what a typed number
// means, which shapes may be rung, and how a number is shown to others.
// Everything else (the parser, the store, cards, the CSV import) calls it, so
// a rule changed here changes everywhere.

// PhoneOptions says what a number may be where it is used.
type PhoneOptions struct {
	AllowExtension     bool // landline ",1234" extension: meetings only, never dial-back legs
	AllowInternational bool // policy.allow_international
}

// ErrBadPhone is wrapped by every refusal of a number, from NormalizePhone
// and from Parse, so callers branch with errors.Is.
var ErrBadPhone = errors.New("bot: not a phone number that can be rung")

// PhoneReason says why a number was refused.
type PhoneReason int

// Reasons for refusing a number. The distinction matters to the user: an
// extension or an international number is fixable by where it is used (or by
// an admin), anything else by retyping.
const (
	PhoneUnrecognized            PhoneReason = iota + 1 // not a mobile, landline or 00+country number
	PhoneExtensionNotAllowed                            // a landline extension where only a plain number can be rung
	PhoneInternationalNotAllowed                        // another country code while policy.allow_international is off
)

// PhoneError is a refused number. Input is already masked, so the error can
// be shown and logged as is.
type PhoneError struct {
	Input  string // the number as typed, masked
	Reason PhoneReason
}

// Error returns the English message.
func (e *PhoneError) Error() string { return e.Message("en") }

// Unwrap returns ErrBadPhone.
func (e *PhoneError) Unwrap() error { return ErrBadPhone }

// Message returns a complete sentence in locale ("en" or "zh-CN") that names
// the masked input and shows the accepted forms.
func (e *PhoneError) Message(locale string) string {
	zh := isZH(locale)
	in := quote(e.Input)
	if in == "" {
		in = pick(zh, "(empty)", "（空）")
	}
	var why string
	switch e.Reason {
	case PhoneExtensionNotAllowed:
		why = pick(zh,
			"%s has an extension; extensions (,1234) work only for meeting parties, not for dial-back or a mapped number.",
			"%s 带有分机号；分机号（,1234）只能用于会议成员，不能用于回拨或绑定号码。")
	case PhoneInternationalNotAllowed:
		why = pick(zh,
			"%s is an international number, and international numbers are not enabled here (ask an admin).",
			"%s 是国际号码，本机器人未开启国际号码（请联系管理员）。")
	default:
		why = pick(zh,
			"%s is not a phone number I can ring.",
			"%s 不是可以拨打的电话号码。")
	}
	return fmt.Sprintf(why, in) + pick(zh, " ", "") + phoneForms(zh)
}

func phoneForms(zh bool) string {
	return pick(zh,
		"Accepted: a mobile (138-0000-0000), a landline with area code (010-5388-9900, meetings may add an extension: 010-5388-9900,1234), either with +86 in front.",
		"可用格式：手机号（138-0000-0000）、带区号的固定电话（010-5388-9900，会议中可加分机：010-5388-9900,1234），前面可加 +86。")
}

// Character classes of phone tokens. Full-width forms are what Chinese input
// methods produce, so they count like their ASCII twins.
type phoneClass uint8

const (
	pcOther phoneClass = iota
	pcDigit
	pcSep // dropped: space, - . ( )
	pcPlus
	pcComma // extension separator
)

func phoneRune(r rune) (byte, phoneClass) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r), pcDigit
	case r >= '０' && r <= '９':
		return byte(r-'０') + '0', pcDigit
	case r == '+' || r == '＋':
		return '+', pcPlus
	case r == ',':
		return ',', pcComma
	case r == '-' || r == '.' || r == '(' || r == ')' ||
		r == '－' || r == '．' || r == '（' || r == '）' || unicode.IsSpace(r):
		return 0, pcSep
	}
	return 0, pcOther
}

// maxPhoneInput bounds the work on a token; no written form of a real number
// comes near it.
const maxPhoneInput = 64

// NormalizePhone returns the canonical form of a typed number: a mobile
// "13800000000", a landline with trunk 0 "01053889900" (",1234" extension only
// with o.AllowExtension), or "00"+country code+number for other countries
// (only with o.AllowInternational). Separators (space - . ( )) are dropped and
// +86/86/0086 removed; full-width digits and symbols, which Chinese input
// methods produce, count as their ASCII forms. Every refusal is a *PhoneError
// wrapping ErrBadPhone. The result normalises to itself.
func NormalizePhone(s string, o PhoneOptions) (string, error) {
	n, reason := normalize(s, o)
	if reason != 0 {
		return "", &PhoneError{Input: maskToken(s), Reason: reason}
	}
	return n, nil
}

// normalize is NormalizePhone without building an error; MaskText uses it
// (building the error would mask, which would recurse).
func normalize(s string, o PhoneOptions) (string, PhoneReason) {
	if len(s) > maxPhoneInput {
		return "", PhoneUnrecognized
	}
	var buf [maxPhoneInput]byte
	main, ext := buf[:0], []byte(nil)
	plus, inExt := false, false
	for _, r := range s {
		c, cl := phoneRune(r)
		switch cl {
		case pcDigit:
			if inExt {
				ext = append(ext, c)
			} else {
				main = append(main, c)
			}
		case pcSep:
		case pcPlus:
			if plus || inExt || len(main) > 0 {
				return "", PhoneUnrecognized
			}
			plus = true
		case pcComma:
			if inExt {
				return "", PhoneUnrecognized
			}
			inExt = true
		default:
			return "", PhoneUnrecognized
		}
	}
	d := string(main)

	var cn string // the Chinese national number, trunk 0 perhaps missing
	hadCC := false
	switch {
	case plus && strings.HasPrefix(d, "86"):
		cn, hadCC = d[2:], true
	case plus:
		return international(d, inExt, o)
	case strings.HasPrefix(d, "0086"):
		cn, hadCC = d[4:], true
	case strings.HasPrefix(d, "00"):
		return international(d[2:], inExt, o)
	case strings.HasPrefix(d, "86"):
		// No domestic number starts with 8 (landlines start with the trunk
		// 0, mobiles with 1), so a leading 86 can only be the country code.
		cn, hadCC = d[2:], true
	default:
		cn = d
	}

	var n string
	switch {
	case isMobile(cn):
		n = cn
	case hadCC && cn != "" && cn[0] != '0' && (cn[0] != '1' || strings.HasPrefix(cn, "10")) && isLandline("0"+cn):
		// "+86 10 5388 9900": the trunk 0 is dropped after a country code.
		// Of the area codes starting with 1 only Beijing's 10 exists, so
		// "+86 1380000000" is a mobile missing a digit, not area code 013.
		n = "0" + cn
	case isLandline(cn):
		n = cn
	default:
		return "", PhoneUnrecognized
	}
	if inExt {
		if !isLandline(n) || len(ext) < 1 || len(ext) > 6 {
			return "", PhoneUnrecognized
		}
		if !o.AllowExtension {
			return "", PhoneExtensionNotAllowed
		}
		n += "," + string(ext)
	}
	return n, 0
}

// international checks the digits after "00" or "+".
func international(d string, inExt bool, o PhoneOptions) (string, PhoneReason) {
	// Country codes never start with 0; E.164 caps a number at 15 digits.
	if inExt || len(d) < 7 || len(d) > 15 || d[0] == '0' {
		return "", PhoneUnrecognized
	}
	if !o.AllowInternational {
		return "", PhoneInternationalNotAllowed
	}
	return "00" + d, 0
}

// isMobile matches ^1[3-9]\d{9}$ on a string of ASCII digits.
func isMobile(s string) bool {
	return len(s) == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && allDigits(s)
}

// isLandline matches ^0[1-9]\d{1,2}\d{7,8}$ on a string of ASCII digits: the
// trunk 0, a 2-4 digit area code and a 7-8 digit local number make 10-12 digits.
func isLandline(s string) bool {
	return len(s) >= 10 && len(s) <= 12 && s[0] == '0' && s[1] != '0' && allDigits(s)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// IsPhoneLike reports whether a token is meant as a phone number: only digits
// and the characters + - . ( ) and spaces, perhaps an extension after a comma,
// and at least 7 digits before it. Such a token is a party, never a title
// word, so a mistyped number is refused rather than ignored. An ISO date
// (2026-12-01) is not phone-like.
func IsPhoneLike(token string) bool {
	digits, inExt := 0, false
	for _, r := range token {
		_, cl := phoneRune(r)
		switch cl {
		case pcDigit:
			if !inExt {
				digits++
			}
		case pcSep, pcPlus:
		case pcComma:
			inExt = true
		default:
			return false
		}
	}
	return digits >= 7 && !isDate(token)
}

// numeric reports whether a token is made only of phone characters and has a
// digit: a piece of a number perhaps written with spaces ("138 0000 0000").
func numeric(s string) (digits int, ok bool) {
	for _, r := range s {
		switch _, cl := phoneRune(r); cl {
		case pcDigit:
			digits++
		case pcOther:
			return 0, false
		}
	}
	return digits, digits > 0 && !isDate(s)
}

// isDate matches YYYY-MM-DD (or with dots) for years 1900-2199, the only
// common token of 8 digits and dashes that is not a phone number.
func isDate(s string) bool {
	if len(s) < 8 || len(s) > 10 || !allDigits(s[:4]) {
		return false
	}
	sep := s[4]
	if sep != '-' && sep != '.' {
		return false
	}
	y := atoi(s[:4])
	m, rest, ok := strings.Cut(s[5:], string(sep))
	if !ok || y < 1900 || y > 2199 || len(m) < 1 || len(m) > 2 || len(rest) < 1 || len(rest) > 2 ||
		!allDigits(m) || !allDigits(rest) {
		return false
	}
	mm, dd := atoi(m), atoi(rest)
	return mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31
}

// atoi reads a short string of ASCII digits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// MaskPhone returns n as others may see it: mobile 138****0000, landline
// 010****9900 (area code kept, extension hidden), international "00"+country
// code, then the first 2 and last 2 digits ("0044 79****21"). Anything else
// keeps at most its first 3 and last 2 digits. The result never contains n.
func MaskPhone(n string) string {
	if i := strings.IndexByte(n, ','); i >= 0 {
		n = n[:i]
	}
	switch {
	case isMobile(n):
		return n[:3] + "****" + n[7:]
	case isLandline(n):
		area := 4
		if n[1] == '1' || n[1] == '2' { // 010 and 02x are the only 3-digit area codes
			area = 3
		}
		return n[:area] + "****" + n[len(n)-4:]
	case strings.HasPrefix(n, "00") && len(n) >= 9 && len(n) <= 17 && n[2] != '0' && allDigits(n):
		d := n[2:]
		cc := countryCodeLen(d)
		sub := d[cc:]
		// The space keeps "00"+code and the kept digits apart, so no run of
		// digits in the mask is long enough to be mistaken for a number.
		switch {
		case len(sub) >= 6:
			return "00" + d[:cc] + " " + sub[:2] + "****" + sub[len(sub)-2:]
		case len(sub) >= 3:
			return "00" + d[:cc] + " ****" + sub[len(sub)-2:]
		default:
			return "00" + d[:cc] + " ****"
		}
	}
	var digits []byte
	for _, r := range n {
		if c, cl := phoneRune(r); cl == pcDigit {
			digits = append(digits, c)
		}
	}
	if len(digits) < 7 {
		return "****"
	}
	return string(digits[:3]) + "****" + string(digits[len(digits)-2:])
}

// countryCodeLen returns the length of the E.164 country code d starts with:
// 1 and 7 are one digit, the listed zones two, the rest three.
func countryCodeLen(d string) int {
	if d[0] == '1' || d[0] == '7' {
		return 1
	}
	if len(d) >= 2 && strings.Contains(twoDigitCodes, d[:2]+" ") {
		return 2
	}
	return 3
}

const twoDigitCodes = "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 " +
	"60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98 "

// MaskText masks every phone-like run inside free text: a name or title that
// is itself a number, a number written with spaces ("138 0000 0000") or glued
// to other words ("请拨13800000000"). Runs of fewer than 7 digits, dates and
// times are left alone, as is all other text.
func MaskText(s string) string {
	chunks := scanChunks(s)
	if len(chunks) == 0 {
		return s
	}
	pieces := make([]numPiece, len(chunks))
	for i, c := range chunks {
		pieces[i] = numPiece{text: s[c.start:c.end], digits: c.digits, joined: i > 0 && c.spaced}
	}
	var b strings.Builder
	last := 0
	for _, g := range groupNumbers(pieces) {
		start, end := trimSpan(s, chunks[g.first].start, chunks[g.last].end)
		if start >= end {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(maskRun(s[start:end]))
		last = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// maskRun masks one phone-like run, through its normalised form when it has
// one so that "+86 138 0000 0000" and "13800000000" look the same.
func maskRun(run string) string {
	if n, r := normalize(run, PhoneOptions{AllowExtension: true, AllowInternational: true}); r == 0 {
		return MaskPhone(n)
	}
	return MaskPhone(run)
}

// maskToken returns a token fit to echo in a message: phone-like runs masked,
// and cut to a readable length (after masking, so a cut never exposes a
// number's digits).
func maskToken(s string) string {
	s = MaskText(s)
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}

type chunk struct {
	start, end int
	digits     int
	spaced     bool // only white space separates it from the previous chunk
}

// scanChunks finds the runs of phone characters (no white space) in s that
// have a digit and are not dates. A comma belongs to a run only as an
// extension (1-6 digits, then the end of the run).
func scanChunks(s string) []chunk {
	var out []chunk
	prevEnd := -1
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		_, cl := phoneRune(r)
		if cl == pcOther || cl == pcComma || unicode.IsSpace(r) {
			i += size
			continue
		}
		start, digits := i, 0
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			_, cl := phoneRune(r)
			if cl == pcComma {
				if n := extDigits(s[i+1:]); n > 0 {
					i += 1 + n
				}
				break
			}
			if cl == pcOther || unicode.IsSpace(r) {
				break
			}
			if cl == pcDigit {
				digits++
			}
			i += size
		}
		if digits == 0 || isDate(s[start:i]) {
			prevEnd = -1
			continue
		}
		spaced := prevEnd >= 0 && prevEnd < start && strings.TrimSpace(s[prevEnd:start]) == ""
		out = append(out, chunk{start: start, end: i, digits: digits, spaced: spaced})
		prevEnd = i
	}
	return out
}

// extDigits returns the length of a 1-6 digit extension at the start of s, or 0.
func extDigits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n < 1 || n > 6 {
		return 0
	}
	if n < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[n:]); r != ' ' && !unicode.IsSpace(r) {
			if _, cl := phoneRune(r); cl != pcOther {
				return 0
			}
		}
	}
	return n
}

// trimSpan narrows a run to what should be replaced: from its first digit or
// + (or an opening parenthesis closed inside) to its last digit (or a closing
// parenthesis opened inside), so punctuation around a number survives.
func trimSpan(s string, start, end int) (int, int) {
	run := s[start:end]
	first := strings.IndexAny(run, "0123456789+０１２３４５６７８９＋")
	last := strings.LastIndexAny(run, "0123456789０１２３４５６７８９")
	if first < 0 || last < 0 {
		return start, start
	}
	_, size := utf8.DecodeRuneInString(run[last:])
	last += size
	if open := strings.LastIndexByte(run[:first], '('); open >= 0 && strings.IndexByte(run[first:last], ')') >= 0 {
		first = open
	}
	if strings.HasPrefix(run[last:], ")") && strings.IndexByte(run[first:last], '(') >= 0 {
		last++
	}
	return start + first, start + last
}

// numPiece is one candidate piece of a number: a token of the command line,
// or a chunk of free text.
type numPiece struct {
	text   string
	digits int
	joined bool // may join the previous piece (only white space between)
}

type numGroup struct{ first, last int }

// groupNumbers decides which pieces form numbers, so the parser and MaskText
// agree on "+86 138 0000 0000" being one number. A piece of 7+ digits stands
// alone unless it completes a number begun by short pieces; short pieces join
// into the longest run (up to 6 pieces) that normalises, and failing that, a
// run of short pieces with 7+ digits in all is still one (bad) number, so it
// is refused or masked rather than read as words.
func groupNumbers(ps []numPiece) []numGroup {
	var out []numGroup
	lenient := PhoneOptions{AllowExtension: true, AllowInternational: true}
	for k := 0; k < len(ps); {
		if ps[k].digits >= 7 {
			out = append(out, numGroup{k, k})
			k++
			continue
		}
		end := k
		for end+1 < len(ps) && end+1 <= k+5 && ps[end+1].joined {
			end++
		}
		found := -1
		for m := end; m > k; m-- {
			if _, r := normalize(joinPieces(ps[k:m+1]), lenient); r == 0 {
				found = m
				break
			}
		}
		if found >= 0 {
			out = append(out, numGroup{k, found})
			k = found + 1
			continue
		}
		r, total := k, ps[k].digits
		for r+1 < len(ps) && ps[r+1].joined && ps[r+1].digits < 7 {
			r++
			total += ps[r].digits
		}
		if total >= 7 {
			out = append(out, numGroup{k, r})
		}
		k = r + 1
	}
	return out
}

func joinPieces(ps []numPiece) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.text)
	}
	return b.String()
}
