package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/ytxbot/ytxbot/bot"
)

// DefaultRetention is how long audit entries, finished calls and meetings and
// settled intents are kept when WithRetention is not given (storage.retention).
const DefaultRetention = 4320 * time.Hour

// Bot-side limits that are not configurable: dedupe keys and counter hits are
// needed for at most an hour; a day is kept for diagnosis.
const (
	seenTTL = 24 * time.Hour
	hitsTTL = 24 * time.Hour
	pushTTL = 7 * 24 * time.Hour // unmatched pushes (SPEC §6)
)

// ErrSchemaTooNew is returned by Open for a file written by a newer ytxbot
// whose layout this build does not know.
var ErrSchemaTooNew = errors.New("database schema is newer than this ytxbot")

// DB is the bbolt-backed bot.Store. It is safe for concurrent use.
type DB struct {
	bolt      *bolt.DB
	now       func() time.Time
	retention time.Duration
	log       *slog.Logger
	writes    *groupCommit
	cache     *recordCache

	// afterPurge, when set (tests), is called by RunSweeper after each Purge.
	afterPurge func(Purged, error)
}

var _ bot.Store = (*DB)(nil)

// Option changes how Open sets up the store.
type Option func(*options)

type options struct {
	now       func() time.Time
	retention time.Duration
	log       *slog.Logger
	timeout   time.Duration
}

// WithClock sets the clock RunSweeper uses for "now"; tests pass a fake.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithRetention sets how long audit entries, finished calls and meetings and
// settled intents are kept (storage.retention). d <= 0 keeps them forever;
// dedupe keys and counter hits are still dropped after 24 h.
func WithRetention(d time.Duration) Option { return func(o *options) { o.retention = d } }

// WithLogger sets where migrations and sweeps are logged. The default
// discards.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// Open opens (creating if needed, mode 0600) the database at path, creates
// every bucket and migrates an older layout to the current one. A file that
// another process holds open is refused after one second with an error
// wrapping bbolt's ErrTimeout; a file written by a newer ytxbot is refused
// with ErrSchemaTooNew.
func Open(path string, opts ...Option) (*DB, error) {
	o := options{
		now:       time.Now,
		retention: DefaultRetention,
		log:       slog.New(slog.DiscardHandler),
		timeout:   time.Second,
	}
	for _, opt := range opts {
		opt(&o)
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: o.timeout,
		// The hashmap freelist stays fast when purges fragment the file.
		FreelistType: bolt.FreelistMapType,
		// The freelist is rebuilt by a scan at open instead of written by
		// every commit: less to write per command (BenchmarkCommandWrites),
		// a scan of a few MB at start.
		NoFreelistSync: true,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("storage: open %s: database is in use by another process (no lock within %v): %w", path, o.timeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	if err := migrate(bdb, o.log); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	return &DB{bolt: bdb, now: o.now, retention: o.retention, log: o.log, writes: &groupCommit{db: bdb}, cache: newRecordCache()}, nil
}

// Close closes the database file. Every write acknowledged before is on disk.
func (db *DB) Close() error { return db.bolt.Close() }

// Path is the database file's path.
func (db *DB) Path() string { return db.bolt.Path() }

// Backup writes a consistent copy of the whole database to w while the store
// stays in use (a read transaction). Readers and writers go on, except that
// a write which must grow the file waits until the copy is done (bbolt
// remaps the file only when no read transaction is open), and readers
// queue behind that write: so w should be fast, a local file or the admin
// socket's local client, not a slow network. The copy is a bbolt file that
// Open accepts. It returns the bytes written.
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("storage: backup: %w", err)
	}
	return n, nil
}

// BackupFile writes a Backup to path atomically: to a temporary file in the
// same directory, fsynced, then renamed over path (mode 0600).
func (db *DB) BackupFile(path string) (int64, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return 0, fmt.Errorf("storage: backup: %w", err)
	}
	tmp := f.Name()
	n, err := db.Backup(f)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return 0, fmt.Errorf("storage: backup: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename durable; not every filesystem supports it
		_ = d.Close()
	}
	return n, nil
}

// Bucket names: see doc.go for the layout.
var (
	bMeta      = []byte("meta")
	bUsers     = []byte("users")
	bPhones    = []byte("phones")
	bUsernames = []byte("usernames")
	bSeqs      = []byte("seqs")
	bMeetings  = []byte("meetings")
	bYTXIDs    = []byte("meetings_by_ytx")
	bCalls     = []byte("calls")
	bSeen      = []byte("seen")
	bIntents   = []byte("intents")
	bAudit     = []byte("audit")
	bHits      = []byte("hits")
	bRequests  = []byte("calls_by_request") // YTX requestId → call id
	bPushes    = []byte("pushes")           // unmatched pushes by arrival time
)

var allBuckets = [][]byte{bMeta, bUsers, bPhones, bUsernames, bSeqs, bMeetings, bYTXIDs, bCalls, bSeen, bIntents, bAudit, bHits, bRequests, bPushes}

// itob encodes an id as 8 big-endian bytes, so byte order is numeric order.
func itob(v int64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(v))
	return b
}

func btoi(b []byte) int64 { return int64(binary.BigEndian.Uint64(b)) }

var (
	minNanoTime = time.Unix(0, math.MinInt64)
	maxNanoTime = time.Unix(0, math.MaxInt64)
)

// timeBits encodes t as unix nanoseconds with the sign bit flipped, so that
// the big-endian bytes sort in time order also before 1970. Times outside
// int64 nanoseconds (the zero time.Time) clamp to the ends.
func timeBits(t time.Time) uint64 {
	switch {
	case t.Before(minNanoTime):
		return 0
	case t.After(maxNanoTime):
		return math.MaxUint64
	}
	return uint64(t.UnixNano()) ^ (1 << 63)
}

func timeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 16), timeBits(t))
}

// timeFromBits inverts timeBits (to the nanosecond; the clamped ends come
// back as the range limits).
func timeFromBits(b uint64) time.Time { return time.Unix(0, int64(b^(1<<63))) }
