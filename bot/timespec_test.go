package bot

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var (
	shanghai = time.FixedZone("Asia/Shanghai", 8*3600)
	// testNow is 14:00 in Shanghai, 06:00 UTC: "today" differs from UTC's
	// only after 16:00 UTC, so the zone is exercised through testLateNow.
	testNow     = time.Date(2026, 11, 25, 14, 0, 0, 0, shanghai)
	testLateNow = time.Date(2026, 11, 25, 23, 30, 0, 0, shanghai)
)

func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, shanghai)
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		args   []string
		now    time.Time
		want   time.Time
		used   int
		reason timeReason // when refused
	}{
		{"clock later today", []string{"15:30"}, testNow, at(2026, 11, 25, 15, 30), 1, 0},
		{"clock one digit hour", []string{"9:05"}, testNow, time.Time{}, 0, timePast},
		{"clock leaves the rest", []string{"15:30", "@alice"}, testNow, at(2026, 11, 25, 15, 30), 1, 0},
		{"clock full-width colon", []string{"15：30"}, testNow, at(2026, 11, 25, 15, 30), 1, 0},
		{"clock passed", []string{"10:00"}, testNow, time.Time{}, 0, timePast},
		{"clock now is not ahead", []string{"14:00"}, testNow, time.Time{}, 0, timePast},
		{"relative", []string{"+30m"}, testNow, testNow.Add(30 * time.Minute), 1, 0},
		{"relative compound", []string{"+1h30m"}, testNow, testNow.Add(90 * time.Minute), 1, 0},
		{"relative zero", []string{"+0s"}, testNow, time.Time{}, 0, timeNotAhead},
		{"relative negative", []string{"+-5m"}, testNow, time.Time{}, 0, timeNotAhead},
		{"relative garbage", []string{"+soon"}, testNow, time.Time{}, 0, timeForm},
		{"today", []string{"today", "18:00"}, testNow, at(2026, 11, 25, 18, 0), 2, 0},
		{"today capitalised", []string{"Today", "18:00"}, testNow, at(2026, 11, 25, 18, 0), 2, 0},
		{"today passed", []string{"today", "9:00"}, testNow, time.Time{}, 0, timePast},
		{"tomorrow", []string{"tomorrow", "9:30"}, testNow, at(2026, 11, 26, 9, 30), 2, 0},
		{"tomorrow in zh", []string{"明天", "9:30"}, testNow, at(2026, 11, 26, 9, 30), 2, 0},
		{"tomorrow across the month, in loc", []string{"tomorrow", "0:30"}, time.Date(2026, 11, 30, 23, 0, 0, 0, shanghai), at(2026, 12, 1, 0, 30), 2, 0},
		{"tomorrow late evening", []string{"tomorrow", "10:00"}, testLateNow, at(2026, 11, 26, 10, 0), 2, 0},
		{"tomorrow without clock", []string{"tomorrow"}, testNow, time.Time{}, 0, timeNeedsClock},
		{"tomorrow bad clock", []string{"tomorrow", "25:00"}, testNow, time.Time{}, 0, timeForm},
		{"date", []string{"2026-12-01", "10:00"}, testNow, at(2026, 12, 1, 10, 0), 2, 0},
		{"date one-digit parts", []string{"2026-12-1", "10:00"}, testNow, at(2026, 12, 1, 10, 0), 2, 0},
		{"date past", []string{"2026-11-01", "10:00"}, testNow, time.Time{}, 0, timePast},
		{"date impossible", []string{"2026-02-30", "10:00"}, testNow, time.Time{}, 0, timeForm},
		{"date without clock", []string{"2026-12-01"}, testNow, time.Time{}, 0, timeNeedsClock},
		{"date with dots is not a date", []string{"2026.12.01", "10:00"}, testNow, time.Time{}, 0, timeForm},
		{"minutes need two digits", []string{"15:3"}, testNow, time.Time{}, 0, timeForm},
		{"hour out of range", []string{"24:00"}, testNow, time.Time{}, 0, timeForm},
		{"am/pm not supported", []string{"3pm"}, testNow, time.Time{}, 0, timeForm},
		{"empty", nil, testNow, time.Time{}, 0, timeMissing},
		{"empty string", []string{""}, testNow, time.Time{}, 0, timeMissing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, used, err := ParseTime(tc.args, tc.now, shanghai)
			if tc.reason == 0 {
				if err != nil || !got.Equal(tc.want) || used != tc.used {
					t.Fatalf("ParseTime(%q) = %v, %d, %v; want %v, %d", tc.args, got, used, err, tc.want, tc.used)
				}
				if got.Location() != shanghai {
					t.Errorf("location %v; want the configured zone", got.Location())
				}
				return
			}
			var te *TimeError
			if !errors.As(err, &te) || te.reason != tc.reason || !errors.Is(err, ErrBadTime) {
				t.Fatalf("ParseTime(%q) = %v, %v; want reason %d", tc.args, got, err, tc.reason)
			}
			checkMessages(t, te, strings.Join(tc.args, " "))
		})
	}
}

// A wall time is read in the configured zone even when the clock is in
// another one.
func TestParseTimeZone(t *testing.T) {
	t.Parallel()
	utcNow := time.Date(2026, 11, 25, 15, 30, 0, 0, time.UTC) // 23:30 in Shanghai
	got, _, err := ParseTime([]string{"tomorrow", "10:00"}, utcNow, shanghai)
	if err != nil || !got.Equal(at(2026, 11, 26, 10, 0)) {
		t.Fatalf("got %v, %v; want 2026-11-26 10:00 Shanghai", got, err)
	}
	if _, _, err := ParseTime([]string{"20:00"}, utcNow, shanghai); !errors.Is(err, ErrBadTime) {
		t.Fatalf("20:00 Shanghai has passed at 23:30 Shanghai: got %v", err)
	}
	got, _, err = ParseTime([]string{"23:45"}, utcNow, nil) // nil: the clock's zone
	if err != nil || !got.Equal(time.Date(2026, 11, 25, 23, 45, 0, 0, time.UTC)) {
		t.Fatalf("nil location: got %v, %v", got, err)
	}
}

func TestParseTimePastMessage(t *testing.T) {
	t.Parallel()
	_, _, err := ParseTime([]string{"10:00"}, testNow, shanghai)
	var te *TimeError
	if !errors.As(err, &te) {
		t.Fatal(err)
	}
	en := te.Message("en")
	for _, want := range []string{"10:00", "passed", "2026-11-25 14:00", "tomorrow 10:00"} {
		if !strings.Contains(en, want) {
			t.Errorf("message %q lacks %q", en, want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"10m", 10 * time.Minute},
		{"1h30m", 90 * time.Minute},
		{"90s", 90 * time.Second},
		{"0", 0},
		{"0s", 0},
		{"-5m", 0},
		{"10", 0},
		{"ten minutes", 0},
		{"", 0},
		{"13800000000h", 0},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDuration(tc.in)
			if tc.want != 0 {
				if err != nil || got != tc.want {
					t.Fatalf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
				}
				return
			}
			if !errors.Is(err, ErrBadDuration) || errors.Is(err, ErrBadTime) {
				t.Fatalf("ParseDuration(%q) = %v, %v; want ErrBadDuration", tc.in, got, err)
			}
			var te *TimeError
			if errors.As(err, &te) {
				checkMessages(t, te, tc.in)
			}
		})
	}
}
