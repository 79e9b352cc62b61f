package bot

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/ytxbot/ytxbot/ytx"
)

// acceptedRE is every shape NormalizePhone may return (SPEC §2).
var acceptedRE = regexp.MustCompile(`^(1[3-9]\d{9}|0[1-9]\d{1,2}\d{7,8}(,\d{1,6})?|00\d{7,15})$`)

var (
	meeting  = PhoneOptions{AllowExtension: true}
	leg      = PhoneOptions{}
	intlLeg  = PhoneOptions{AllowInternational: true}
	everyone = PhoneOptions{AllowExtension: true, AllowInternational: true}
)

type phoneCase struct {
	name string
	in   string
	opts PhoneOptions
	want string      // "" when refused
	why  PhoneReason // when refused
}

var phoneCases = []phoneCase{
	// Mobiles, with every spelling of the country code.
	{"mobile", "13800000000", leg, "13800000000", 0},
	{"mobile dashes", "138-0000-0000", leg, "13800000000", 0},
	{"mobile spaces", "138 0000 0000", leg, "13800000000", 0},
	{"mobile dots", "138.0000.0000", leg, "13800000000", 0},
	{"mobile +86", "+8613800000000", leg, "13800000000", 0},
	{"mobile +86 spaced", "+86 138 0000 0000", leg, "13800000000", 0},
	{"mobile (+86)", "(+86) 138-0000-0000", leg, "13800000000", 0},
	{"mobile 86", "8613800000000", leg, "13800000000", 0},
	{"mobile 0086", "0086 13800000000", leg, "13800000000", 0},
	{"mobile full-width", "１３８００００００００", leg, "13800000000", 0},
	{"mobile full-width plus", "＋86 138－0000－0000", leg, "13800000000", 0},
	{"mobile 19x", "19912345678", leg, "19912345678", 0},
	{"mobile 12x refused", "12800000000", leg, "", PhoneUnrecognized},
	{"mobile short", "1380000000", leg, "", PhoneUnrecognized},
	{"mobile long", "138000000000", leg, "", PhoneUnrecognized},
	{"mobile with extension", "13800000000,12", meeting, "", PhoneUnrecognized},

	// Landlines: trunk 0 kept, or restored after a country code.
	{"landline", "01053889900", leg, "01053889900", 0},
	{"landline dashed", "010-5388-9900", leg, "01053889900", 0},
	{"landline parentheses", "(010) 5388 9900", leg, "01053889900", 0},
	{"landline 4-digit area", "0755-1234-5678", leg, "075512345678", 0},
	{"landline 7-digit local", "0311-1234567", leg, "03111234567", 0},
	{"landline +86 no trunk", "+86 10 5388 9900", leg, "01053889900", 0},
	{"landline 86 no trunk", "861053889900", leg, "01053889900", 0},
	{"landline 0086 no trunk", "0086-10-53889900", leg, "01053889900", 0},
	{"landline +86 (0)", "+86 010 5388 9900", leg, "01053889900", 0},
	{"landline no trunk no cc", "1053889900", leg, "", PhoneUnrecognized},
	{"+86 mobile missing a digit is no landline", "+86 1380000000", leg, "", PhoneUnrecognized},
	{"86 mobile missing a digit", "861380000000", leg, "", PhoneUnrecognized},
	{"+86 and one digit", "+861", leg, "", PhoneUnrecognized},
	{"+86 alone", "+86", leg, "", PhoneUnrecognized},
	{"+86 landline area 20", "+86 20 1234 5678", leg, "02012345678", 0},
	{"00 is an international prefix", "00105388990", leg, "", PhoneInternationalNotAllowed},
	{"landline too short", "010538899", leg, "", PhoneUnrecognized},
	{"landline too long", "0105388990012", leg, "", PhoneUnrecognized},

	// Extensions: meetings only.
	{"extension in meeting", "010-5388-9900,1234", meeting, "01053889900,1234", 0},
	{"extension +86", "+86 10 5388 9900,1", meeting, "01053889900,1", 0},
	{"extension six digits", "01053889900,123456", meeting, "01053889900,123456", 0},
	{"extension refused on a leg", "01053889900,1234", leg, "", PhoneExtensionNotAllowed},
	{"extension seven digits", "01053889900,1234567", meeting, "", PhoneUnrecognized},
	{"extension empty", "01053889900,", meeting, "", PhoneUnrecognized},
	{"extension twice", "01053889900,12,34", meeting, "", PhoneUnrecognized},

	// International numbers: only when allowed, as 00 + country code.
	{"uk off", "+44 20 7946 0958", meeting, "", PhoneInternationalNotAllowed},
	{"uk on", "+44 20 7946 0958", intlLeg, "00442079460958", 0},
	{"uk 0044 on", "0044 20 7946 0958", intlLeg, "00442079460958", 0},
	{"uk 0044 off", "0044 20 7946 0958", leg, "", PhoneInternationalNotAllowed},
	{"us on", "+1 (555) 010-0100", intlLeg, "0015550100100", 0},
	{"international too short", "+44 1234", intlLeg, "", PhoneUnrecognized},
	{"international too long", "+44 1234567890123456", intlLeg, "", PhoneUnrecognized},
	{"international leading zero", "+044 2079460958", intlLeg, "", PhoneUnrecognized},
	{"international extension", "+44 2079460958,12", everyone, "", PhoneUnrecognized},

	// Garbage.
	{"empty", "", leg, "", PhoneUnrecognized},
	{"letters", "138abc00000", leg, "", PhoneUnrecognized},
	{"plus in the middle", "138+00000000", leg, "", PhoneUnrecognized},
	{"two pluses", "++8613800000000", leg, "", PhoneUnrecognized},
	{"separators only", "- . ( )", leg, "", PhoneUnrecognized},
	{"too long input", strings.Repeat("1", 65), everyone, "", PhoneUnrecognized},
	{"emoji", "138😀00000000", leg, "", PhoneUnrecognized},
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	for _, tc := range phoneCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := NormalizePhone(tc.in, tc.opts)
			if tc.want != "" {
				if err != nil || got != tc.want {
					t.Fatalf("NormalizePhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
				}
				if !acceptedRE.MatchString(got) || !ytx.ValidParty(got) {
					t.Errorf("%q is not an accepted shape", got)
				}
				if again, err := NormalizePhone(got, tc.opts); again != got || err != nil {
					t.Errorf("not idempotent: %q → %q, %v", got, again, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("NormalizePhone(%q) = %q; want a refusal", tc.in, got)
			}
			if !errors.Is(err, ErrBadPhone) {
				t.Errorf("error %v does not wrap ErrBadPhone", err)
			}
			var pe *PhoneError
			if !errors.As(err, &pe) || pe.Reason != tc.why {
				t.Fatalf("error %#v; want reason %d", err, tc.why)
			}
			checkMessages(t, pe, tc.in)
		})
	}
}

