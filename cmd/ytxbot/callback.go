package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/ytxbot/ytxbot/ytx"
)

// maxPushBytes bounds a YTX push body (SPEC §6).
const maxPushBytes = 1 << 20

// pushHandler serves POST /ytx/callback/{secret}. YTX signs nothing, so the
// unguessable secret in the path is the check: a wrong one answers 404, as
// if nothing were there. The body is read (bounded) and parsed before
// anything else; the push is applied in the background so YTX gets its 200
// at once. Polling catches up with anything a crash loses.
type pushHandler struct {
	secret []byte
	apply  func(ctx context.Context, p *ytx.Push) (bool, error)
	log    *slog.Logger
	ctx    context.Context // server lifetime, not the request's
	wg     sync.WaitGroup
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
	h.wg.Go(func() {
		matched, err := h.apply(h.ctx, p)
		if err != nil {
			h.log.Error("ytx push", "kind", p.Kind.String(), "err", err)
			return
		}
		h.log.Debug("ytx push", "kind", p.Kind.String(), "matched", matched, "request_id", p.RequestID)
	})
	w.WriteHeader(http.StatusOK)
}

// Wait blocks until every push being applied is done (shutdown).
func (h *pushHandler) Wait() { h.wg.Wait() }
