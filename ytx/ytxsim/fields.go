package ytxsim

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
)

// fields is a request body: one JSON object, values kept raw because YTX
// clients send scalars as strings or as numbers.
type fields map[string]json.RawMessage

// parseFields decodes a body that must be a JSON object.
func parseFields(body []byte) (fields, bool) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '{' {
		return nil, false
	}
	var f fields
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, false
	}
	return f, true
}

// str reads a scalar field. present is false for a missing key or null;
// scalar is false for an object, array or boolean. A number is returned
// as written ("120").
func (f fields) str(key string) (v string, present, scalar bool) {
	raw := bytes.TrimSpace(f[key])
	if len(raw) == 0 || string(raw) == "null" {
		return "", false, false
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", true, false
		}
		return s, true, true
	case c == '-' || (c >= '0' && c <= '9'):
		return string(raw), true, true
	}
	return "", true, false
}

// has reports whether a required field was sent with a value: a non-empty
// scalar, or any non-scalar (which the value checks then refuse or accept).
func (f fields) has(key string) bool {
	v, present, scalar := f.str(key)
	return present && (!scalar || v != "")
}

// integer reads a scalar field holding a decimal integer.
func (f fields) integer(key string) (int64, bool) {
	v, _, scalar := f.str(key)
	if !scalar {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return n, err == nil
}

// Numbers YTX dials (ytx-protocol §3): a Chinese mobile, a landline with
// its area code, or an international number after the 00 prefix. Meetings
// also take a landline extension after a comma; dial-back legs do not.
var (
	mobileRE        = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	landlineRE      = regexp.MustCompile(`^0[1-9][0-9]{1,2}[0-9]{7,8}$`)
	landlineExtRE   = regexp.MustCompile(`^0[1-9][0-9]{1,2}[0-9]{7,8},[0-9]{1,6}$`)
	internationalRE = regexp.MustCompile(`^00[1-9][0-9]{6,14}$`)
)

// validPhone reports whether YTX would dial phone; ext allows a landline
// extension.
func validPhone(phone string, ext bool) bool {
	return mobileRE.MatchString(phone) || landlineRE.MatchString(phone) ||
		internationalRE.MatchString(phone) || (ext && landlineExtRE.MatchString(phone))
}