// checkMessages asserts the user-facing messages of err: present in both
// languages, different, and free of any number the input holds.
func checkMessages(t *testing.T, err LocalizedError, input string) {
	t.Helper()
	en, zh := err.Message("en"), err.Message("zh-CN")
	if en == "" || zh == "" || en == zh {
		t.Errorf("messages en=%q zh=%q: want both, different", en, zh)
	}
	if err.Error() == "" {
		t.Error("empty Error()")
	}
	for _, m := range []string{en, zh, err.Error()} {
		if leaked := longDigitRun(m); leaked != "" {
			t.Errorf("message shows a number (%s): %q", leaked, m)
		}
	}
}

var digitRunRE = regexp.MustCompile(`[0-9０-９]{7,}`)

// longDigitRun returns a run of 7+ digits in s, or "". A mask has at most
// 5 digits in a row, and the examples in messages are written with dashes,
// so any such run is a number that leaked.
func longDigitRun(s string) string { return digitRunRE.FindString(s) }

func TestPhoneErrorLocales(t *testing.T) {
	t.Parallel()
	_, err := NormalizePhone("+44 20 7946 0958", leg)
	var pe *PhoneError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v", err)
	}
	if pe.Input != "0044 20****58" {
		t.Errorf("Input = %q; want the masked number", pe.Input)
	}
	for _, want := range []string{"international", "0044 20****58", "138-0000-0000"} {
		if !strings.Contains(pe.Message("en"), want) {
			t.Errorf("en message %q lacks %q", pe.Message("en"), want)
		}
	}
	if !strings.Contains(pe.Message("zh-CN"), "国际") || pe.Message("zh") != pe.Message("zh-CN") {
		t.Errorf("zh message %q", pe.Message("zh-CN"))
	}
	if pe.Message("fr") != pe.Message("en") {
		t.Error("an unknown locale should read English")
	}
}

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"13800000000", "138****0000"},
		{"01053889900", "010****9900"},
		{"01053889900,1234", "010****9900"},
		{"02012345678", "020****5678"},
		{"075512345678", "0755****5678"},
		{"00442079460958", "0044 20****58"},
		{"0015550100100", "001 55****00"},
		{"008521234567", "00852 12****67"},
		{"001234567", "001 23****67"},
		{"00123456", "001****56"},
		{"1380000000", "138****00"},
		{"+86 138 0000", "861****00"},
		{"12345", "****"},
		{"", "****"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got := MaskPhone(tc.in)
			if got != tc.want {
				t.Errorf("MaskPhone(%q) = %q; want %q", tc.in, got, tc.want)
			}
			if tc.in != "" && len(tc.in) >= 7 && strings.Contains(got, digitsOf(tc.in)) {
				t.Errorf("mask %q contains the number", got)
			}
		})
	}
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestMaskText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"plain text", "daily standup", "daily standup"},
		{"name is a number", "13800000000", "138****0000"},
		{"inside a sentence", "call 13800000000 now", "call 138****0000 now"},
		{"grouped", "ring +86 138 0000 0000, thanks", "ring 138****0000, thanks"},
		{"landline in parentheses", "office (010) 5388-9900", "office 010****9900"},
		{"extension hidden", "desk 010-5388-9900,1234 ok", "desk 010****9900 ok"},
		{"glued to CJK", "请拨13800000000谢谢", "请拨138****0000谢谢"},
		{"two numbers", "13800000001 13900000002", "138****0001 139****0002"},
		{"comma list", "13800000001,13900000002", "138****0001,139****0002"},
		{"sentence end", "Call 13800000000.", "Call 138****0000."},
		{"bad number still masked", "1380000000", "138****00"},
		{"short numbers left", "room 42, floor 3", "room 42, floor 3"},
		{"year and room", "Q3 2026 review", "Q3 2026 review"},
		{"date and time", "2026-12-01 10:00", "2026-12-01 10:00"},
		{"version", "v1.2.3", "v1.2.3"},
		{"international", "+44 20 7946 0958", "0044 20****58"},
		{"already masked", "138****0000", "138****0000"},
		{"full-width", "１３８００００００００", "138****0000"},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := MaskText(tc.in); got != tc.want {
				t.Errorf("MaskText(%q) = %q; want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestIsPhoneLike(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"13800000000", true},
		{"138-0000-0000", true},
		{"+86 138 0000 0000", true},
		{"(010) 5388.9900", true},
		{"01053889900,1234", true},
		{"1234567", true},
		{"1380000000", true}, // phone-like, then refused: never a title word
		{"+44 20 7946 0958", true},
		{"123456", false},
		{"1,000,000", false},
		{"2026-12-01", false},
		{"10:00", false},
		{"#12", false},
		{"@alice", false},
		{"138abc00000", false},
		{"standup", false},
		{"", false},
		{"１３８００００００００", true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got := IsPhoneLike(tc.in); got != tc.want {
				t.Errorf("IsPhoneLike(%q) = %v; want %v", tc.in, got, tc.want)
			}
		})
	}
}
