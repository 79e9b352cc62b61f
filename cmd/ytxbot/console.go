package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/ytxbot/ytxbot/adapters/console"
	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/memstore"
	"github.com/ytxbot/ytxbot/storage"
	"github.com/ytxbot/ytxbot/ytx"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

// The console demo's people (SPEC §8).
var demoPeople = []struct{ name, phone string }{
	{"alice", "13800000001"},
	{"bob", "13900000002"},
	{"carol", "13700000003"},
}

// demoBot is the console's bot, for the embedded simulator's pushes (they
// start only after the first command, but arrive on the simulator's own
// goroutine).
var demoBot atomic.Pointer[bot.Bot]

// settleWithin bounds the wait for cards to settle at the end of input.
const settleWithin = 5 * time.Second

func newConsoleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "console",
		Short: "Chat with the bot in the terminal (embedded YTX simulator unless --config is given)",
		Long: `Chat with the bot in the terminal, one command per line, from a terminal or a pipe.

Without --config it needs no account: YTX is the built-in simulator (people answer
within seconds), the store is temporary, and the demo people @alice, @bob and
@carol have numbers. You are @me, an admin with no number yet. With --config it
talks to the YTX account of that file.

Extra lines: "/as NAME" plays another person, "!BUTTON-ID" clicks a card button.
At the end of input it waits up to 5s for the cards to settle, then exits 0.`,
		Example: "  printf '/phone set 13600000000\\n/meet create standup @alice @bob\\n' | ytxbot console",
		Args:    cobra.NoArgs,
	}
	path := cmd.Flags().String("config", "", "configuration file (default: the embedded demo)")
	dbPath := cmd.Flags().String("db", "", "database file to keep state in (default: a temporary in-memory store)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return runConsole(cmd.Context(), *path, *dbPath, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
	}
	return cmd
}

func runConsole(ctx context.Context, path, dbPath string, in io.Reader, out, errOut io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	log := slog.New(slog.NewTextHandler(errOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var (
		cfg    *Config
		client *ytx.Client
		poll   time.Duration
		err    error
	)
	demo := path == ""
	if demo {
		c := DefaultConfig()
		cfg = &c
		// A newcomer can replay the demo freely (SPEC §11).
		cfg.Policy.SelfService = true
		cfg.Policy.CallsPerUserPerHour, cfg.Policy.RingsPerTargetPerHour, cfg.Policy.CallsPerMinuteGlobal = 0, 0, 0
		cfg.Policy.DuplicateWindow = 0
		cfg.Admins = []string{"console:me"}
		client, err = startDemoYTX(ctx, func(ctx context.Context, body []byte) error {
			// The embedded simulator pushes status in-process, as YTX
			// would to /ytx/callback, so call cards follow too.
			p, err := ytx.ParsePush(body)
			if err != nil {
				return err
			}
			if b := demoBot.Load(); b != nil {
				_, err = b.HandlePush(ctx, p)
			}
			return err
		})
		poll = 500 * time.Millisecond
	} else {
		if cfg, err = LoadConfig(path, os.Environ()); err != nil {
			return err
		}
		if missing := cfg.missingYTX(); len(missing) > 0 {
			return fmt.Errorf("console: the configuration has no YTX account (%v); run without --config for the demo", missing)
		}
		client, err = newYTXClient(cfg, nil)
		poll = cfg.Tracker.PollInterval
	}
	if err != nil {
		return err
	}
	bc, err := botConfig(cfg)
	if err != nil {
		return err
	}
	var store bot.Store = memstore.New()
	if dbPath != "" {
		db, err := storage.Open(dbPath, storage.WithRetention(cfg.Storage.Retention))
		if err != nil {
			return fmt.Errorf("console: --db: %w", err)
		}
		defer db.Close()
		store = db
	}
	b, err := bot.New(bc, store, client, bot.WithLogger(log))
	if err != nil {
		return err
	}
	demoBot.Store(b)
	if demo {
		for _, p := range demoPeople {
			if err := store.PutUser(ctx, &bot.User{Identity: "console:" + p.name, Name: p.name, Phone: p.phone}); err != nil {
				return err
			}
		}
	}
	a, err := console.New(console.Config{User: "me", Channel: "console", Prompt: isTerminal(in)}, b, in, out)
	if err != nil {
		return err
	}
	b.RegisterNotifier(bot.Console, a)
	if demo {
		fmt.Fprintln(out, "ytxbot console: YTX is simulated; nobody's phone rings.")
		fmt.Fprintln(out, "Demo people: @alice 13800000001, @bob 13900000002, @carol 13700000003. You are @me, an admin with no number yet.")
		fmt.Fprintln(out, "Try: /phone set 13600000000, then /meet create standup @alice @bob. /meet help lists the rest; /as NAME plays someone else.")
	}
	polled := make(chan struct{})
	go func() { defer close(polled); b.Poll(ctx, poll) }()
	runErr := a.Run(ctx)
	settle(ctx, b, poll)
	cancel()
	<-polled
	b.Wait()
	return runErr
}

// settle waits, at the end of input, until no card has anyone ringing, at
// most settleWithin.
func settle(ctx context.Context, b *bot.Bot, every time.Duration) {
	deadline := time.NewTimer(settleWithin)
	defer deadline.Stop()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		if _, ringing, err := b.RefreshOpen(ctx); err != nil || ringing == 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			return
		case <-tick.C:
		}
	}
}

// startDemoYTX serves the simulator at demo speed on a loopback port and
// returns a client for it. Both live until ctx ends.
func startDemoYTX(ctx context.Context, push func(context.Context, []byte) error) (*ytx.Client, error) {
	const sid, token, app = simDefaultSID, simDefaultToken, simDefaultApp
	sim, err := ytxsim.New(ytxsim.Config{AccountSID: sid, AuthToken: token, AppID: app, Timeline: ytxsim.DemoTimeline()},
		ytxsim.WithPushFunc(push))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("console: simulator: %w", err)
	}
	go func() {
		if err := serveSim(ctx, ln, sim); err != nil && !errors.Is(err, context.Canceled) {
			slog.Warn("simulator stopped", "err", err)
		}
	}()
	return ytx.New(ytx.Config{BaseURL: "http://" + ln.Addr().String(), AccountSID: sid, AuthToken: token, AppID: app},
		ytx.WithHTTPClient(&http.Client{Timeout: 10 * time.Second}))
}

// isTerminal reports whether a stream is a terminal (not a pipe or a file).
func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
