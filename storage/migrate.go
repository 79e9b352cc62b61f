package storage

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"

	bolt "go.etcd.io/bbolt"

	"github.com/ytxbot/ytxbot/bot"
)

// keySchemaVersion in the meta bucket holds the layout version, 8 bytes
// big-endian.
var keySchemaVersion = []byte("schema_version")

// A migration takes a file from version i to i+1 (its index in migrations)
// inside one write transaction, together with the version bump: a crash
// leaves the file at i or at i+1, never in between.
type migration struct {
	name string
	up   func(tx *bolt.Tx) error
}

// migrations in order; len(migrations) is the version this build writes.
// Append only: never change a released step.
var migrations = []migration{
	// Version 0 is the layout before schema versions: no meta bucket, users
	// keyed by identity without a phone index (lookups scanned every user),
	// meetings without the YTX id index, and Telegram usernames keyed by
	// the bare lower-cased name.
	{"phone and YTX id indexes; platform-qualified usernames", migrate0to1},
	{"call requestId index; unmatched pushes", migrate1to2},
}

// schemaVersion is the layout this build reads and writes.
func schemaVersion() uint64 { return uint64(len(migrations)) }

func migrate(bdb *bolt.DB, log *slog.Logger) error {
	// The usual start: a current file with every bucket needs no write
	// transaction (two fsyncs before the listeners open).
	current := false
	if err := bdb.View(func(tx *bolt.Tx) error {
		v, fresh, err := readVersion(tx)
		if err != nil || fresh || v != schemaVersion() {
			return err
		}
		for _, b := range allBuckets {
			if tx.Bucket(b) == nil {
				return nil
			}
		}
		current = true
		return nil
	}); err != nil {
		return err
	}
	if current {
		return nil
	}
	for {
		var from uint64
		done := false
		err := bdb.Update(func(tx *bolt.Tx) error {
			done = false
			v, fresh, err := readVersion(tx)
			if err != nil {
				return err
			}
			switch {
			case fresh:
				// A new file starts at the current layout.
				if err := createBuckets(tx); err != nil {
					return err
				}
				done = true
				return writeVersion(tx, schemaVersion())
			case v > schemaVersion():
				return fmt.Errorf("%w: file version %d, this build knows up to %d; run a newer ytxbot or restore a backup",
					ErrSchemaTooNew, v, schemaVersion())
			case v == schemaVersion():
				done = true
				return createBuckets(tx) // a bucket added without a layout change
			}
			from = v
			if err := migrations[v].up(tx); err != nil {
				return fmt.Errorf("migrate schema %d to %d (%s): %w", v, v+1, migrations[v].name, err)
			}
			return writeVersion(tx, v+1)
		})
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		log.Info("storage: migrated schema", "from", from, "to", from+1, "step", migrations[from].name)
	}
}

// readVersion reports the file's layout version; fresh means the file holds
// no bucket at all (just created).
func readVersion(tx *bolt.Tx) (v uint64, fresh bool, err error) {
	meta := tx.Bucket(bMeta)
	if meta == nil {
		first, _ := tx.Cursor().First()
		return 0, first == nil, nil
	}
	b := meta.Get(keySchemaVersion)
	if b == nil {
		return 0, false, nil
	}
	if len(b) != 8 {
		return 0, false, fmt.Errorf("meta %s: %d bytes, want 8", keySchemaVersion, len(b))
	}
	return binary.BigEndian.Uint64(b), false, nil
}

func writeVersion(tx *bolt.Tx, v uint64) error {
	meta, err := tx.CreateBucketIfNotExists(bMeta)
	if err != nil {
		return err
	}
	return meta.Put(keySchemaVersion, binary.BigEndian.AppendUint64(nil, v))
}

func createBuckets(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// migrate0to1 builds the phone index from users and the YTX id index from
// meetings, and re-keys Telegram usernames as "telegram:<name>".
func migrate0to1(tx *bolt.Tx) error {
	phones, err := tx.CreateBucketIfNotExists(bPhones)
	if err != nil {
		return err
	}
	if users := tx.Bucket(bUsers); users != nil {
		err := users.ForEach(func(k, v []byte) error {
			var u struct{ Phone string }
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("user %q: %w", k, err)
			}
			if u.Phone == "" {
				return nil
			}
			return phones.Put(phoneKey(u.Phone, string(k)), []byte{})
		})
		if err != nil {
			return err
		}
	}

	idx, err := tx.CreateBucketIfNotExists(bYTXIDs)
	if err != nil {
		return err
	}
	if ms := tx.Bucket(bMeetings); ms != nil {
		err := ms.ForEach(func(k, v []byte) error {
			var m struct{ YTXID string }
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("meeting %d: %w", btoi(k), err)
			}
			if m.YTXID == "" {
				return nil
			}
			return idx.Put([]byte(m.YTXID), append([]byte(nil), k...))
		})
		if err != nil {
			return err
		}
	}

	if old := tx.Bucket(bUsernames); old != nil {
		type pair struct{ k, v []byte }
		var all []pair
		err := old.ForEach(func(k, v []byte) error {
			all = append(all, pair{append([]byte(nil), k...), append([]byte(nil), v...)})
			return nil
		})
		if err != nil {
			return err
		}
		if err := tx.DeleteBucket(bUsernames); err != nil {
			return err
		}
		nb, err := tx.CreateBucket(bUsernames)
		if err != nil {
			return err
		}
		for _, p := range all {
			if err := nb.Put(usernameKey(bot.Telegram, string(p.k)), p.v); err != nil {
				return err
			}
		}
	}
	return nil
}

// migrate1to2 indexes existing calls by their YTX requestId.
func migrate1to2(tx *bolt.Tx) error {
	idx, err := tx.CreateBucketIfNotExists(bRequests)
	if err != nil {
		return err
	}
	if _, err := tx.CreateBucketIfNotExists(bPushes); err != nil {
		return err
	}
	calls := tx.Bucket(bCalls)
	if calls == nil {
		return nil
	}
	return calls.ForEach(func(k, v []byte) error {
		var c struct{ RequestID string }
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("call %d: %w", btoi(k), err)
		}
		if c.RequestID == "" {
			return nil
		}
		return idx.Put([]byte(c.RequestID), k)
	})
}
