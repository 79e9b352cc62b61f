package bot

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrBadTime is wrapped by every refusal of a TIME (SPEC §3).
var ErrBadTime = errors.New("bot: bad time")

// ErrBadDuration is wrapped by every refusal of a DURATION (SPEC §3).
var ErrBadDuration = errors.New("bot: bad duration")

// timeReason says what is wrong with a TIME or DURATION.
type timeReason int

const (
	timeMissing    timeReason = iota + 1 // nothing given
	timeForm                             // not one of the forms
	timeNeedsClock                       // "tomorrow" or a date without a clock time
	timePast                             // a clock time that has passed
	timeNotAhead                         // a DURATION or +DURATION that is zero or negative
)

// TimeError is a refused TIME or DURATION. It wraps ErrBadTime, or
// ErrBadDuration when Duration is set.
type TimeError struct {
	Input    string    // what was typed, phone-like runs masked
	Duration bool      // a DURATION (--max) rather than a TIME (--at)
	Now      time.Time // the clock the TIME was judged against, in its location
	reason   timeReason
}

// Error returns the English message.
func (e *TimeError) Error() string { return e.Message("en") }

// Unwrap returns ErrBadTime or ErrBadDuration.
func (e *TimeError) Unwrap() error {
	if e.Duration {
		return ErrBadDuration
	}
	return ErrBadTime
}

// Message returns a complete sentence in locale ("en" or "zh-CN") with the
// accepted forms.
func (e *TimeError) Message(locale string) string {
	zh := isZH(locale)
	in := quote(e.Input)
	if e.Duration {
		if e.reason == timeNotAhead {
			return fmt.Sprintf(pick(zh, "%s is not a length of time; it must be longer than zero, e.g. 10m or 1h30m.",
				"%s 不是有效时长；时长必须大于零，例如 10m 或 1h30m。"), in)
		}
		return fmt.Sprintf(pick(zh, "I could not read the duration %s; write it like 10m, 90s or 1h30m.",
			"无法识别时长 %s；请写成 10m、90s 或 1h30m 这样的形式。"), in)
	}
	forms := pick(zh, "Use 10:00, +30m, today 10:00, tomorrow 9:30 or 2026-12-01 10:00.",
		"可用格式：10:00、+30m、today 10:00、tomorrow 9:30 或 2026-12-01 10:00。")
	switch e.reason {
	case timeMissing:
		return pick(zh, "A time is missing. ", "缺少时间。") + forms
	case timeNeedsClock:
		return fmt.Sprintf(pick(zh, "%s needs a clock time after it, e.g. %s 10:00.",
			"%s 后面需要写时刻，例如 %s 10:00。"), in, e.Input)
	case timePast:
		return fmt.Sprintf(pick(zh, "%s has already passed (it is %s now); write a later time, or e.g. tomorrow %s.",
			"%s 已经过去了（现在是 %s）；请写一个更晚的时间，或例如 tomorrow %s。"),
			in, e.Now.Format("2006-01-02 15:04"), clockPart(e.Input))
	case timeNotAhead:
		return fmt.Sprintf(pick(zh, "%s is not in the future. ", "%s 不在将来。"), in) + forms
	}
	return fmt.Sprintf(pick(zh, "I could not read the time %s. ", "无法识别时间 %s。"), in) + forms
}

// clockPart returns the clock of a "today 10:00"-like input for the advice
// in a message, or 10:00.
func clockPart(s string) string {
	f := strings.Fields(s)
	if len(f) > 0 {
		if _, _, ok := parseClock(f[len(f)-1]); ok {
			return f[len(f)-1]
		}
	}
	return "10:00"
}

// ParseTime reads a TIME from args[0] (and args[1] when args[0] is "today",
// "tomorrow" or a date 2026-12-01), returning the time and how many tokens it
// used. Forms: "10:00", "+30m" (Go duration after +), "today 10:00",
// "tomorrow 9:30", "2026-12-01 10:00" ("今天"/"明天" work like today and
// tomorrow). Wall times are in loc (now's location when nil). "10:00" alone
// means today if still ahead, else an error saying it is in the past: rolling
// silently to tomorrow would book a meeting nobody asked for. The result lies
// after now. Refusals are *TimeError wrapping ErrBadTime.
func ParseTime(args []string, now time.Time, loc *time.Location) (time.Time, int, error) {
	if loc == nil {
		loc = now.Location()
	}
	now = now.In(loc)
	fail := func(input string, r timeReason) (time.Time, int, error) {
		return time.Time{}, 0, &TimeError{Input: maskToken(input), Now: now, reason: r}
	}
	if len(args) == 0 || args[0] == "" {
		return fail("", timeMissing)
	}
	a := args[0]
	if rest, ok := strings.CutPrefix(a, "+"); ok {
		d, err := time.ParseDuration(rest)
		if err != nil {
			return fail(a, timeForm)
		}
		if d <= 0 {
			return fail(a, timeNotAhead)
		}
		return now.Add(d), 1, nil
	}

	var day time.Time // midnight of the day named by args[0], if it names one
	switch strings.ToLower(a) {
	case "today", "今天":
		day = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	case "tomorrow", "明天":
		day = time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
	default:
		if isDate(a) && a[4] == '-' {
			d, err := time.ParseInLocation("2006-1-2", a, loc)
			if err != nil { // 2026-02-30
				return fail(a, timeForm)
			}
			day = d
		}
	}
	if !day.IsZero() {
		if len(args) < 2 {
			return fail(a, timeNeedsClock)
		}
		h, m, ok := parseClock(args[1])
		if !ok {
			return fail(a+" "+args[1], timeForm)
		}
		t := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc)
		if !t.After(now) {
			return fail(a+" "+args[1], timePast)
		}
		return t, 2, nil
	}

	h, m, ok := parseClock(a)
	if !ok {
		return fail(a, timeForm)
	}
	t := time.Date(now.Year(), now.Month(), now.Day(), h, m, 0, 0, loc)
	if !t.After(now) {
		return fail(a, timePast)
	}
	return t, 1, nil
}

// parseClock reads H:MM or HH:MM (24-hour; a full-width colon too).
func parseClock(s string) (h, m int, ok bool) {
	hs, ms, found := strings.Cut(strings.Replace(s, "：", ":", 1), ":")
	if !found || len(hs) < 1 || len(hs) > 2 || len(ms) != 2 || !allDigits(hs) || !allDigits(ms) {
		return 0, 0, false
	}
	h, m = atoi(hs), atoi(ms)
	if h > 23 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

// ParseDuration reads a DURATION in Go syntax ("10m", "1h30m"), refusing
// zero and negative lengths. Refusals are *TimeError wrapping ErrBadDuration.
func ParseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, &TimeError{Input: maskToken(s), Duration: true, reason: timeForm}
	}
	if d <= 0 {
		return 0, &TimeError{Input: maskToken(s), Duration: true, reason: timeNotAhead}
	}
	return d, nil
}
