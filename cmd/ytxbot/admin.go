package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ytxbot/ytxbot/bot"
)

// The admin socket lets `ytxbot phone|db|audit` work while `serve` holds the
// database (bbolt allows one process): HTTP over a unix socket next to the
// database, mode 0600, so only the bot's own user can reach it.

// adminStore is what the administration commands need from the store.
type adminStore interface {
	Users(ctx context.Context) ([]*bot.User, error)
	ImportUsers(ctx context.Context, users []*bot.User) (int, error)
	Backup(w io.Writer) (int64, error)
	Audit(ctx context.Context, since time.Time) ([]bot.AuditEntry, error)
}

// maxSocketPath is the room in sockaddr_un for a path on Linux.
const maxSocketPath = 107

// socketPath is <storage.path>.sock, or a name under $XDG_RUNTIME_DIR when
// that path is too long for a unix socket (SPEC §11).
func socketPath(dbPath string) string {
	abs, err := filepath.Abs(dbPath)
	if err != nil {
		abs = dbPath
	}
	p := abs + ".sock"
	if len(p) <= maxSocketPath {
		return p
	}
	sum := sha256.Sum256([]byte(abs))
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "ytxbot-"+hex.EncodeToString(sum[:8])+".sock")
}

// socketPhones are the numbers an import over the socket may map: the CLI
// applied the policy (international numbers) before sending.
var socketPhones = bot.PhoneOptions{AllowInternational: true}

// maxImportBytes bounds an import sent over the socket (about 100 bytes a row).
const maxImportBytes = 64 << 20

// handler is the core as the admin socket sees it; *bot.Bot satisfies it.
type handler interface {
	Handle(ctx context.Context, req *bot.Request) bot.Reply
}

// adminHandler serves the socket. h may be nil (no command intake).
func adminHandler(st adminStore, h handler) http.Handler {
	mux := http.NewServeMux()
	if h != nil {
		// A console-platform intake for operators on the bot's own host
		// (and the crash test): the socket is reachable by the bot's user only.
		mux.HandleFunc("POST /v1/handle", func(w http.ResponseWriter, r *http.Request) {
			var req handleRequest
			if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil || req.User == "" || req.Text == "" {
				http.Error(w, "want {\"user\":NAME,\"text\":COMMAND}", http.StatusBadRequest)
				return
			}
			// A client that hangs up must not cut a command off halfway.
			rep := h.Handle(context.WithoutCancel(r.Context()), &bot.Request{ID: req.ID, Platform: bot.Console, Channel: "admin", ChannelName: "admin",
				ChatType: bot.ChatPrivate, UserID: req.User, UserName: req.User, Text: req.Text})
			json.NewEncoder(w).Encode(handleResult{Text: rep.Text, Silent: rep.Silent})
		})
	}
	mux.HandleFunc("GET /v1/ping", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ytxbot\n") })
	mux.HandleFunc("GET /v1/phones", func(w http.ResponseWriter, r *http.Request) {
		us, err := st.Users(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/csv")
		writePhoneCSV(w, us)
	})
	mux.HandleFunc("POST /v1/phones", func(w http.ResponseWriter, r *http.Request) {
		var req importRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxImportBytes)).Decode(&req); err != nil {
			http.Error(w, "bad import: "+err.Error(), http.StatusBadRequest)
			return
		}
		// The CLI checked every row already; the socket checks again what it
		// is about to store, by the rules of a CSV line, so that no client
		// can write a null row (a panic) or a mapping that is no number.
		for i, u := range req.Users {
			if u == nil {
				http.Error(w, fmt.Sprintf("bad import: user %d is null", i), http.StatusBadRequest)
				return
			}
			ok, msg := phoneRow([]string{u.Identity, u.Phone, u.Name, strconv.FormatBool(u.Admin)}, socketPhones)
			if msg != "" {
				http.Error(w, fmt.Sprintf("bad import: user %d: %s", i, msg), http.StatusBadRequest)
				return
			}
			u.Phone = ok.Phone
		}
		n, err := mergeAndImport(r.Context(), st, req.Users, time.Now())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(importResult{Imported: n})
	})
	mux.HandleFunc("GET /v1/backup", func(w http.ResponseWriter, r *http.Request) {
		// The status comes in a trailer: a failure midway cannot change the
		// status line any more, and must not pass for a short backup.
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Trailer", backupTrailer)
		n, err := st.Backup(w)
		if err != nil {
			slog.Error("backup over the admin socket", "err", err)
			w.Header().Set(backupTrailer, "error")
			return
		}
		w.Header().Set(backupTrailer, strconv.FormatInt(n, 10))
	})
	mux.HandleFunc("GET /v1/audit", func(w http.ResponseWriter, r *http.Request) {
		since, err := time.Parse(time.RFC3339Nano, r.URL.Query().Get("since"))
		if err != nil {
			http.Error(w, "since: "+err.Error(), http.StatusBadRequest)
			return
		}
		es, err := st.Audit(r.Context(), since)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(es)
	})
	return mux
}

