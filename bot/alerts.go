package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultAlertWindow is how often one kind of incident may be reported.
const DefaultAlertWindow = 10 * time.Minute

// Burst thresholds within one alert window: one refusal is a mistake, a
// run of them is someone probing; one bad signature is noise, a burst is
// an attack or a leaked-then-rotated secret.
const (
	DefaultRefusalsBeforeAlert      = 5
	DefaultBadSignaturesBeforeAlert = 10
)

// Incident kinds an adapter reports before a request reaches the core.
const (
	IncidentForeignWorkspace = "foreign_workspace" // detail: the workspace id
	IncidentBadSignature     = "bad_signature"     // detail: where it came from
)

// bursts counts events per key in the current fixed window, in memory: a
// restart forgets a half-built burst, which only delays an alert.
type bursts struct {
	mu     sync.Mutex
	bucket int64
	n      map[string]int
}

func (c *bursts) add(key string, bucket int64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil || bucket != c.bucket {
		c.bucket, c.n = bucket, map[string]int{}
	}
	c.n[key]++
	return c.n[key]
}

func (b *Bot) alertWindow() time.Duration {
	if b.cfg.AlertWindow > 0 {
		return b.cfg.AlertWindow
	}
	return DefaultAlertWindow
}

// windowText writes a window the way people say it: 10m, 1h, 1h30m.
func windowText(d time.Duration) string {
	s := d.String() // "10m0s", "1h0m0s", "1h30m0s"
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func orDefault(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

// IncidentReporter takes the incidents adapters refuse on their own;
// *Bot is one. Adapters check their handler for it.
type IncidentReporter interface {
	Incident(ctx context.Context, p Platform, kind, detail string)
}

var _ IncidentReporter = (*Bot)(nil)

// maxIncidentDetail bounds the detail shown in an alert: it comes from the
// request (a workspace id, an address), so from whoever sent it.
const maxIncidentDetail = 64

// Incident reports a security event an adapter refused on its own: a
// request from a foreign workspace (alerted at once) or a failed signature
// (alerted when they come in a burst). detail must be safe to show: an id
// or an address, never a secret. Alerts are once per window as always.
func (b *Bot) Incident(ctx context.Context, p Platform, kind, detail string) {
	if len(b.cfg.Alerts) == 0 {
		return
	}
	if len(detail) > maxIncidentDetail {
		detail = detail[:maxIncidentDetail]
	}
	bucket := b.now().UnixNano() / int64(b.alertWindow())
	switch kind {
	case IncidentForeignWorkspace:
		b.alert(ctx, kind+":"+string(p)+":"+detail, tr(b.cfg.Locale, msgAlertForeign, string(p), MaskText(detail)))
	case IncidentBadSignature:
		limit := orDefault(b.cfg.BadSignaturesBeforeAlert, DefaultBadSignaturesBeforeAlert)
		if b.incidents.add(kind+":"+string(p), bucket) == limit {
			b.alert(ctx, kind+":"+string(p), tr(b.cfg.Locale, msgAlertSignatures, limit, string(p), windowText(b.alertWindow()), MaskText(detail)))
		}
	}
}

// refused audits a refused ringing request like the request itself would
// have been, and reports a person refused again and again. YTX's own
// refusals are audited by the action that met them.
func (t *turn) refused(ctx context.Context, err error) {
	var ue *Error
	if !errors.As(err, &ue) || strings.HasPrefix(ue.Code, "ytx_") || ue.Code == "outcome_unknown" {
		return
	}
	if t.ringing != "" {
		e := AuditEntry{At: t.now(), Actor: t.identity, Action: t.ringing, Target: strings.Join(t.targets, ","), Result: "refused: " + ue.Code}
		if aerr := t.b.store.AddAudit(ctx, e); aerr != nil {
			t.b.log.ErrorContext(ctx, "audit", "err", aerr)
		}
	}
	// Do not disturb is someone's choice, not abuse (SPEC §11): no alert.
	if len(t.b.cfg.Alerts) == 0 || ue.Code == "dnd" {
		return
	}
	limit := orDefault(t.b.cfg.RefusalsBeforeAlert, DefaultRefusalsBeforeAlert)
	bucket := t.now().UnixNano() / int64(t.b.alertWindow())
	if t.b.refusals.add(t.identity, bucket) == limit {
		t.b.alert(ctx, "refusals:"+t.identity, tr(t.b.cfg.Locale, msgAlertRefusals, t.identity, limit, windowText(t.b.alertWindow()), ue.Code))
	}
}

// alert reports an incident to the configured alert channels, at most once
// per key per window (kept in the store, so a restart does not repeat it).
// Text must be safe for a shared channel: no secret, numbers masked.
func (b *Bot) alert(ctx context.Context, key, text string) {
	if len(b.cfg.Alerts) == 0 {
		return
	}
	bucket := b.now().UnixNano() / int64(b.alertWindow())
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

// ringingActions are the audit names of the commands that ring phones.
var ringingActions = map[Root]map[string]string{
	RootMeet: {"create": "meet.create", "invite": "meet.invite"},
	RootCall: {"dialback": "call.dialback"},
}

// refusedNumber audits a ringing command refused at parse time for its
// international number (policy.allow_international): a policy refusal like
// the others, though the parser is where it is decided.
func (t *turn) refusedNumber(ctx context.Context, ue *UsageError) {
	var pe *PhoneError
	if !errors.As(ue, &pe) || pe.Reason != PhoneInternationalNotAllowed {
		return
	}
	if t.ringing = ringingActions[ue.Root][ue.Sub]; t.ringing == "" {
		return
	}
	t.targets = []string{pe.Input} // masked by the parser
	t.refused(ctx, &Error{Code: "international"})
}
