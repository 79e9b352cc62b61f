package ytx

import (
	"testing"
	"time"
)

// The test vector of ytx-protocol §2.
func TestSignVector(t *testing.T) {
	const (
		sid   = "abcdefghijklmnopqrstuvwxyz012345"
		token = "0123456789abcdef0123456789abcdef"
		ts    = "20140416142030"
	)
	if got, want := Sign(sid, token, ts), "698CD6F76DB3CAE8E9875C1F8F298B2C"; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	if got, want := Authorization(sid, ts), "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDV8MjAxNDA0MTYxNDIwMzA="; got != want {
		t.Errorf("Authorization = %s, want %s", got, want)
	}
	gsid, gts, err := ParseAuthorization(Authorization(sid, ts))
	if err != nil || gsid != sid || gts != ts {
		t.Errorf("ParseAuthorization = %q, %q, %v", gsid, gts, err)
	}
}

func TestTimestampIsBeijing(t *testing.T) {
	// 06:20:30 UTC is 14:20:30 in Beijing, whatever the host's zone.
	at := time.Date(2014, 4, 16, 6, 20, 30, 0, time.UTC)
	if got := Timestamp(at); got != "20140416142030" {
		t.Errorf("Timestamp = %s", got)
	}
	back, err := ParseTimestamp("20140416142030")
	if err != nil || !back.Equal(at) {
		t.Errorf("ParseTimestamp = %v, %v", back, err)
	}
	if _, err := ParseTimestamp("2014-04-16"); err == nil {
		t.Error("ParseTimestamp accepted a malformed timestamp")
	}
}

// A Sign whose MD5 starts with zero bytes keeps its leading zeros.
func TestSignKeepsLeadingZeros(t *testing.T) {
	for i := 0; i < 5000; i++ {
		ts := Timestamp(time.Unix(int64(i)*7919, 0))
		if s := Sign("sid", "token", ts); len(s) != 32 {
			t.Fatalf("Sign(%s) = %q: %d characters", ts, s, len(s))
		}
	}
}

func TestParseAuthorizationRejects(t *testing.T) {
	for _, h := range []string{"", "!!!", Authorization("", "x")[:4], "c2lkOjIwMTQwNDE2MTQyMDMw" /* sid:ts with a colon */} {
		if _, _, err := ParseAuthorization(h); err == nil {
			t.Errorf("ParseAuthorization(%q) accepted", h)
		}
	}
}
