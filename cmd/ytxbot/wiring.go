package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/ytx"
)

// botConfig maps the configuration to the core's.
func botConfig(c *Config) (bot.Config, error) {
	loc, err := c.Location()
	if err != nil {
		return bot.Config{}, err
	}
	bc := bot.Config{
		Admins:   c.Admins,
		Locale:   c.Locale,
		Location: loc,
		Timeout:  c.YTX.Timeout,
		MaxAge:   c.Tracker.MaxAge,
		CDRQuery: c.YTX.CDRQuery,
		Policy: bot.Policy{
			SelfService:           c.Policy.SelfService,
			AllowRawNumbers:       c.Policy.AllowRawNumbers,
			AllowInternational:    c.Policy.AllowInternational,
			DialbackDefaultMax:    c.Policy.DialbackDefaultMax,
			DialbackCeiling:       c.Policy.DialbackCeiling,
			CallsPerUserPerHour:   c.Policy.CallsPerUserPerHour,
			RingsPerTargetPerHour: c.Policy.RingsPerTargetPerHour,
			CallsPerMinuteGlobal:  c.Policy.CallsPerMinuteGlobal,
			MeetingMaxParties:     c.Policy.MeetingMaxParties,
			DuplicateWindow:       c.Policy.DuplicateWindow,
		},
	}
	if c.Alerts.SlackChannel != "" {
		bc.Alerts = append(bc.Alerts, bot.Destination{Platform: bot.Slack, Workspace: c.Slack.TeamID, Channel: c.Alerts.SlackChannel})
	}
	if c.Alerts.TelegramChat != 0 {
		bc.Alerts = append(bc.Alerts, bot.Destination{Platform: bot.Telegram, Channel: strconv.FormatInt(c.Alerts.TelegramChat, 10)})
	}
	for i, p := range c.Policy.NumberAllow {
		re, err := regexp.Compile(p)
		if err != nil {
			return bot.Config{}, fmt.Errorf("policy.number_allow[%d]: %w", i, err)
		}
		bc.Policy.NumberAllow = append(bc.Policy.NumberAllow, re)
	}
	return bc, nil
}

// newYTXClient builds the YTX client with metrics on every request.
func newYTXClient(c *Config, m *metrics, opts ...ytx.Option) (*ytx.Client, error) {
	base := []ytx.Option{ytx.WithHTTPClient(&http.Client{Timeout: c.YTX.Timeout, Transport: pooledTransport()})}
	if m != nil {
		base = append(base, ytx.WithObserver(m.observeYTX))
	}
	return ytx.New(c.YTXClientConfig(), append(base, opts...)...)
}

// missingYTX lists the YTX account keys that are not set.
func (c *Config) missingYTX() []string {
	var out []string
	for _, k := range c.MissingAccounts() {
		if strings.HasPrefix(k, "ytx.") {
			out = append(out, k)
		}
	}
	return out
}

// pooledTransport keeps enough idle connections to one host for concurrent
// commands (net/http's default keeps 2, and busy commands would reconnect).
func pooledTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return tr
}
