package ytx

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Beijing is the zone of every YTX timestamp: UTC+8 with no daylight saving.
// A fixed zone, not tzdata, so the signature does not depend on the host.
var Beijing = time.FixedZone("CST", 8*3600)

// TimestampLayout is the layout of the request timestamp (yyyyMMddHHmmss).
const TimestampLayout = "20060102150405"

// TimeLayout is the layout of times in pushes and call records
// (yyyy-MM-dd HH:mm:ss, Beijing time).
const TimeLayout = "2006-01-02 15:04:05"

// BookTimeLayout is the layout of createMeeting's booktime (yyyy-MM-dd HH:mm).
const BookTimeLayout = "2006-01-02 15:04"

// Timestamp formats t as a request timestamp in Beijing time.
func Timestamp(t time.Time) string { return t.In(Beijing).Format(TimestampLayout) }

// ParseTimestamp parses a request timestamp written in Beijing time.
func ParseTimestamp(ts string) (time.Time, error) {
	t, err := time.ParseInLocation(TimestampLayout, ts, Beijing)
	if err != nil {
		return time.Time{}, fmt.Errorf("ytx: timestamp %q: %w", ts, err)
	}
	return t, nil
}

// Sign returns the request signature: the upper-case hex MD5 of
// accountSID + authToken + timestamp. Hex encoding keeps leading zeros,
// which a big-integer conversion would drop.
func Sign(accountSID, authToken, timestamp string) string {
	sum := md5.Sum([]byte(accountSID + authToken + timestamp))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// Authorization returns the Authorization header value: standard base64 (with
// padding, no "Basic " prefix) of accountSID + "|" + timestamp.
func Authorization(accountSID, timestamp string) string {
	return base64.StdEncoding.EncodeToString([]byte(accountSID + "|" + timestamp))
}

// ErrBadAuthorization reports an Authorization header that is not
// base64("sid|timestamp").
var ErrBadAuthorization = errors.New("ytx: malformed Authorization header")

// ParseAuthorization splits an Authorization header into the account SID and
// the timestamp. It is what a server (the simulator) does with the header.
func ParseAuthorization(h string) (accountSID, timestamp string, err error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(h))
	if err != nil {
		return "", "", ErrBadAuthorization
	}
	sid, ts, ok := strings.Cut(string(raw), "|")
	if !ok || sid == "" || ts == "" {
		return "", "", ErrBadAuthorization
	}
	return sid, ts, nil
}