type handleRequest struct {
	ID   string `json:"id"` // optional request id: the same id is handled once
	User string `json:"user"`
	Text string `json:"text"`
}

type handleResult struct {
	Text   string `json:"text"`
	Silent bool   `json:"silent"`
}

// mergeAndImport keeps what a CSV row does not carry (do not disturb, locale,
// verification of an unchanged number) and stores every row in one commit.
func mergeAndImport(ctx context.Context, st adminStore, users []*bot.User, now time.Time) (int, error) {
	old, err := st.Users(ctx)
	if err != nil {
		return 0, err
	}
	byID := make(map[string]*bot.User, len(old))
	for _, u := range old {
		byID[u.Identity] = u
	}
	for _, u := range users {
		if o := byID[u.Identity]; o != nil {
			u.DND, u.Locale = o.DND, o.Locale
			u.Verified = o.Verified && o.Phone == u.Phone
			if u.Name == "" {
				u.Name = o.Name
			}
		}
		u.Updated = now
	}
	n, err := st.ImportUsers(ctx, users)
	if err != nil {
		return n, err
	}
	// An import is an admin change like /phone set: audited (SPEC §9).
	if a, ok := st.(interface {
		AddAudit(ctx context.Context, e bot.AuditEntry) error
	}); ok {
		e := bot.AuditEntry{At: now, Actor: cliActor(), Action: "phone.import", Target: strconv.Itoa(n) + " mapping(s)", Result: "ok"}
		if err := a.AddAudit(ctx, e); err != nil {
			return n, fmt.Errorf("imported %d mapping(s), but the audit entry failed: %w", n, err)
		}
	}
	return n, nil
}

// cliActor names who ran an admin command on the host: the operating
// system account (the admin socket is reachable by the bot's user only).
func cliActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "cli:" + u.Username
	}
	return "cli"
}

// backupTrailer carries the size of a complete backup, or "error".
const backupTrailer = "Ytxbot-Backup-Bytes"

type importRequest struct {
	Users []*bot.User `json:"users"`
}

type importResult struct {
	Imported int `json:"imported"`
}

// listenAdmin creates the socket, replacing a stale file that no process
// answers on, and restricts it to the owner.
func listenAdmin(path string) (net.Listener, error) {
	if _, err := os.Lstat(path); err == nil {
		if !ownSocket(path) {
			return nil, fmt.Errorf("admin socket %s: the path exists and is not a socket of this user; remove it or set XDG_RUNTIME_DIR", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("admin socket %s: another ytxbot serve is running", path)
		}
		os.Remove(path)
	}
	old := umask(0o177)
	ln, err := net.Listen("unix", path)
	umask(old)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	return ln, nil
}

// remoteStore is an adminStore reached through a running serve's socket.
type remoteStore struct{ hc *http.Client }

// dialAdmin returns the running serve's store, or nil when none answers
// (or the socket is not this user's: then the database is opened directly,
// and refused if a serve holds it).
func dialAdmin(path string) *remoteStore {
	if !ownSocket(path) {
		return nil
	}
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://ytxbot/v1/ping", nil)
	resp, err := hc.Do(req)
	if err != nil {
		return nil
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	return &remoteStore{hc: hc}
}

func (r *remoteStore) get(ctx context.Context, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://ytxbot"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("serve answered %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	return resp, nil
}

func (r *remoteStore) Users(ctx context.Context) ([]*bot.User, error) {
	resp, err := r.get(ctx, "/v1/phones")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	us, errs := readPhoneCSV(resp.Body, bot.PhoneOptions{AllowExtension: false, AllowInternational: true})
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return us, nil
}

func (r *remoteStore) ImportUsers(ctx context.Context, users []*bot.User) (int, error) {
	body, err := json.Marshal(importRequest{Users: users})
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://ytxbot/v1/phones", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("admin socket: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return 0, fmt.Errorf("serve answered %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	var res importResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return 0, err
	}
	return res.Imported, nil
}

func (r *remoteStore) Backup(w io.Writer) (int64, error) {
	resp, err := r.get(context.Background(), "/v1/backup")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("backup over the admin socket: %w", err)
	}
	if got := resp.Trailer.Get(backupTrailer); got != strconv.FormatInt(n, 10) {
		return n, fmt.Errorf("backup over the admin socket is incomplete (%d bytes, serve says %q)", n, got)
	}
	return n, nil
}

func (r *remoteStore) Audit(ctx context.Context, since time.Time) ([]bot.AuditEntry, error) {
	resp, err := r.get(ctx, "/v1/audit?since="+since.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var es []bot.AuditEntry
	return es, json.NewDecoder(resp.Body).Decode(&es)
}
