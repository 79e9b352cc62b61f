package ytx

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Party is one conference participant on the wire: a display name and a phone
// number, which may be a landline with an extension after a comma
// ("01053889900,1234").
type Party struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// PartiesEncoding chooses how the parties list is put into a request body.
type PartiesEncoding string

// The field is typed String in the vendor's table and the samples wrap the
// array in quotes, so the default is a JSON array inside a JSON string; one
// public caller sent a raw array instead.
const (
	PartiesString PartiesEncoding = "string"
	PartiesArray  PartiesEncoding = "array"
)

// EncodeParties returns the JSON value of the parties field.
func EncodeParties(enc PartiesEncoding, parties []Party) (json.RawMessage, error) {
	arr, err := json.Marshal(parties)
	if err != nil {
		return nil, err
	}
	switch enc {
	case PartiesArray:
		return arr, nil
	case PartiesString, "":
		return json.Marshal(string(arr))
	default:
		return nil, fmt.Errorf("ytx: parties encoding %q: want %q or %q", enc, PartiesString, PartiesArray)
	}
}

// ErrBadParties reports a parties value that is neither encoding.
var ErrBadParties = errors.New("ytx: parties is neither a JSON array nor a string holding one")

// DecodeParties reads a parties field in either encoding. It is what a server
// (the simulator) does with the field.
func DecodeParties(raw json.RawMessage) ([]Party, error) {
	var ps []Party
	if err := json.Unmarshal(unquote(raw), &ps); err != nil {
		return nil, ErrBadParties
	}
	return ps, nil
}
