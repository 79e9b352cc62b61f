package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

const (
	// maxAck stays under Socket Mode's 20 KB response limit; a bigger
	// answer is acknowledged with "Working on it…" and sent by response_url.
	maxAck = 19 << 10
	// ackTimeout bounds handing an acknowledgement to the connection.
	ackTimeout = 5 * time.Second
)

// runSocket serves Slack over Socket Mode until ctx is done. slack-go's
// client opens the connection (apps.connections.open with the app-level
// token), reconnects by itself, and emits events that must all be drained;
// every envelope is acknowledged exactly once.
func (a *Adapter) runSocket(ctx context.Context) error {
	smc := socketmode.New(a.client, socketmode.OptionLog(slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer a.connected.Store(false)
	errc := make(chan error, 1)
	go func() { errc <- smc.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			// Let the client close its connection. It may be blocked handing
			// over an event: take those (unacknowledged, Slack sends them
			// again) so that its goroutine can end with Run.
			t := time.NewTimer(5 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-errc:
					return nil
				case <-smc.Events:
				case <-t.C:
					a.log.Warn("slack: socket mode client still closing after 5 s")
					return nil
				}
			}
		case err := <-errc:
			if ctx.Err() != nil || errors.Is(err, context.Canceled) {
				return nil
			}
			return fmt.Errorf("slack: socket mode: %w", scrub(err))
		case evt := <-smc.Events:
			a.socketEvent(ctx, smc, evt)
		}
	}
}

func (a *Adapter) socketEvent(ctx context.Context, smc *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		a.connected.Store(true)
		a.log.InfoContext(ctx, "slack: socket mode connected")
	case socketmode.EventTypeConnecting:
		a.connected.Store(false)
	case socketmode.EventTypeConnectionError, socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		a.log.WarnContext(ctx, "slack: socket mode trouble", "event", string(evt.Type), "detail", eventError(evt.Data))
	case socketmode.EventTypeInvalidAuth:
		a.connected.Store(false)
		a.log.ErrorContext(ctx, "slack: socket mode: the app-level token was refused")
	case socketmode.EventTypeErrorBadMessage:
		a.log.WarnContext(ctx, "slack: socket mode: unreadable message")
	case socketmode.EventTypeSlashCommand:
		sc, ok := evt.Data.(slackgo.SlashCommand)
		if !ok || evt.Request == nil {
			return
		}
		req := *evt.Request
		a.background(ctx, func(bctx context.Context) {
			m := a.command(ctx, sc)
			if m != nil {
				if b, err := json.Marshal(m); err == nil && len(b) >= maxAck {
					a.ack(bctx, smc, req, ephemeral(a.cachedLocale(sc.TeamID, sc.UserID), msgWorking))
					a.post(bctx, sc.ResponseURL, sc.ChannelID, sc.UserID, m)
					return
				}
			}
			a.ack(bctx, smc, req, m)
		})
	case socketmode.EventTypeInteractive:
		ic, ok := evt.Data.(slackgo.InteractionCallback)
		if !ok || evt.Request == nil {
			return
		}
		req := *evt.Request
		a.background(ctx, func(bctx context.Context) {
			a.ack(bctx, smc, req, a.interaction(ctx, ic))
		})
	default:
		// events_api and anything newer: acknowledged so Slack does not
		// redeliver; ytxbot subscribes to no events.
		if evt.Request != nil && evt.Request.EnvelopeID != "" {
			a.ack(ctx, smc, *evt.Request, nil)
		}
	}
}

// ack answers an envelope; payload nil acknowledges without a body.
func (a *Adapter) ack(ctx context.Context, smc *socketmode.Client, req socketmode.Request, payload any) {
	if req.EnvelopeID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	var p any
	if !isNil(payload) {
		p = payload
	}
	if err := smc.AckCtx(ctx, req.EnvelopeID, p); err != nil {
		a.log.WarnContext(ctx, "slack: socket mode ack failed", "envelope", req.EnvelopeID, "err", err)
	}
}

func eventError(data any) string {
	var err error
	switch d := data.(type) {
	case *slackgo.ConnectionErrorEvent:
		err = d.ErrorObj
	case *slackgo.IncomingEventError:
		err = d.ErrorObj
	case *socketmode.ErrorWriteFailed:
		err = d.Cause
	case error:
		err = d
	}
	if err == nil {
		return ""
	}
	return scrub(err).Error()
}
