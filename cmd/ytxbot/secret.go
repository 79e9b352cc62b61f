package main

import "log/slog"

// redacted is what a set Secret prints as, wherever it goes.
const redacted = "<redacted>"

// Secret is a credential read from the configuration: a token, a signing
// secret, a password. Every way of printing it (fmt verbs, %#v, JSON, text
// encoders, slog) gives "<redacted>", or "" when it is empty so that "unset"
// stays visible. Only Reveal gives the value, for the one place that hands it
// to a client (STYLE R8).
type Secret string

// Reveal returns the secret's value. Call it only where the value is handed
// to the library or client that needs it, never for output.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s != "" }

// String returns "<redacted>", or "" when the secret is empty.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString makes %#v print the redacted form too.
func (s Secret) GoString() string {
	if s == "" {
		return `""`
	}
	return `"` + redacted + `"`
}

// MarshalText gives the redacted form to text encoders (YAML, JSON map keys).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalJSON gives the redacted form as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte(`""`), nil
	}
	return []byte(`"` + redacted + `"`), nil
}

// LogValue makes slog print the redacted form.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

var _ slog.LogValuer = Secret("")
