package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/ytxbot/ytxbot/adapters/slack"
	"github.com/ytxbot/ytxbot/adapters/telegram"
	"github.com/ytxbot/ytxbot/bot"
)

// adapter is what serve needs of a chat platform.
type adapter interface {
	Routes(mux *http.ServeMux)
	Run(ctx context.Context) error
	Ready() bool
}

// platform is an enabled adapter with its name and drain.
type platform struct {
	adapter
	name string
	wait func() // finishes replies still being delivered; may be a no-op
}

// adapters builds the enabled chat platforms and registers them with the
// core as notifiers (and directories).
func (m *Main) adapters(log *slog.Logger) ([]platform, error) {
	cfg := m.Config
	var out []platform
	if cfg.Slack.Enabled {
		sa, err := slack.New(slackConfig(cfg), m.bot, slack.WithLogger(log.With("platform", "slack")),
			slack.WithHTTPClient(&http.Client{Timeout: 10 * time.Second, Transport: pooledTransport()}))
		if err != nil {
			return nil, err
		}
		m.bot.RegisterNotifier(bot.Slack, sa)
		m.bot.RegisterDirectory(bot.Slack, sa)
		m.bot.RegisterRoster(bot.Slack, sa)
		out = append(out, platform{adapter: sa, name: "slack", wait: sa.Wait})
	}
	if cfg.Telegram.Enabled {
		ta, err := telegram.New(telegramConfig(cfg), m.bot, telegram.WithLogger(log.With("platform", "telegram")))
		if err != nil {
			return nil, err
		}
		m.bot.RegisterNotifier(bot.Telegram, ta)
		m.bot.RegisterRoster(bot.Telegram, ta)
		out = append(out, platform{adapter: ta, name: "telegram", wait: func() {}})
	}
	m.mu.Lock()
	m.platforms = out
	m.mu.Unlock()
	return out, nil
}

func slackConfig(cfg *Config) slack.Config {
	sc := slack.Config{
		TeamID: cfg.Slack.TeamID, SigningSecret: cfg.Slack.SigningSecret.Reveal(), BotToken: cfg.Slack.BotToken.Reveal(),
		AppToken: cfg.Slack.AppToken.Reveal(), APIURL: cfg.Slack.APIURL, AckWithin: cfg.Slack.AckWithin,
		ProfilePhoneFallback: cfg.Slack.ProfilePhoneFallback,
	}
	sc.Commands.Meet, sc.Commands.Call, sc.Commands.Phone = cfg.Slack.Commands.Meet, cfg.Slack.Commands.Call, cfg.Slack.Commands.Phone
	return sc
}

func telegramConfig(cfg *Config) telegram.Config {
	return telegram.Config{
		Token: cfg.Telegram.Token.Reveal(), Mode: cfg.Telegram.Mode, WebhookURL: cfg.Telegram.WebhookURL,
		WebhookSecret: cfg.Telegram.WebhookSecret.Reveal(), ServerURL: cfg.Telegram.ServerURL, AllowedChats: cfg.Telegram.AllowedChats,
	}
}
