package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/storage"
)

// withStore runs f against the database of the configuration: through the
// admin socket when serve is running, else by opening the file.
func withStore(cmd *cobra.Command, path string, f func(st adminStore, cfg *Config) error) error {
	cfg, err := LoadConfig(path, os.Environ())
	if err != nil {
		return err
	}
	if r := dialAdmin(socketPath(cfg.Storage.Path)); r != nil {
		return f(r, cfg)
	}
	db, err := storage.Open(cfg.Storage.Path, storage.WithRetention(cfg.Storage.Retention))
	if err != nil {
		return fmt.Errorf("%w (is serve running without its admin socket %s?)", err, socketPath(cfg.Storage.Path))
	}
	defer db.Close()
	return f(db, cfg)
}

func newPhoneCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "phone", Short: "Import and export phone mappings (CSV: identity,phone,name,admin)"}
	imp := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Import mappings: every line is checked first, then all are applied or none",
		Args:  cobra.ExactArgs(1),
	}
	ipath := addConfigFlag(imp)
	imp.RunE = func(cmd *cobra.Command, args []string) error {
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		return withStore(cmd, *ipath, func(st adminStore, cfg *Config) error {
			prog := newProgress(cmd.ErrOrStderr(), "checked %d lines")
			users, errs := readPhoneCSV(io.TeeReader(f, prog.lines()), bot.PhoneOptions{AllowInternational: cfg.Policy.AllowInternational})
			prog.done()
			if len(errs) > 0 {
				for _, e := range errs {
					fmt.Fprintln(cmd.ErrOrStderr(), e)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "nothing imported: %d bad line(s)\n", len(errs))
				return errSilent
			}
			if err := checkAllowed(cfg, users); err != nil {
				return err
			}
			n, err := importUsers(cmd.Context(), st, users)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "imported %d mapping(s) from %s\n", n, args[0])
			return nil
		})
	}
	exp := &cobra.Command{
		Use:   "export FILE.csv",
		Short: "Export every mapping (\"-\" writes to standard output)",
		Args:  cobra.ExactArgs(1),
	}
	epath := addConfigFlag(exp)
	stale := exp.Flags().Bool("stale", false, "only mappings whose accounts are gone (deactivated in Slack, in no allowed Telegram chat)")
	exp.RunE = func(cmd *cobra.Command, args []string) error {
		return withStore(cmd, *epath, func(st adminStore, cfg *Config) error {
			us, err := st.Users(cmd.Context())
			if err != nil {
				return err
			}
			if *stale {
				if us, err = staleUsers(cmd.Context(), cfg, us); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "%d stale mapping(s)\n", len(us))
			}
			return writeUsers(cmd.OutOrStdout(), args[0], us)
		})
	}
	cmd.AddCommand(imp, exp, newImportSlackCmd())
	return cmd
}

// checkAllowed applies policy.number_allow to imported numbers, like every
// other place a number enters.
func checkAllowed(cfg *Config, users []*bot.User) error {
	bc, err := botConfig(cfg)
	if err != nil || len(bc.Policy.NumberAllow) == 0 {
		return err
	}
	var errs []error
	for _, u := range users {
		if u.Phone == "" {
			continue
		}
		if !bc.Policy.NumberAllowed(u.Phone) {
			errs = append(errs, fmt.Errorf("%s: %s is not allowed by policy.number_allow", u.Identity, bot.MaskPhone(u.Phone)))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("nothing imported:\n%w", errors.Join(errs...))
	}
	return nil
}

func newDBCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "db", Short: "Database maintenance"}
	backup := &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the database, also while serve runs",
		Args:  cobra.ExactArgs(1),
	}
	path := addConfigFlag(backup)
	backup.RunE = func(cmd *cobra.Command, args []string) error {
		return withStore(cmd, *path, func(st adminStore, _ *Config) error {
			prog := newProgress(cmd.ErrOrStderr(), "%d bytes written")
			var n int64
			err := writeFileAtomic(args[0], 0o600, func(w io.Writer) error {
				var err error
				n, err = st.Backup(io.MultiWriter(w, prog.bytes()))
				return err
			})
			prog.done()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backup of %d bytes written to %s\n", n, args[0])
			return nil
		})
	}
	cmd.AddCommand(backup)
	return cmd
}

func newAuditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show who rang whom and every admin change (numbers masked)",
		Args:  cobra.NoArgs,
	}
	path := addConfigFlag(cmd)
	since := cmd.Flags().Duration("since", 24*time.Hour, "how far back")
	asJSON := cmd.Flags().Bool("json", false, "one JSON object per line")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return withStore(cmd, *path, func(st adminStore, _ *Config) error {
			es, err := st.Audit(cmd.Context(), time.Now().Add(-*since))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if *asJSON {
				enc := json.NewEncoder(out)
				for _, e := range es {
					if err := enc.Encode(e); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tWHO\tACTION\tTARGET\tRESULT\tYTX")
			for _, e := range es {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.At.Local().Format("2006-01-02 15:04:05"), e.Actor, e.Action, e.Target, e.Result, e.RequestID)
			}
			return tw.Flush()
		})
	}
	return cmd
}

// writeFileAtomic writes through a temporary file renamed into place, so a
// failed export or backup never leaves a half file under the real name.
func writeFileAtomic(path string, mode os.FileMode, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".ytxbot-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// progress prints a counter on a terminal, at most ten times a second.
type progress struct {
	w      io.Writer
	format string
	on     bool
	n      int64
	last   time.Time
}

func newProgress(w io.Writer, format string) *progress {
	return &progress{w: w, format: format, on: isTerminal(w)}
}

func (p *progress) add(n int64) {
	p.n += n
	if p.on && time.Since(p.last) > 100*time.Millisecond {
		p.last = time.Now()
		fmt.Fprintf(p.w, "\r"+p.format, p.n)
	}
}

func (p *progress) done() {
	if p.on {
		fmt.Fprintf(p.w, "\r"+p.format+"\n", p.n)
	}
}

// lines counts newlines written through it.
func (p *progress) lines() io.Writer {
	return writerFunc(func(b []byte) (int, error) {
		var n int64
		for _, c := range b {
			if c == '\n' {
				n++
			}
		}
		p.add(n)
		return len(b), nil
	})
}

// bytes counts bytes written through it.
func (p *progress) bytes() io.Writer {
	return writerFunc(func(b []byte) (int, error) { p.add(int64(len(b))); return len(b), nil })
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
