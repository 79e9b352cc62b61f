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
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/storage"
	"github.com/ytxbot/ytxbot/ytx"
)

// Main is the serve process: configuration in, listeners, the core and its
// adapters wired together. Tests run it end to end (STYLE R11, wtf's Main).
type Main struct {
	Config *Config
	Logger *slog.Logger

	metrics *metrics
	bot     *bot.Bot
	store   bot.Store
	ready   atomic.Bool

	platforms []platform

	mu        sync.Mutex
	addrs     map[string]net.Addr // "public", "admin": where the listeners are
	listening chan struct{}
}

// Addr returns a listener's address once it listens ("public" or "admin").
func (m *Main) Addr(name string) net.Addr {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.addrs[name]
}

// Listening is closed once every listener is up.
func (m *Main) Listening() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.listening == nil {
		m.listening = make(chan struct{})
	}
	return m.listening
}

// Run serves until ctx is done, then stops intake, finishes the work in
// flight and closes the store.
func (m *Main) Run(ctx context.Context) error {
	cfg := m.Config
	if m.Logger == nil {
		m.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	log := m.Logger
	m.metrics = newMetrics()
	if !cfg.Slack.Enabled && !cfg.Telegram.Enabled {
		log.Warn("no chat platform is enabled: only YTX pushes and the admin socket are served")
	}
	bc, err := botConfig(cfg)
	if err != nil {
		return err
	}
	client, err := newYTXClient(cfg, m.metrics, ytx.WithLogger(log))
	if err != nil {
		return err
	}
	db, err := storage.Open(cfg.Storage.Path, storage.WithRetention(cfg.Storage.Retention), storage.WithLogger(log))
	if err != nil {
		return fmt.Errorf("serve: storage.path: %w", err)
	}
	defer db.Close()
	m.store = db
	m.bot, err = bot.New(bc, m.store, client, bot.WithLogger(log))
	if err != nil {
		return err
	}
	m.metrics.trackMeetings(m.bot.Tracked)
	sock := socketPath(cfg.Storage.Path)
	adminLn, err := listenAdmin(sock)
	if err != nil {
		return err
	}
	adminSrv := &http.Server{Handler: adminHandler(db, m.bot), ReadHeaderTimeout: 10 * time.Second}
	go adminSrv.Serve(adminLn)
	defer func() {
		adminSrv.Close()
		os.Remove(sock)
	}()
	log.Info("admin socket", "path", sock)

	public := http.NewServeMux()
	public.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	public.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !m.ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		m.mu.Lock()
		platforms := m.platforms
		m.mu.Unlock()
		for _, a := range platforms {
			if !a.Ready() {
				http.Error(w, "not ready: "+a.name+" not connected", http.StatusServiceUnavailable)
				return
			}
		}
		io.WriteString(w, "ready\n")
	})
	bgCtx, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBackground()
	adapters, err := m.adapters(log)
	if err != nil {
		return err
	}
	for _, a := range adapters {
		a.Routes(public)
	}
	pushes := newPushHandler(cfg.YTX.CallbackSecret.Reveal(), m.bot.HandlePush, log)
	if cfg.YTX.CallbackSecret.IsSet() {
		public.Handle("POST /ytx/callback/{secret}", pushes)
	}
	admin := http.NewServeMux()
	admin.Handle("GET /metrics", m.metrics.handler())
	admin.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })

	servers := map[string]*http.Server{
		"public": {Addr: cfg.HTTP.Addr, Handler: m.metrics.instrument(public)},
	}
	if cfg.HTTP.AdminAddr != "" {
		servers["admin"] = &http.Server{Addr: cfg.HTTP.AdminAddr, Handler: admin}
	}
	errc := make(chan error, len(servers)+len(adapters)+1)
	m.Listening() // make the channel before anyone waits on it
	// Bind every listener before serving on any: one that cannot bind
	// must not leave the other answering for a process that is leaving.
	lns := map[string]net.Listener{}
	for name, srv := range servers {
		ln, err := net.Listen("tcp", srv.Addr)
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return fmt.Errorf("serve: %s listener (http.%s): %w", name, map[string]string{"public": "addr", "admin": "admin_addr"}[name], err)
		}
		lns[name] = ln
	}
	for name, srv := range servers {
		srv.ReadHeaderTimeout = 10 * time.Second
		srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)
		ln := lns[name]
		m.mu.Lock()
		if m.addrs == nil {
			m.addrs = map[string]net.Addr{}
		}
		m.addrs[name] = ln.Addr()
		m.mu.Unlock()
		log.Info("listening", "listener", name, "addr", ln.Addr().String())
		go func() {
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("serve: %s listener: %w", name, err)
			}
		}()
	}
	var background sync.WaitGroup
	background.Go(func() { m.bot.Poll(bgCtx, cfg.Tracker.PollInterval) })
	// Adapters stop taking requests with the listeners, then drain.
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	var running sync.WaitGroup
	for _, a := range adapters {
		running.Go(func() {
			if err := a.Run(runCtx); err != nil {
				errc <- fmt.Errorf("serve: %s: %w", a.name, err)
			}
		})
	}
	background.Go(func() { db.RunSweeper(bgCtx, time.Hour) })

	m.ready.Store(true)
	close(m.listening)
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err = <-errc:
		log.Error("listener failed", "err", err)
	}
	m.ready.Store(false)
	// Stop intake: the public listener and the admin socket close, the
	// requests in flight finish.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownBudget)
	defer cancel()
	if serr := servers["public"].Shutdown(shutdownCtx); serr != nil {
		log.Warn("public listener shutdown", "err", serr)
	}
	if serr := adminSrv.Shutdown(shutdownCtx); serr != nil {
		log.Warn("admin socket shutdown", "err", serr)
	}
	stopRun()
	// The poller and the sweeper next: they start work (card edits,
	// summaries) that the drain below must see, and a poll's YTX request
	// is cancelled rather than waited for.
	stopBackground()
	background.Wait()
	drained := make(chan struct{})
	go func() {
		running.Wait()
		pushes.Wait()
		m.bot.Wait()
		for _, a := range adapters {
			a.wait()
		}
		close(drained)
	}()
	select {
	case <-drained:
	case <-shutdownCtx.Done():
		// A chat API that keeps answering 429, say: stop rather than hang
		// until the service manager kills the process.
		log.Warn("shutdown: work still in flight after the budget; closing the store under it", "budget", shutdownBudget)
	}
	if a := servers["admin"]; a != nil {
		_ = a.Shutdown(shutdownCtx)
	}
	log.Info("stopped")
	return err
}

// shutdownBudget bounds a SIGTERM's drain: long enough for a Slack
// Retry-After, well within the service unit's TimeoutStopSec (90 s).
const shutdownBudget = 60 * time.Second

func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the bot: adapters, YTX pushes, health and metrics",
		Args:  cobra.NoArgs,
	}
	path := addConfigFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := LoadConfig(*path, os.Environ())
		if err != nil {
			return err
		}
		// Without a chat platform serve still takes YTX pushes and the admin
		// socket; that is worth a warning, not a refusal.
		var missing []string
		for _, k := range cfg.MissingAccounts() {
			if k != noPlatformKey {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("serve: missing %s (see ytxbot config check)", strings.Join(missing, ", "))
		}
		m := &Main{Config: cfg, Logger: slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), nil))}
		return m.Run(cmd.Context())
	}
	return cmd
}
