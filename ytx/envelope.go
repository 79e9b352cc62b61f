package ytx

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// ErrMalformed reports an answer or push that is not the JSON YTX sends.
var ErrMalformed = errors.New("ytx: malformed JSON")

// envelope is a decoded YTX answer. Real answers vary: statusCode comes as a
// string or a number, statusMsg as a string or an object, requestId may be
// missing, and the call-record query answers {"cdr":[…]} with no envelope.
type envelope struct {
	StatusCode string
	StatusMsg  json.RawMessage // a JSON string or object, as sent
	RequestID  string
	Data       json.RawMessage
	CDR        json.RawMessage
}

// Message returns statusMsg as text: the string itself, or the compact JSON
// of an object.
func (e *envelope) Message() string {
	if len(e.StatusMsg) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(e.StatusMsg, &s) == nil {
		return s
	}
	var buf bytes.Buffer
	if json.Compact(&buf, e.StatusMsg) == nil {
		return buf.String()
	}
	return string(e.StatusMsg)
}

// decodeEnvelope reads an answer body. Keys are matched case-insensitively,
// the first spelling found winning.
func decodeEnvelope(body []byte) (*envelope, error) {
	fields, err := object(body)
	if err != nil {
		return nil, err
	}
	env := &envelope{
		StatusMsg: field(fields, "statusMsg"),
		Data:      field(fields, "data"),
		CDR:       field(fields, "cdr"),
	}
	code, ok := scalar(field(fields, "statusCode"))
	switch {
	case ok && code != "":
		env.StatusCode = code
	case len(env.CDR) > 0:
		env.StatusCode = CodeOK // the call-record query's bare answer
	default:
		return nil, errors.Join(ErrMalformed, errors.New("ytx: answer has no statusCode"))
	}
	env.RequestID, _ = scalar(field(fields, "requestId"))
	return env, nil
}

// object decodes a JSON object into its raw fields.
func object(body []byte) (map[string]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return nil, ErrMalformed
	}
	return fields, nil
}

// field returns the first value whose key equals one of names, ignoring case.
// Exact spellings win over case-folded ones so that the outcome does not
// depend on map order.
func field(fields map[string]json.RawMessage, names ...string) json.RawMessage {
	for _, n := range names {
		if v, ok := fields[n]; ok && !isNull(v) {
			return v
		}
	}
	for _, n := range names {
		var best string
		for k := range fields {
			if strings.EqualFold(k, n) && (best == "" || k < best) && !isNull(fields[k]) {
				best = k
			}
		}
		if best != "" {
			return fields[best]
		}
	}
	return nil
}

func isNull(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }

// scalar returns a JSON string, number or boolean as text; ok is false for
// objects, arrays, null and absent values.
func scalar(v json.RawMessage) (string, bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "", false
	}
	switch v[0] {
	case '"':
		var s string
		if json.Unmarshal(v, &s) != nil {
			return "", false
		}
		return s, true
	case '{', '[', 'n':
		return "", false
	default:
		var n json.Number
		if json.Unmarshal(v, &n) == nil {
			return n.String(), true
		}
		var b bool
		if json.Unmarshal(v, &b) == nil {
			if b {
				return "true", true
			}
			return "false", true
		}
		return "", false
	}
}

// text is scalar without the ok.
func text(v json.RawMessage) string {
	s, _ := scalar(v)
	return s
}
