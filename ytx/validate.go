package ytx

import (
	"errors"
	"fmt"
	"regexp"
)

// Number shapes YTX accepts: a Chinese mobile, a landline with its area code
// (meetings may add an extension after a comma), or an international number
// written 00 + country code. Normalising user input is the bot's job; this
// only stops a request YTX would refuse with -102 anyway.
var (
	legRE   = regexp.MustCompile(`^(1[3-9]\d{9}|0[1-9]\d{1,2}\d{7,8}|00[1-9]\d{6,14})$`)
	partyRE = regexp.MustCompile(`^(1[3-9]\d{9}|0[1-9]\d{1,2}\d{7,8}(,\d{1,6})?|00[1-9]\d{6,14})$`)
)

// ValidLeg reports whether n can be a dial-back leg (no extension).
func ValidLeg(n string) bool { return legRE.MatchString(n) }

// ValidParty reports whether n can be a meeting party's phone.
func ValidParty(n string) bool { return partyRE.MatchString(n) }

func invalid(action, format string, args ...any) error {
	return fmt.Errorf("ytx: %s: %w: %s", action, ErrInvalidParams, fmt.Sprintf(format, args...))
}

func checkParties(action string, ps []Party) error {
	if len(ps) == 0 {
		return invalid(action, "no parties")
	}
	var errs []error
	for i, p := range ps {
		if !ValidParty(p.Phone) {
			errs = append(errs, invalid(action, "party %d (%s): phone is not a mobile, a landline with area code, or 00+country", i+1, p.Name))
		}
	}
	return errors.Join(errs...)
}
