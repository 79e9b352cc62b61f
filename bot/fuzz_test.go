package bot

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ytxbot/ytxbot/ytx"
)

// FuzzParse: no input panics; a parsed command carries only numbers in an
// accepted shape, masked labels and a bounded title; every refusal is a
// *UsageError with messages in both languages that show no number.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.text, false, 0, 0, false)
	}
	for _, tc := range errCases {
		f.Add(tc.text, false, 0, 0, false)
	}
	f.Add(emojiText, false, 23, 11, true)
	f.Add(cjkText, true, u16(cjkText, "Alice"), 5, true)
	f.Add("/meet create +44 20 7946 0958 ０１０-5388-9900,1", true, 0, 0, false)
	f.Add("/phone set <@U1|138 0000 0000> 139 1234 5678", false, 0, 0, false)
	f.Fuzz(func(t *testing.T, text string, intl bool, off, n int, textMention bool) {
		pc := testContext()
		pc.AllowInternational = intl
		pc.BotUsername = "OurBot"
		pc.IsMeetingRef = func(s string) bool { return s == "12" }
		if n != 0 {
			typ := "mention"
			if textMention {
				typ = "text_mention"
			}
			pc.Entities = []Entity{{Type: typ, Offset: off, Length: n, UserID: "42", Name: "Alice"}}
		}
		cmd, err := Parse(text, pc)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) || ue.Kind == nil {
				t.Fatalf("Parse(%q): %T %v; want a *UsageError with a Kind", text, err, err)
			}
			en, zh := ue.Message("en"), ue.Message("zh-CN")
			if en == "" || zh == "" || en == zh || ue.Error() == "" {
				t.Fatalf("Parse(%q): messages en=%q zh=%q", text, en, zh)
			}
			for _, m := range []string{en, zh, ue.Token} {
				if run := longDigitRun(m); run != "" {
					t.Fatalf("Parse(%q): message shows %q: %q", text, run, m)
				}
			}
			return
		}
		if cmd.Sub == "" || !contains(Subcommands(cmd.Root), cmd.Sub) {
			t.Fatalf("Parse(%q): root %q sub %q", text, cmd.Root, cmd.Sub)
		}
		if utf8.RuneCountInString(cmd.Title) > MaxTitleRunes {
			t.Fatalf("Parse(%q): title of %d runes", text, utf8.RuneCountInString(cmd.Title))
		}
		parties := append([]PartyRef(nil), cmd.Parties...)
		if cmd.From != nil {
			parties = append(parties, *cmd.From)
			if strings.Contains(cmd.From.ID, ",") {
				t.Fatalf("Parse(%q): --from has an extension: %q", text, cmd.From.ID)
			}
		}
		seen := map[PartyRef]bool{}
		for _, p := range cmd.Parties {
			k := PartyRef{Kind: p.Kind, ID: p.ID}
			if seen[k] {
				t.Fatalf("Parse(%q): duplicate party %v", text, k)
			}
			seen[k] = true
		}
		for _, p := range parties {
			if p.ID == "" {
				t.Fatalf("Parse(%q): party without id: %+v", text, p)
			}
			if run := longDigitRun(p.Label); run != "" {
				t.Fatalf("Parse(%q): label %q shows a number", text, p.Label)
			}
			if p.Kind != PartyPhone {
				continue
			}
			checkNumber(t, p.ID, intl)
			if cmd.Root == RootCall && strings.Contains(p.ID, ",") {
				t.Fatalf("Parse(%q): a dial-back leg with an extension: %q", text, p.ID)
			}
		}
		if cmd.Number != "" {
			checkNumber(t, cmd.Number, intl)
			if strings.Contains(cmd.Number, ",") {
				t.Fatalf("Parse(%q): a mapped number with an extension: %q", text, cmd.Number)
			}
		}
		if !cmd.At.IsZero() && !cmd.At.After(testNow) {
			t.Fatalf("Parse(%q): --at %v is not in the future", text, cmd.At)
		}
		if cmd.Max < 0 {
			t.Fatalf("Parse(%q): --max %v", text, cmd.Max)
		}
	})
}

// checkNumber asserts n is a normalised number YTX accepts.
func checkNumber(t *testing.T, n string, intl bool) {
	t.Helper()
	if !acceptedRE.MatchString(n) || !ytx.ValidParty(n) {
		t.Fatalf("number %q is not an accepted shape", n)
	}
	if !intl && strings.HasPrefix(n, "00") {
		t.Fatalf("international number %q while not allowed", n)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FuzzNormalizePhone: no input panics; an accepted number has an accepted
// shape allowed by the options, normalises to itself, and its mask does not
// contain it; refusals wrap ErrBadPhone and show no number; MaskText never
// leaves 7 digits in a row.
func FuzzNormalizePhone(f *testing.F) {
	for _, tc := range phoneCases {
		f.Add(tc.in, tc.opts.AllowExtension, tc.opts.AllowInternational)
	}
	f.Add("請撥打 +86 138 0000 0000 或 (010) 5388-9900,12。", true, true)
	f.Fuzz(func(t *testing.T, s string, ext, intl bool) {
		o := PhoneOptions{AllowExtension: ext, AllowInternational: intl}
		n, err := NormalizePhone(s, o)
		if masked := MaskText(s); longDigitRun(masked) != "" {
			t.Fatalf("MaskText(%q) = %q shows a number", s, masked)
		}
		_ = IsPhoneLike(s)
		if err != nil {
			var pe *PhoneError
			if !errors.Is(err, ErrBadPhone) || !errors.As(err, &pe) {
				t.Fatalf("NormalizePhone(%q): %v", s, err)
			}
			for _, m := range []string{pe.Message("en"), pe.Message("zh-CN"), pe.Input} {
				if run := longDigitRun(m); run != "" {
					t.Fatalf("NormalizePhone(%q): message shows %q: %q", s, run, m)
				}
			}
			return
		}
		checkNumber(t, n, intl)
		if !ext && strings.Contains(n, ",") {
			t.Fatalf("NormalizePhone(%q) = %q: extension while not allowed", s, n)
		}
		if again, err := NormalizePhone(n, o); again != n || err != nil {
			t.Fatalf("NormalizePhone(%q) = %q, but that normalises to %q, %v", s, n, again, err)
		}
		number, _, _ := strings.Cut(n, ",")
		if m := MaskPhone(n); strings.Contains(m, number) || longDigitRun(m) != "" {
			t.Fatalf("MaskPhone(%q) = %q shows the number", n, m)
		}
	})
}
