package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ytxbot/ytxbot/adapters/slack"
	"github.com/ytxbot/ytxbot/adapters/telegram"
	"github.com/ytxbot/ytxbot/bot"
)

// noRequests is the core for adapters the CLI builds only to ask Slack and
// Telegram about people: they never take a request.
type noRequests struct{}

func (noRequests) Handle(context.Context, *bot.Request) bot.Reply                    { return bot.Reply{Silent: true} }
func (noRequests) LearnUsername(context.Context, bot.Platform, string, string) error { return nil }
func (noRequests) Known(context.Context, string) (bool, error)                       { return false, nil }
func (noRequests) FirstTime(context.Context, string) (bool, error)                   { return false, nil }
func (noRequests) MigrateChat(context.Context, bot.Platform, string, string) error   { return nil }

// cliSlack builds the Slack adapter of the configuration for the CLI.
func cliSlack(cfg *Config) (*slack.Adapter, error) {
	if !cfg.Slack.Enabled {
		return nil, errors.New("slack is not enabled in the configuration (slack.enabled)")
	}
	return slack.New(slackConfig(cfg), noRequests{}, slack.WithHTTPClient(&http.Client{Timeout: 30 * time.Second}))
}

// cliRosters builds the rosters of the enabled platforms, for the CLI.
func cliRosters(cfg *Config) (map[bot.Platform]bot.Roster, error) {
	rs := map[bot.Platform]bot.Roster{}
	if cfg.Slack.Enabled {
		sa, err := cliSlack(cfg)
		if err != nil {
			return nil, err
		}
		rs[bot.Slack] = sa
	}
	if cfg.Telegram.Enabled {
		ta, err := telegram.New(telegramConfig(cfg), noRequests{})
		if err != nil {
			return nil, err
		}
		rs[bot.Telegram] = ta
	}
	if len(rs) == 0 {
		return nil, errors.New("no chat platform is enabled: nothing to judge mappings by")
	}
	return rs, nil
}

// staleUsers keeps the users whose accounts are gone: deactivated in Slack,
// or in none of telegram.allowed_chats.
func staleUsers(ctx context.Context, cfg *Config, us []*bot.User) ([]*bot.User, error) {
	rs, err := cliRosters(cfg)
	if err != nil {
		return nil, err
	}
	return bot.StaleUsers(ctx, us, rs)
}

// importPlan is one Slack account's fate in `phone import-slack`.
type importPlan struct {
	person slack.Person
	user   *bot.User // nil when skipped
	why    string    // why skipped
}

// planSlackImport decides which Slack profile numbers become mappings:
// active people, not bots, not mapped yet, whose number is valid, allowed
// and not someone else's.
func planSlackImport(people []slack.Person, existing []*bot.User, policy bot.Policy) []importPlan {
	po := bot.PhoneOptions{AllowInternational: policy.AllowInternational}
	mapped := map[string]bool{}
	owner := map[string]string{}
	for _, u := range existing {
		if u.Phone != "" {
			mapped[u.Identity] = true
			owner[u.Phone] = u.Identity
		}
	}
	var out []importPlan
	for _, p := range people {
		id := bot.IdentityOf(bot.Slack, p.TeamID, p.UserID)
		pl := importPlan{person: p}
		phone, err := bot.NormalizePhone(p.Phone, po)
		switch {
		case p.Bot || p.Deleted:
			continue
		case p.Phone == "":
			pl.why = "no number on the profile"
		case mapped[id]:
			pl.why = "already mapped"
		case err != nil:
			pl.why = "not a number ytxbot can ring"
		case !policy.NumberAllowed(phone):
			pl.why = "not allowed by policy.number_allow"
		case owner[phone] != "":
			pl.why = "the number is already " + owner[phone] + "'s"
		default:
			owner[phone] = id
			pl.user = &bot.User{Identity: id, Name: p.Name, Phone: phone}
		}
		out = append(out, pl)
	}
	return out
}

func newImportSlackCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import-slack",
		Short: "Map Slack users to the phone numbers on their profiles (a dry run unless --apply)",
		Long: `Lists the workspace's people (users.list) and plans a mapping for every active
person whose profile shows a number ytxbot can ring and who has none yet. Without
--apply it only prints the plan (numbers masked); with --apply an admin confirms it
and the mappings are imported like "phone import" does.`,
		Args: cobra.NoArgs,
	}
	path := addConfigFlag(cmd)
	apply := cmd.Flags().Bool("apply", false, "import the planned mappings (default: dry run)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return withStore(cmd, *path, func(st adminStore, cfg *Config) error {
			sa, err := cliSlack(cfg)
			if err != nil {
				return err
			}
			bc, err := botConfig(cfg)
			if err != nil {
				return err
			}
			people, err := sa.People(cmd.Context())
			if err != nil {
				return err
			}
			existing, err := st.Users(cmd.Context())
			if err != nil {
				return err
			}
			plan := planSlackImport(people, existing, bc.Policy)
			var users []*bot.User
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "IDENTITY\tNAME\tNUMBER\tPLAN")
			for _, p := range plan {
				what, number := "import", bot.MaskPhone(p.person.Phone)
				if p.user != nil {
					users = append(users, p.user)
					number = bot.MaskPhone(p.user.Phone)
				} else {
					what = "skip: " + p.why
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", bot.IdentityOf(bot.Slack, p.person.TeamID, p.person.UserID), bot.MaskText(p.person.Name), number, what)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if !*apply {
				fmt.Fprintf(cmd.OutOrStdout(), "dry run: %d mapping(s) would be imported; nothing was changed (rerun with --apply)\n", len(users))
				return nil
			}
			if len(users) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "nothing to import")
				return nil
			}
			n, err := importUsers(cmd.Context(), st, users)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "imported %d mapping(s) from Slack profiles\n", n)
			return nil
		})
	}
	return cmd
}

// importUsers applies mappings through serve when it runs (it merges on its
// side), else merging here.
func importUsers(ctx context.Context, st adminStore, users []*bot.User) (int, error) {
	if _, remote := st.(*remoteStore); remote {
		return st.ImportUsers(ctx, users)
	}
	return mergeAndImport(ctx, st, users, time.Now())
}

// writeUsers writes mappings as CSV to path ("-": w).
func writeUsers(w io.Writer, path string, us []*bot.User) error {
	if path == "-" {
		return writePhoneCSV(w, us)
	}
	return writeFileAtomic(path, 0o600, func(w io.Writer) error { return writePhoneCSV(w, us) })
}
