package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
	"github.com/ytxbot/ytxbot/ytx/ytxsim"
)

// Defaults of `ytxbot sim`: a local, throwaway account. The token is not a
// secret here; it only has to match what the bot under test is given.
const (
	simDefaultAddr  = "127.0.0.1:8090"
	simDefaultSID   = "ytxsimaccountsid0000000000000001"
	simDefaultToken = "ytxsimauthtoken00000000000000001"
	simDefaultApp   = "ytxsimapp0001"
)

func newSimCmd() *cobra.Command {
	var (
		cfg     ytxsim.Config
		addr    string
		latency time.Duration
		speed   string
	)
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Serve the built-in YTX simulator",
		Long: `Serve the built-in YTX simulator: the YTX API (signatures checked, meetings and
dial-back calls kept in memory, status pushes sent to --callback-url) on a
local address, for trying ytxbot or another client without a YTX account.

Point the bot's ytx.base_url at the printed URL and give it the same account
SID, auth token and app id. People "answer" by the last digit of their number:
9 never answers, 8 is busy, 7 hangs up after a while, others answer and stay.`,
		Example: "  ytxbot sim --addr 127.0.0.1:8090 --callback-url http://127.0.0.1:8080/ytx/callback/SECRET --speed demo",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch speed {
			case "real":
				cfg.Timeline = ytxsim.DefaultTimeline()
			case "demo":
				cfg.Timeline = ytxsim.DemoTimeline()
			default:
				return fmt.Errorf("--speed %q: want real or demo", speed)
			}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			sim, err := ytxsim.New(cfg, ytxsim.WithLogger(logger))
			if err != nil {
				return err
			}
			sim.SetLatency(latency)
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("sim: listen: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "YTX simulator on http://%s (account SID %s, app id %s, speed %s)\n", ln.Addr(), cfg.AccountSID, cfg.AppID, speed)
			return serveSim(cmd.Context(), ln, sim)
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", simDefaultAddr, "listen address")
	f.StringVar(&cfg.AccountSID, "account-sid", simDefaultSID, "account SID the simulator accepts")
	f.StringVar(&cfg.AuthToken, "auth-token", simDefaultToken, "auth token the simulator checks Signs with (never printed)")
	f.StringVar(&cfg.AppID, "app-id", simDefaultApp, "app id the simulator accepts")
	f.StringVar(&cfg.CallbackURL, "callback-url", "", "where to POST status pushes (empty: none, like the YTX sandbox)")
	f.StringVar(&cfg.CallerID, "caller-id", ytxsim.DefaultCallerID, "the number meetings call from (meetcallerid)")
	f.DurationVar(&latency, "latency", 0, "delay every answer by this much")
	f.StringVar(&speed, "speed", "real", "timeline: real (people answer after ~5s) or demo (~2s)")
	return cmd
}

// serveSim serves sim on ln, advancing its clock, until ctx is done.
func serveSim(ctx context.Context, ln net.Listener, sim *ytxsim.Sim) error {
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ticked := make(chan error, 1)
	go func() { ticked <- sim.Run(ctx) }()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	shutdownCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	if serr := srv.Shutdown(shutdownCtx); serr != nil && err == nil {
		err = serr
	}
	cancel()
	<-ticked
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
