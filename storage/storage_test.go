package storage

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
)

// MustOpen opens a store at path and closes it when the test ends.
func MustOpen(tb testing.TB, path string, opts ...Option) *DB {
	tb.Helper()
	db, err := Open(path, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil && !errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
			tb.Errorf("close: %v", err)
		}
	})
	return db
}

func tempPath(tb testing.TB) string { return filepath.Join(tb.TempDir(), "ytxbot.db") }

func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("%s:\ngot  %s\nwant %s", what, g, w)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestStoreSuite(t *testing.T) {
	bottest.StoreSuite(t, func(t *testing.T) bot.Store { return MustOpen(t, tempPath(t)) })
}

func TestOpenCreatesEveryBucketAndMode0600(t *testing.T) {
	path := tempPath(t)
	db := MustOpen(t, path)
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	fi, err := os.Stat(path)
	must(t, err)
	if perm := fi.Mode().Perm(); perm&^0o600 != 0 {
		t.Errorf("file mode %v, want at most 0600", perm)
	}
	must(t, db.bolt.View(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				t.Errorf("bucket %s missing", name)
			}
		}
		v, _, err := readVersion(tx)
		if v != schemaVersion() {
			t.Errorf("schema version %d, want %d", v, schemaVersion())
		}
		return err
	}))
}

func TestOpenLockedFileTimesOut(t *testing.T) {
	path := tempPath(t)
	MustOpen(t, path)
	start := time.Now()
	db, err := Open(path)
	if err == nil {
		db.Close()
		t.Fatal("a second Open of an open file succeeded")
	}
	if !errors.Is(err, bolterrors.ErrTimeout) {
		t.Errorf("error %v does not wrap bbolt's ErrTimeout", err)
	}
	if !strings.Contains(err.Error(), "database is in use by another process") || !strings.Contains(err.Error(), path) {
		t.Errorf("error %q: want the path and %q", err, "database is in use by another process")
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("gave up after %v, want about the 1 s timeout", d)
	}
}

func TestOpenNotADatabase(t *testing.T) {
	path := tempPath(t)
	must(t, os.WriteFile(path, bytes.Repeat([]byte("not bolt "), 2000), 0o600))
	if db, err := Open(path); err == nil {
		db.Close()
		t.Fatal("Open of a file that is not a database succeeded")
	} else if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
}

// fill writes one of everything and returns what it wrote.
type filled struct {
	users    []*bot.User
	meetings []*bot.Meeting
	calls    []*bot.Call
	intents  []*bot.Intent
	audit    []bot.AuditEntry
}

func fill(t *testing.T, st bot.Store) filled {
	t.Helper()
	ctx := t.Context()
	var f filled
	f.users = []*bot.User{bottest.SampleUser("slack:T1:U1", "13800000001"), bottest.SampleUser("telegram:9", "13800000001"),
		bottest.SampleUser("console:ann", "")}
	for _, u := range f.users {
		must(t, st.PutUser(ctx, u))
	}
	must(t, st.PutUsername(ctx, bot.Telegram, "ann", "telegram:9"))
	for range 2 {
		id, err := st.NextID(ctx, "meeting")
		must(t, err)
		m := bottest.SampleMeeting(id, fmt.Sprint("Y", id))
		must(t, st.PutMeeting(ctx, m))
		f.meetings = append([]*bot.Meeting{m}, f.meetings...) // newest first
	}
	id, err := st.NextID(ctx, "call")
	must(t, err)
	c := bottest.SampleCall(id)
	must(t, st.PutCall(ctx, c))
	f.calls = []*bot.Call{c}
	_, err = st.MarkSeen(ctx, "req:slack:T1:x", bottest.StoreBase)
	must(t, err)
	f.intents = []*bot.Intent{
		{ID: "i1", Kind: "dialback", Identity: "slack:T1:U1", CallID: id, Created: bottest.StoreBase, Outcome: "pending"},
		{ID: "i2", Kind: "create", Identity: "slack:T1:U1", MeetingID: 1, Created: bottest.StoreBase.Add(time.Second), Outcome: "done"},
	}
	for _, in := range f.intents {
		must(t, st.PutIntent(ctx, in))
	}
	f.audit = []bot.AuditEntry{
		{At: bottest.StoreBase, Actor: "slack:T1:U1", Action: "call.dialback", Target: "138****0001", Result: "ok", RequestID: "r1"},
		{At: bottest.StoreBase, Actor: "slack:T1:U1", Action: "phone.set", Target: "138****0001", Result: "ok"},
	}
	for _, e := range f.audit {
		must(t, st.AddAudit(ctx, e))
	}
	must(t, st.AddHits(ctx, []string{"user:slack:T1:U1", "global"}, bottest.StoreBase))
	return f
}

