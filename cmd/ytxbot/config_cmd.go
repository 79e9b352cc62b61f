package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// configFlagUsage documents --config the same way on every subcommand (SPEC §11).
const configFlagUsage = "configuration file (default ./" + defaultConfigFile + " when present); relative paths in it are resolved against its directory"

// addConfigFlag adds --config FILE to cmd and returns where its value lands;
// pass that to LoadConfig.
func addConfigFlag(cmd *cobra.Command) *string {
	path := new(string)
	cmd.PersistentFlags().StringVar(path, "config", "", configFlagUsage)
	return path
}

// newConfigCmd returns `ytxbot config` with its subcommand `check`.
func newConfigCmd() *cobra.Command { return newConfigCmdEnv(os.Environ) }

// newConfigCmdEnv is newConfigCmd reading the environment from environ, so
// tests can run it in parallel with their own YTXBOT_* variables.
func newConfigCmdEnv(environ func() []string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Inspect the configuration",
		Args:  cobra.NoArgs,
	}
	path := addConfigFlag(cmd)
	var shapeOnly bool
	check := &cobra.Command{
		Use:   "check",
		Short: "Load and validate the configuration, and tell whether serve can run with it",
		Long: `Load the configuration file (--config, else ./ytxbot.yaml when present) with its
YTXBOT_* environment overrides and *_file secrets, validate every value, and
check that what "ytxbot serve" needs (YTX credentials, tokens of the enabled
platforms) is set.

Prints "config OK" and a summary in which secrets show only as set or unset.
Exits non-zero, listing every problem on its own line with its key, when a value
is invalid or, unless --shape-only, when serve would lack a credential.`,
		Example:       "  ytxbot config check --config /etc/ytxbot/ytxbot.yaml",
		Args:          cobra.NoArgs,
		SilenceUsage:  true, // a bad file is not a usage error
		SilenceErrors: true, // RunE has listed the problems itself
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runConfigCheck(cmd.OutOrStdout(), cmd.ErrOrStderr(), *path, environ(), shapeOnly)
		},
	}
	check.Flags().BoolVar(&shapeOnly, "shape-only", false, "check values only; missing credentials do not fail (configs for ytxbot console)")
	cmd.AddCommand(check)
	return cmd
}

func runConfigCheck(stdout, stderr io.Writer, path string, env []string, shapeOnly bool) error {
	c, err := LoadConfig(path, env)
	if err != nil {
		list := problemList(err)
		where := path
		if where == "" {
			where = "the configuration (defaults and environment)"
			if _, err := os.Stat(defaultConfigFile); err == nil {
				where = "./" + defaultConfigFile
			}
		}
		fmt.Fprintf(stderr, "config check: %s has %d %s:\n", where, len(list), plural(len(list), "problem", "problems"))
		for _, e := range list {
			fmt.Fprintf(stderr, "  %v\n", e)
		}
		return errSilent
	}
	writeConfigSummary(stdout, c)
	missing := c.MissingAccounts()
	if len(missing) == 0 {
		fmt.Fprintln(stdout, "ready to serve: yes")
		return nil
	}
	fmt.Fprintf(stdout, "ready to serve: no — missing: %s\n", strings.Join(missing, ", "))
	if shapeOnly {
		return nil
	}
	for _, e := range problemList(c.RequireAccounts()) {
		fmt.Fprintf(stderr, "  %v\n", e)
	}
	return errSilent
}

// problemList returns the problems a LoadConfig error holds, one per key.
func problemList(err error) []error {
	if w := errors.Unwrap(err); w != nil {
		if multi, ok := w.(interface{ Unwrap() []error }); ok {
			return multi.Unwrap()
		}
	}
	return unjoin(err)
}

// writeConfigSummary prints what the configuration does, with secrets only
// as set or unset.
func writeConfigSummary(w io.Writer, c *Config) {
	src := c.File
	if src == "" {
		src = "no file (./" + defaultConfigFile + " not found), defaults and environment"
	}
	fmt.Fprintf(w, "config OK: %s\n", src)

	if c.Slack.Enabled {
		mode := "HTTP mode"
		if c.Slack.SocketMode() {
			mode = "Socket Mode"
		}
		fmt.Fprintf(w, "  slack:     enabled, %s (%s, %s, %s)\n", mode,
			secretState(c, "slack.signing_secret"), secretState(c, "slack.bot_token"), secretState(c, "slack.app_token"))
	} else {
		fmt.Fprintln(w, "  slack:     disabled")
	}
	if c.Telegram.Enabled {
		detail := secretState(c, "telegram.token")
		if c.Telegram.Mode == TelegramWebhook {
			detail += ", " + secretState(c, "telegram.webhook_secret") + ", webhook_url " + c.Telegram.WebhookURL
		}
		fmt.Fprintf(w, "  telegram:  enabled, %s (%s, %d allowed %s)\n", c.Telegram.Mode, detail,
			len(c.Telegram.AllowedChats), plural(len(c.Telegram.AllowedChats), "chat", "chats"))
	} else {
		fmt.Fprintln(w, "  telegram:  disabled")
	}
	pushes := "pushes on"
	if !c.YTX.CallbackSecret.IsSet() {
		pushes = "pushes off"
	}
	fmt.Fprintf(w, "  ytx:       %s (account_sid %s, %s, app_id %s, %s: %s)\n", c.YTX.BaseURL,
		setState(c.YTX.AccountSID != ""), secretState(c, "ytx.auth_token"), setState(c.YTX.AppID != ""),
		secretState(c, "ytx.callback_secret"), pushes)
	fmt.Fprintf(w, "  storage:   %s (retention %s)\n", c.Storage.Path, shortDuration(c.Storage.Retention))
	fmt.Fprintf(w, "  timezone:  %s, locale %s\n", c.Timezone, c.Locale)
	fmt.Fprintf(w, "  admins:    %d\n", len(c.Admins))
}

// secretState says "key set", "key set (from key_file)" or "key unset".
func secretState(c *Config, key string) string {
	for _, s := range c.secrets() {
		if s.Key != key {
			continue
		}
		name := key[strings.LastIndex(key, ".")+1:]
		switch {
		case !s.Value.IsSet():
			return name + " unset"
		case *s.File != "":
			return name + " set (from " + name + "_file)"
		default:
			return name + " set"
		}
	}
	return key + " ?"
}

func setState(set bool) string {
	if set {
		return "set"
	}
	return "unset"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
