package bot

import (
	"context"
	"strconv"
	"time"
)

// DefaultAlertWindow is how often one kind of incident may be reported.
const DefaultAlertWindow = 10 * time.Minute

// alert reports an incident to the configured alert channels, at most once
// per key per window (kept in the store, so a restart does not repeat it).
// Text must be safe for a shared channel: no secret, numbers masked.
func (b *Bot) alert(ctx context.Context, key, text string) {
	if len(b.cfg.Alerts) == 0 {
		return
	}
	w := b.cfg.AlertWindow
	if w <= 0 {
		w = DefaultAlertWindow
	}
	bucket := b.now().UnixNano() / int64(w)
	first, err := b.store.MarkSeen(ctx, "alert:"+key+":"+strconv.FormatInt(bucket, 10), b.now())
	if err != nil || !first {
		return
	}
	loc := b.cfg.Locale
	card := &Card{Kind: AlertKind, Locale: loc, Title: tr(loc, msgAlertTitle), Ref: "!", Note: text, Final: true, Updated: b.now()}
	for _, d := range b.cfg.Alerts {
		n := b.notifier(d.Platform)
		if n == nil {
			continue
		}
		if _, err := n.PostCard(ctx, d, card); err != nil {
			b.log.WarnContext(ctx, "post alert", "platform", d.Platform, "err", err)
		}
	}
}