func (f filled) check(t *testing.T, st bot.Store) {
	t.Helper()
	ctx := t.Context()
	users, err := st.Users(ctx)
	must(t, err)
	sameJSON(t, "users", users, []*bot.User{f.users[2], f.users[0], f.users[1]})
	ids, err := st.IdentitiesByPhone(ctx, "13800000001")
	must(t, err)
	sameJSON(t, "phone index", ids, []string{"slack:T1:U1", "telegram:9"})
	if id, err := st.Username(ctx, bot.Telegram, "ann"); err != nil || id != "telegram:9" {
		t.Errorf("Username = %q, %v", id, err)
	}
	ms, err := st.Meetings(ctx, bot.MeetingFilter{})
	must(t, err)
	sameJSON(t, "meetings", ms, f.meetings)
	m, err := st.MeetingByYTXID(ctx, f.meetings[0].YTXID)
	must(t, err)
	sameJSON(t, "meeting by YTX id", m, f.meetings[0])
	cs, err := st.Calls(ctx, bot.CallFilter{})
	must(t, err)
	sameJSON(t, "calls", cs, f.calls)
	if first, err := st.MarkSeen(ctx, "req:slack:T1:x", bottest.StoreBase); err != nil || first {
		t.Errorf("MarkSeen of a key seen before = %v, %v; want false", first, err)
	}
	ins, err := st.Intents(ctx, "")
	must(t, err)
	sameJSON(t, "intents", ins, f.intents)
	au, err := st.Audit(ctx, time.Time{})
	must(t, err)
	sameJSON(t, "audit", au, f.audit)
	if n, err := st.Hits(ctx, "global", bottest.StoreBase); err != nil || n != 1 {
		t.Errorf("Hits(global) = %d, %v; want 1", n, err)
	}
	// The sequences go on where they were.
	if id, err := st.NextID(ctx, "meeting"); err != nil || id != 3 {
		t.Errorf("NextID(meeting) = %d, %v; want 3", id, err)
	}
}

func TestReopen(t *testing.T) {
	path := tempPath(t)
	db, err := Open(path)
	must(t, err)
	f := fill(t, db)
	must(t, db.Close())
	f.check(t, MustOpen(t, path))
}

