package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ytxbot/ytxbot/ytx"
)

// maxPushBytes bounds a YTX push body (SPEC §6).
const maxPushBytes = 1 << 20

// pushHandler serves POST /ytx/callback/{secret}. YTX signs nothing, so the
// unguessable secret in the path is the check: a wrong one answers 404, as
// if nothing were there. The body is read (bounded) and parsed before
// anything else. The push is applied before it is answered: 200 means it
// is stored, so a kill -9 right after loses nothing (YTX does not send an
// acknowledged push again). Applying takes a group commit, a few ms.
//
// At most maxPushesAtOnce are applied at once (a flood waits, its memory
// bounded). A push that cannot be applied within timeout (its meeting held
// by a slow command, a failing store) is answered 503. YTX's documents do
// not say whether it sends such a push again; a meeting is polled anyway,
// and a call's record is held only for a moment, so in practice that
// leaves a failing store.
type pushHandler struct {
	secret  []byte
	apply   func(ctx context.Context, p *ytx.Push) (bool, error)
	log     *slog.Logger
	slots   chan struct{} // pushes being applied
	timeout time.Duration // for a slot and the application
	wg      sync.WaitGroup
}

// maxPushesAtOnce bounds the pushes applied at once, and so the memory a
// flood can take (each holds its body, up to maxPushBytes).
const maxPushesAtOnce = 64

func newPushHandler(secret string, apply func(context.Context, *ytx.Push) (bool, error), log *slog.Logger) *pushHandler {
	return &pushHandler{secret: []byte(secret), apply: apply, log: log, slots: make(chan struct{}, maxPushesAtOnce), timeout: 5 * time.Second}
}

func (h *pushHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(h.secret) == 0 || subtle.ConstantTimeCompare([]byte(r.PathValue("secret")), h.secret) != 1 {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPushBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, "push too large", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	p, err := ytx.ParsePush(body)
	if err != nil {
		http.Error(w, "malformed push", http.StatusBadRequest)
		return
	}
	// Not the request's context: YTX hanging up must not leave a push
	// half applied.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), h.timeout)
	defer cancel()
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		h.log.Error("ytx push not applied: too many at once", "kind", p.Kind.String(), "waited", h.timeout)
		w.Header().Set("Retry-After", "1")
		http.Error(w, "busy, send it again", http.StatusServiceUnavailable)
		return
	}
	h.wg.Add(1)
	defer func() {
		<-h.slots
		h.wg.Done()
	}()
	matched, err := h.apply(ctx, p)
	if err != nil {
		h.log.Error("ytx push not applied; asked YTX to send it again", "kind", p.Kind.String(), "err", err)
		http.Error(w, "not applied, send it again", http.StatusServiceUnavailable)
		return
	}
	h.log.Debug("ytx push", "kind", p.Kind.String(), "matched", matched, "request_id", p.RequestID)
	w.WriteHeader(http.StatusOK)
}

// Wait blocks until every push being applied is done (shutdown).
func (h *pushHandler) Wait() { h.wg.Wait() }
