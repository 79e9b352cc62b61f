package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Modes of receiving updates.
const (
	ModePolling = "polling"
	ModeWebhook = "webhook"
)

// WebhookPath is where Routes serves Telegram's webhook calls.
const WebhookPath = "/telegram/webhook"

// Config is the `telegram` section of the configuration (SPEC §7).
type Config struct {
	Token         string  // bot token from BotFather; never logged
	Mode          string  // "polling" (default) or "webhook"
	WebhookURL    string  // webhook mode: the public https URL of POST /telegram/webhook
	WebhookSecret string  // webhook mode: X-Telegram-Bot-Api-Secret-Token
	ServerURL     string  // "" = https://api.telegram.org; tests point it at a fake
	AllowedChats  []int64 // group chat ids where commands work
}

// Telegram's rule for secret_token: 1-256 characters of A-Z a-z 0-9 _ -.
var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// Validate reports every problem of c at once, naming the configuration key.
// It never echoes the token or the secret.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch {
	case strings.TrimSpace(c.Token) == "":
		add("telegram.token: empty")
	case strings.ContainsAny(c.Token, " \t\r\n/?#"):
		add("telegram.token: is not a bot token (want the 123456:ABC… form BotFather gives)")
	}
	switch c.Mode {
	case "", ModePolling:
	case ModeWebhook:
		if c.WebhookURL == "" {
			add("telegram.webhook_url: empty; webhook mode needs the public https URL of %s", WebhookPath)
		} else if err := checkURL(c.WebhookURL, "https"); err != nil {
			add("telegram.webhook_url: %v", err)
		}
		if !secretRE.MatchString(c.WebhookSecret) {
			add("telegram.webhook_secret: want 1 to 256 characters of A-Z a-z 0-9 _ - (webhook mode requires it)")
		}
	default:
		add("telegram.mode: %q: want %s or %s", c.Mode, ModePolling, ModeWebhook)
	}
	if c.ServerURL != "" {
		if err := checkURL(c.ServerURL, "http", "https"); err != nil {
			add("telegram.server_url: %v", err)
		}
	}
	for i, id := range c.AllowedChats {
		if id == 0 {
			add("telegram.allowed_chats[%d]: 0 is not a chat id", i)
		}
	}
	return errors.Join(errs...)
}

func checkURL(s string, schemes ...string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URL")
	}
	for _, sc := range schemes {
		if u.Scheme == sc && u.Host != "" {
			return nil
		}
	}
	return fmt.Errorf("want an absolute %s URL", strings.Join(schemes, " or "))
}

// Clock is the adapter's time source: Now dates cache entries and prompts,
// Sleep waits out a 429. Tests inject one that does not wait.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx is done, whichever comes first; it returns
	// ctx's cause in the second case.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// Option configures an Adapter: plumbing and test seams.
type Option func(*options) error

type options struct {
	client      *http.Client
	log         *slog.Logger
	clock       Clock
	pollTimeout time.Duration
}

// DefaultPollTimeout is how long one getUpdates call may wait for updates.
const DefaultPollTimeout = time.Minute

// WithHTTPClient sets the client for Bot API calls. Its Timeout, when set,
// must exceed the poll timeout (a long poll would otherwise always fail).
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("telegram: nil HTTP client")
		}
		o.client = c
		return nil
	}
}

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("telegram: nil logger")
		}
		o.log = l
		return nil
	}
}

// WithClock sets the clock (default: the real one).
func WithClock(c Clock) Option {
	return func(o *options) error {
		if c == nil {
			return errors.New("telegram: nil clock")
		}
		o.clock = c
		return nil
	}
}

// WithPollTimeout sets how long one getUpdates call may wait (default one
// minute; at least 2 s, since Telegram is asked for the timeout minus 1 s).
func WithPollTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d < 2*time.Second {
			return fmt.Errorf("telegram: poll timeout %v: want at least 2s", d)
		}
		o.pollTimeout = d
		return nil
	}
}