// TestConcurrentWriters mixes every kind of write from many goroutines, with
// readers alongside, so -race sees Batch and Update interleave.
func TestConcurrentWriters(t *testing.T) {
	db := MustOpen(t, tempPath(t))
	ctx := t.Context()
	const workers, keys = 25, 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	firsts := map[string]int{}
	start := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for k := range keys {
				key := fmt.Sprint("req:", k)
				first, err := db.MarkSeen(ctx, key, bottest.StoreBase)
				if err != nil {
					t.Error(err)
					return
				}
				if first {
					mu.Lock()
					firsts[key]++
					mu.Unlock()
				}
				if k%10 == 0 {
					id, err := db.NextID(ctx, "call")
					err = errors.Join(err,
						db.PutCall(ctx, bottest.SampleCall(id)),
						db.PutIntent(ctx, &bot.Intent{ID: fmt.Sprint(w, "/", k), Outcome: "pending"}),
						db.AddAudit(ctx, bot.AuditEntry{At: bottest.StoreBase, Actor: fmt.Sprint(w)}),
						db.AddHits(ctx, []string{"global"}, bottest.StoreBase))
					if err != nil {
						t.Error(err)
					}
					if _, err := db.Hits(ctx, "global", bottest.StoreBase); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	for k := range keys {
		if n := firsts[fmt.Sprint("req:", k)]; n != 1 {
			t.Errorf("req:%d was new for %d goroutines, want 1", k, n)
		}
	}
	writes := workers * keys / 10
	if n, _ := db.Hits(ctx, "global", time.Time{}); n != writes {
		t.Errorf("Hits = %d, want %d", n, writes)
	}
	if cs, _ := db.Calls(ctx, bot.CallFilter{}); len(cs) != writes {
		t.Errorf("Calls = %d, want %d", len(cs), writes)
	}
	if au, _ := db.Audit(ctx, time.Time{}); len(au) != writes {
		t.Errorf("Audit = %d, want %d", len(au), writes)
	}
}

// TestGroupCommitRerunIsIdempotent: writes that queued behind a running
// commit share the next one; when one of them fails, the others are re-run
// alone. Results and records must be as if each had run once.
func TestGroupCommitRerunIsIdempotent(t *testing.T) {
	db := MustOpen(t, tempPath(t))
	ctx := t.Context()
	boom := errors.New("boom")
	// Hold the committer busy so that the writes below queue up together.
	hold, holding := make(chan struct{}), make(chan struct{})
	var once sync.Once
	go db.writes.do(func(*bolt.Tx) error {
		once.Do(func() { close(holding) })
		<-hold
		return nil
	})
	<-holding
	var wg sync.WaitGroup
	results := make(chan bool, 2)
	errs := make(chan error, 6)
	run := func(f func() error) { wg.Go(func() { errs <- f() }) }
	for range 2 {
		run(func() error {
			first, err := db.MarkSeen(ctx, "k", bottest.StoreBase)
			results <- first
			return err
		})
	}
	run(func() error { return db.AddAudit(ctx, bot.AuditEntry{At: bottest.StoreBase, Action: "a"}) })
	run(func() error { return db.AddHits(ctx, []string{"h", "h"}, bottest.StoreBase) })
	run(func() error { return db.PutIntent(ctx, &bot.Intent{ID: "i", Outcome: "pending"}) })
	run(func() error {
		if err := db.writes.do(func(*bolt.Tx) error { return boom }); !errors.Is(err, boom) {
			return fmt.Errorf("failing write: %v, want boom", err)
		}
		return nil
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		db.writes.mu.Lock()
		n := len(db.writes.queue)
		db.writes.mu.Unlock()
		if n == 6 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want 6", n)
		}
		runtime.Gosched()
	}
	close(hold)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if a, b := <-results, <-results; a == b {
		t.Errorf("MarkSeen of one key twice in a re-run commit: %v and %v, want one true", a, b)
	}
	if au, _ := db.Audit(ctx, time.Time{}); len(au) != 1 {
		t.Errorf("audit entries: %d, want 1", len(au))
	}
	if n, _ := db.Hits(ctx, "h", time.Time{}); n != 2 {
		t.Errorf("hits: %d, want 2", n)
	}
	if ins, _ := db.Intents(ctx, ""); len(ins) != 1 {
		t.Errorf("intents: %d, want 1", len(ins))
	}
}

func TestBackupRestore(t *testing.T) {
	db := MustOpen(t, tempPath(t))
	f := fill(t, db)

	// Writers keep going during the backup: the copy is a consistent
	// snapshot that opens cleanly.
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := db.PutCall(t.Context(), bottest.SampleCall(int64(1000+i))); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var buf bytes.Buffer
	n, err := db.Backup(&buf)
	close(stop)
	<-done
	must(t, err)
	if n != int64(buf.Len()) || n == 0 {
		t.Errorf("Backup reported %d bytes, wrote %d", n, buf.Len())
	}
	restored := filepath.Join(t.TempDir(), "restored.db")
	must(t, os.WriteFile(restored, buf.Bytes(), 0o600))
	rdb := MustOpen(t, restored)
	must(t, rdb.bolt.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}))
	// Drop the calls written during the backup before comparing.
	cs, err := rdb.Calls(t.Context(), bot.CallFilter{})
	must(t, err)
	must(t, rdb.bolt.Update(func(tx *bolt.Tx) error {
		for _, c := range cs {
			if c.ID >= 1000 {
				if err := tx.Bucket(bCalls).Delete(itob(c.ID)); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	f.check(t, rdb)

	// BackupFile writes the same through a temporary file and a rename.
	file := filepath.Join(t.TempDir(), "backup.db")
	n, err = db.BackupFile(file)
	must(t, err)
	fi, err := os.Stat(file)
	must(t, err)
	if fi.Size() != n || fi.Mode().Perm() != 0o600 {
		t.Errorf("BackupFile: %d bytes mode %v, reported %d", fi.Size(), fi.Mode().Perm(), n)
	}
	fdb := MustOpen(t, file)
	if u, err := fdb.User(t.Context(), "slack:T1:U1"); err != nil || u.Phone != "13800000001" {
		t.Errorf("user in BackupFile copy: %+v, %v", u, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(file)); len(entries) != 1 {
		t.Errorf("BackupFile left %d files, want 1", len(entries))
	}
}

// logBuffer is a slog destination that tests can read once writers stop.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newLogger(l *logBuffer) *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

func TestImportUsers(t *testing.T) {
	db := MustOpen(t, tempPath(t))
	ctx := t.Context()
	must(t, db.PutUser(ctx, bottest.SampleUser("slack:T1:U1", "13800000001")))
	n, err := db.ImportUsers(ctx, []*bot.User{
		bottest.SampleUser("slack:T1:U1", "13800000002"), // moves
		bottest.SampleUser("telegram:1", "13800000002"),
		bottest.SampleUser("console:a", ""),
	})
	must(t, err)
	if n != 3 {
		t.Errorf("ImportUsers = %d, want 3", n)
	}
	for phone, want := range map[string][]string{
		"13800000001": nil,
		"13800000002": {"slack:T1:U1", "telegram:1"},
	} {
		got, err := db.IdentitiesByPhone(ctx, phone)
		must(t, err)
		sameJSON(t, "IdentitiesByPhone("+phone+")", got, want)
	}
	if us, _ := db.Users(ctx); len(us) != 3 {
		t.Errorf("Users: %d, want 3", len(us))
	}
}

// TestDeterministicOrder pins orders that a map-based store leaves to
// chance: intents with equal times by id, audit entries by time whatever
// the order they were added in, and the latest meeting for a shared YTX id.
func TestDeterministicOrder(t *testing.T) {
	db := MustOpen(t, tempPath(t))
	ctx := t.Context()
	for _, id := range []string{"c", "a", "d", "b"} {
		must(t, db.PutIntent(ctx, &bot.Intent{ID: id, Outcome: "pending", Created: bottest.StoreBase}))
	}
	ins, err := db.Intents(ctx, "pending")
	must(t, err)
	sameJSON(t, "intents with equal times", ids(ins, func(in *bot.Intent) string { return in.ID }), []string{"a", "b", "c", "d"})

	must(t, db.AddAudit(ctx, bot.AuditEntry{At: bottest.StoreBase.Add(time.Second), Action: "later"}))
	must(t, db.AddAudit(ctx, bot.AuditEntry{At: bottest.StoreBase, Action: "earlier"}))
	au, err := db.Audit(ctx, time.Time{})
	must(t, err)
	sameJSON(t, "audit added out of order", ids(au, func(e bot.AuditEntry) string { return e.Action }), []string{"earlier", "later"})

	for _, id := range []int64{2, 1, 3} {
		must(t, db.PutMeeting(ctx, &bot.Meeting{ID: id, YTXID: "Y"}))
	}
	if m, err := db.MeetingByYTXID(ctx, "Y"); err != nil || m.ID != 3 {
		t.Errorf("MeetingByYTXID of a shared id = %+v, %v; want the last put (3)", m, err)
	}
}

func TestTimeKeyOrder(t *testing.T) {
	times := []time.Time{
		{}, // clamps to the start
		time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Unix(0, 0),
		time.Unix(0, 1),
		bottest.StoreBase,
		time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), // clamps to the end
	}
	for i := 2; i < len(times); i++ { // times[0] and [1] both clamp: below
		a, b := timeKey(times[i-1]), timeKey(times[i])
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("timeKey(%v) = %x not before timeKey(%v) = %x", times[i-1], a, times[i], b)
		}
	}
	if !bytes.Equal(timeKey(time.Time{}), timeKey(times[1])) {
		t.Error("times before 1678 do not clamp to the start")
	}
}
