package telegram

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/go-telegram/bot/models"

	"github.com/ytxbot/ytxbot/bot"
)

// serveWebhook is POST /telegram/webhook. Unlike the library's handler it
// answers with a status: 401 for a wrong secret (compared in constant time),
// 413 beyond 1 MiB, 400 for bad JSON, 503 when Run is not taking updates
// (Telegram retries), else 200 once the update is queued. The update is
// then handled by Run with its own long-lived context, never r.Context(),
// which ends as soon as the response is written.
func (a *Adapter) serveWebhook(w http.ResponseWriter, r *http.Request) {
	if !a.secretOK(r.Header.Get("X-Telegram-Bot-Api-Secret-Token")) {
		a.log.WarnContext(r.Context(), "telegram: webhook secret refused", "remote", r.RemoteAddr)
		a.incident(r.Context(), bot.IncidentBadSignature, r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if r.ContentLength > maxWebhookBody {
		w.Header().Set("Connection", "close")
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	var u models.Update
	if err := json.Unmarshal(body, &u); err != nil {
		http.Error(w, "malformed update", http.StatusBadRequest)
		return
	}
	if !a.firstSeen(u.ID) {
		w.WriteHeader(http.StatusOK) // a redelivery: already queued once
		return
	}
	if !a.enqueue(&u) {
		a.unsee(u.ID) // let Telegram's retry through
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// secretOK compares the header with the configured secret in constant time;
// hashing first makes the time independent of the lengths too.
func (a *Adapter) secretOK(got string) bool {
	if a.cfg.WebhookSecret == "" {
		return false
	}
	g, want := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(a.cfg.WebhookSecret))
	return subtle.ConstantTimeCompare(g[:], want[:]) == 1
}

// enqueue hands u to Run; false when Run is not taking updates or the queue
// is full.
func (a *Adapter) enqueue(u *models.Update) bool {
	a.intake.RLock()
	defer a.intake.RUnlock()
	if !a.accepting {
		return false
	}
	select {
	case a.queue <- u:
		return true
	default:
		return false
	}
}
