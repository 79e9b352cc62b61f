package bot

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// fuzzNow maps any int64 to a clock between 1970 and 2150: dates outside
// 1900-2199 are not a TIME (isDate), so a round trip through the date form
// needs the result to stay inside.
func fuzzNow(sec int64) time.Time {
	const span = int64(180 * 365 * 24 * 3600)
	sec %= span
	if sec < 0 {
		sec += span
	}
	return time.Unix(sec, int64(sec%1000)*int64(time.Millisecond))
}

// fuzzZone is a fixed zone between UTC-14 and UTC+14 (no DST: a typed wall
// time exists exactly once), or nil for the clock's own zone.
func fuzzZone(minutes int) *time.Location {
	if minutes == 0 {
		return nil
	}
	minutes %= 14*60 + 1
	return time.FixedZone("Z", minutes*60)
}

// FuzzParseTime: no input panics; an accepted TIME lies after now, in the
// location asked for, at the typed wall clock (whole minutes) on the day
// named (today, tomorrow, the date), or exactly +DURATION ahead, and it
// reads back the same through its canonical form; every refusal is a
// *TimeError wrapping ErrBadTime with messages in English and Chinese that
// show no number.
func FuzzParseTime(f *testing.F) {
	shanghaiNow := testNow.Unix()
	for _, args := range [][]string{
		{"15:30"}, {"9:05"}, {"15:30", "@alice"}, {"15：30"}, {"10:00"}, {"14:00"}, {"+30m"}, {"+1h30m"},
		{"+0s"}, {"+-5m"}, {"+soon"}, {"today", "18:00"}, {"Today", "18:00"}, {"today", "9:00"}, {"tomorrow", "9:30"},
		{"明天", "9:30"}, {"今天", "23:59"}, {"tomorrow", "0:30"}, {"tomorrow"}, {"tomorrow", "25:00"}, {"2026-12-01", "10:00"},
		{"2026-12-1", "10:00"}, {"2026-11-01", "10:00"}, {"2026-02-30", "10:00"}, {"2026-12-01"}, {"2026.12.01", "10:00"},
		{"15:3"}, {"24:00"}, {"3pm"}, {}, {""}, {"+13800000000h"}, {"13800000000"}, {"tomorrow", "138 0000 0000"},
		{"+9223372036854775807ns"}, {"2199-12-31", "23:59"},
	} {
		a0, a1 := "", ""
		if len(args) > 0 {
			a0 = args[0]
		}
		if len(args) > 1 {
			a1 = args[1]
		}
		f.Add(a0, a1, uint8(len(args)), shanghaiNow, 8*60)
	}
	f.Add("tomorrow", "10:00", uint8(2), testLateNow.Unix(), 8*60)
	f.Add("23:45", "", uint8(1), time.Date(2026, 11, 25, 15, 30, 0, 0, time.UTC).Unix(), 0)
	f.Add("tomorrow", "0:30", uint8(2), time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC).Unix(), -5*60)
	f.Fuzz(func(t *testing.T, a0, a1 string, n uint8, sec int64, zone int) {
		args := []string{a0, a1}[:n%3]
		loc := fuzzZone(zone)
		now := fuzzNow(sec)
		if loc == nil {
			now = now.In(time.FixedZone("N", int(sec%(14*60+1))*60))
		}
		got, used, err := ParseTime(args, now, loc)
		if err != nil {
			var te *TimeError
			if !errors.As(err, &te) || !errors.Is(err, ErrBadTime) || errors.Is(err, ErrBadDuration) || te.Duration {
				t.Fatalf("ParseTime(%q): %T %v; want a *TimeError wrapping ErrBadTime", args, err, err)
			}
			if !got.IsZero() || used != 0 {
				t.Fatalf("ParseTime(%q) refused (%v) but returned %v, %d", args, err, got, used)
			}
			if te.Error() != te.Message("en") {
				t.Fatalf("ParseTime(%q): Error() %q is not the English message", args, te.Error())
			}
			checkMessages(t, te, strings.Join(args, " "))
			return
		}
		want := loc
		if want == nil {
			want = now.Location()
		}
		if used < 1 || used > len(args) {
			t.Fatalf("ParseTime(%q) used %d tokens", args, used)
		}
		if !got.After(now) {
			t.Fatalf("ParseTime(%q) = %v, not after now %v", args, got, now)
		}
		if got.Location() != want {
			t.Fatalf("ParseTime(%q) = %v in %v, want %v", args, got, got.Location(), want)
		}
		nowIn := now.In(want)
		if rest, ok := strings.CutPrefix(args[0], "+"); ok {
			d, derr := time.ParseDuration(rest)
			if used != 1 || derr != nil || d <= 0 || !got.Equal(now.Add(d)) {
				t.Fatalf("ParseTime(%q) = %v, %d; want now+%v (%v)", args, got, used, d, derr)
			}
			again, _, err := ParseTime([]string{"+" + d.String()}, now, loc)
			if err != nil || !again.Equal(got) {
				t.Fatalf("ParseTime(%q) = %v, but +%v reads %v, %v", args, got, d, again, err)
			}
			return
		}
		clock := args[used-1]
		h, m, ok := parseClock(clock)
		if !ok || got.Hour() != h || got.Minute() != m || got.Second() != 0 || got.Nanosecond() != 0 {
			t.Fatalf("ParseTime(%q) = %v; want the wall clock %q", args, got, clock)
		}
		day := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, want) }
		switch {
		case used == 1:
			if !day(got).Equal(day(nowIn)) {
				t.Fatalf("ParseTime(%q) = %v; want today (%v)", args, got, nowIn)
			}
		case strings.EqualFold(args[0], "today") || args[0] == "今天":
			if !day(got).Equal(day(nowIn)) {
				t.Fatalf("ParseTime(%q) = %v; want today (%v)", args, got, nowIn)
			}
		case strings.EqualFold(args[0], "tomorrow") || args[0] == "明天":
			if !day(got).Equal(day(nowIn).AddDate(0, 0, 1)) {
				t.Fatalf("ParseTime(%q) = %v; want tomorrow (now %v)", args, got, nowIn)
			}
		default:
			d, derr := time.ParseInLocation("2006-1-2", args[0], want)
			if derr != nil || !day(got).Equal(d) {
				t.Fatalf("ParseTime(%q) = %v; want the day %q (%v)", args, got, args[0], derr)
			}
		}
		canon := []string{got.Format("2006-01-02"), got.Format("15:04")}
		again, n2, err := ParseTime(canon, now, loc)
		if err != nil || !again.Equal(got) || n2 != 2 {
			t.Fatalf("ParseTime(%q) = %v, but %q reads %v, %d, %v", args, got, canon, again, n2, err)
		}
	})
}

