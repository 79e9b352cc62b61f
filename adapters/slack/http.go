package slack

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	slackgo "github.com/slack-go/slack"

	"github.com/ytxbot/ytxbot/bot"
)

// serveCommand is POST /slack/commands.
func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request) {
	if !a.verified(w, r) {
		return
	}
	sc, err := slackgo.SlashCommandParse(r)
	if err != nil || sc.Command == "" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	writeJSON(w, a.command(r.Context(), sc))
}

// serveInteraction is POST /slack/interactions.
func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request) {
	if !a.verified(w, r) {
		return
	}
	ic, err := slackgo.InteractionCallbackParse(r)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	writeJSON(w, a.interaction(r.Context(), ic))
}

// verified reads the body (at most MaxBody: beyond, 413) and checks Slack's
// v0 signature and its 5-minute window on the raw bytes before anything
// parses them; a failure is a bare 401. On success r.Body holds the body
// again, for the form parsers.
func (a *Adapter) verified(w http.ResponseWriter, r *http.Request) bool {
	if r.ContentLength > MaxBody {
		tooLarge(w)
		return false
	}
	// Headers first: missing, malformed or stale ones are refused before the
	// body is read.
	sv, err := slackgo.NewSecretsVerifier(r.Header, a.cfg.SigningSecret)
	if err != nil {
		a.unauthorized(w, r, err)
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			tooLarge(w)
			return false
		}
		http.Error(w, "bad request", http.StatusBadRequest)
		return false
	}
	if _, err := sv.Write(body); err != nil {
		a.unauthorized(w, r, err)
		return false
	}
	if err := sv.Ensure(); err != nil {
		a.unauthorized(w, r, err)
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return true
}

func tooLarge(w http.ResponseWriter) {
	w.Header().Set("Connection", "close") // the rest of the body is not read
	http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
}

func (a *Adapter) unauthorized(w http.ResponseWriter, r *http.Request, err error) {
	// The reason is logged (never the signature or the secret); the client
	// learns nothing.
	a.log.WarnContext(r.Context(), "slack: request signature refused", "path", r.URL.Path, "remote", r.RemoteAddr, "reason", err.Error())
	a.incident(r.Context(), bot.IncidentBadSignature, r.RemoteAddr+" "+r.URL.Path)
	http.Error(w, "unauthorized", http.StatusUnauthorized)
}

// writeJSON answers 200 with v as JSON, or an empty 200 when v is nil.
func writeJSON(w http.ResponseWriter, v any) {
	if isNil(v) {
		w.WriteHeader(http.StatusOK)
		return
	}
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// isNil reports whether v is nil or a nil pointer of the payload types.
func isNil(v any) bool {
	switch p := v.(type) {
	case nil:
		return true
	case *message:
		return p == nil
	case *slackgo.ViewSubmissionResponse:
		return p == nil
	}
	return false
}