// FuzzParseDuration: no input panics; an accepted DURATION is positive, is
// what time.ParseDuration reads, and reads back the same from its String
// form; every refusal is a *TimeError wrapping ErrBadDuration (not
// ErrBadTime) with messages in English and Chinese that show no number.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"10m", "1h30m", "90s", "0", "0s", "-5m", "10", "ten minutes", "", "13800000000h",
		"1.5h", ".5m", "+10m", "2562047h47m16.854775807s", "2562047h47m16.854775808s", "1e3s", "10µs", "10us", "１０m", "10 m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			var te *TimeError
			if !errors.As(err, &te) || !te.Duration || !errors.Is(err, ErrBadDuration) || errors.Is(err, ErrBadTime) {
				t.Fatalf("ParseDuration(%q): %T %v; want a *TimeError wrapping ErrBadDuration", s, err, err)
			}
			if d != 0 {
				t.Fatalf("ParseDuration(%q) refused (%v) but returned %v", s, err, d)
			}
			if te.Error() != te.Message("en") {
				t.Fatalf("ParseDuration(%q): Error() %q is not the English message", s, te.Error())
			}
			checkMessages(t, te, s)
			return
		}
		if want, werr := time.ParseDuration(s); d <= 0 || werr != nil || d != want {
			t.Fatalf("ParseDuration(%q) = %v; time.ParseDuration says %v, %v", s, d, want, werr)
		}
		if again, err := ParseDuration(d.String()); err != nil || again != d {
			t.Fatalf("ParseDuration(%q) = %v, but %q reads %v, %v", s, d, d.String(), again, err)
		}
	})
}
