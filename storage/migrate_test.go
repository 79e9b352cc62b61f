package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ytxbot/ytxbot/bot"
	"github.com/ytxbot/ytxbot/bot/bottest"
)

// writeV0 builds a file in the version 0 layout by hand: no meta bucket,
// users without the phone index, meetings without the YTX id index, and
// Telegram usernames keyed by the bare name.
func writeV0(t *testing.T, path string, users []*bot.User, meetings []*bot.Meeting, usernames map[string]string) {
	t.Helper()
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	must(t, err)
	defer bdb.Close()
	must(t, bdb.Update(func(tx *bolt.Tx) error {
		ub, _ := tx.CreateBucket([]byte("users"))
		for _, u := range users {
			v, _ := json.Marshal(u)
			if err := ub.Put([]byte(u.Identity), v); err != nil {
				return err
			}
		}
		mb, _ := tx.CreateBucket([]byte("meetings"))
		for _, m := range meetings {
			v, _ := json.Marshal(m)
			if err := mb.Put(binary.BigEndian.AppendUint64(nil, uint64(m.ID)), v); err != nil {
				return err
			}
		}
		nb, _ := tx.CreateBucket([]byte("usernames"))
		for name, id := range usernames {
			if err := nb.Put([]byte(name), []byte(id)); err != nil {
				return err
			}
		}
		_, err := tx.CreateBucket([]byte("calls"))
		return err
	}))
}

func fileVersion(t *testing.T, db *bolt.DB) uint64 {
	t.Helper()
	var v uint64
	must(t, db.View(func(tx *bolt.Tx) error {
		var err error
		v, _, err = readVersion(tx)
		return err
	}))
	return v
}

func TestMigrateFromV0(t *testing.T) {
	path := tempPath(t)
	users := []*bot.User{
		bottest.SampleUser("slack:T1:U1", "13800000001"),
		bottest.SampleUser("telegram:9", "13800000001"),
		bottest.SampleUser("slack:T1:U2", "01053889900"),
		bottest.SampleUser("console:x", ""),
	}
	writeV0(t, path, users,
		[]*bot.Meeting{bottest.SampleMeeting(1, "Y1"), bottest.SampleMeeting(2, "")},
		map[string]string{"ann": "telegram:9", "bob": "telegram:10"})

	var logs logBuffer
	db := MustOpen(t, path, WithLogger(newLogger(&logs)))
	ctx := t.Context()
	if v := fileVersion(t, db.bolt); v != schemaVersion() {
		t.Errorf("version after Open = %d, want %d", v, schemaVersion())
	}
	if !strings.Contains(logs.String(), "migrated schema") {
		t.Errorf("no migration logged: %q", logs.String())
	}
	ids, err := db.IdentitiesByPhone(ctx, "13800000001")
	must(t, err)
	sameJSON(t, "rebuilt phone index", ids, []string{"slack:T1:U1", "telegram:9"})
	ids, _ = db.IdentitiesByPhone(ctx, "01053889900")
	sameJSON(t, "rebuilt phone index", ids, []string{"slack:T1:U2"})
	got, err := db.Users(ctx)
	must(t, err)
	sameJSON(t, "users", got, []*bot.User{users[3], users[0], users[2], users[1]})
	m, err := db.MeetingByYTXID(ctx, "Y1")
	must(t, err)
	sameJSON(t, "meeting by YTX id", m, bottest.SampleMeeting(1, "Y1"))
	for name, want := range map[string]string{"ann": "telegram:9", "bob": "telegram:10"} {
		if id, err := db.Username(ctx, bot.Telegram, name); err != nil || id != want {
			t.Errorf("Username(telegram, %s) = %q, %v; want %q", name, id, err, want)
		}
	}
	// Buckets that v0 lacked exist now.
	if first, err := db.MarkSeen(ctx, "k", bottest.StoreBase); err != nil || !first {
		t.Errorf("MarkSeen on a migrated file = %v, %v", first, err)
	}
	// The index is maintained from here on.
	must(t, db.DeleteUser(ctx, "telegram:9"))
	ids, _ = db.IdentitiesByPhone(ctx, "13800000001")
	sameJSON(t, "phone index after DeleteUser", ids, []string{"slack:T1:U1"})
	must(t, db.Close())

	// A second Open has nothing to migrate.
	logs = logBuffer{}
	db = MustOpen(t, path, WithLogger(newLogger(&logs)))
	if strings.Contains(logs.String(), "migrated") {
		t.Errorf("migrated again on reopen: %q", logs.String())
	}
	if v := fileVersion(t, db.bolt); v != schemaVersion() {
		t.Errorf("version after reopen = %d", v)
	}
}

func TestMigrateFailureLeavesFileAsItWas(t *testing.T) {
	path := tempPath(t)
	writeV0(t, path, nil, nil, nil)
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	must(t, err)
	must(t, bdb.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("users")).Put([]byte("bad"), []byte("{not json")) }))
	must(t, bdb.Close())

	if db, err := Open(path); err == nil {
		db.Close()
		t.Fatal("Open migrated a file with a corrupt user")
	} else if !strings.Contains(err.Error(), "migrate schema 0 to 1") {
		t.Errorf("error %q does not say which migration failed", err)
	}
	bdb, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	must(t, err)
	defer bdb.Close()
	must(t, bdb.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bMeta) != nil || tx.Bucket(bPhones) != nil {
			t.Error("a failed migration left part of its work behind")
		}
		return nil
	}))
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := tempPath(t)
	db, err := Open(path)
	must(t, err)
	must(t, db.bolt.Update(func(tx *bolt.Tx) error { return writeVersion(tx, schemaVersion()+1) }))
	must(t, db.Close())

	db, err = Open(path)
	if err == nil {
		db.Close()
		t.Fatal("Open accepted a newer schema")
	}
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("error %v does not wrap ErrSchemaTooNew", err)
	}
	for _, want := range []string{path, fmt.Sprintf("version %d", schemaVersion()+1), fmt.Sprintf("knows up to %d", schemaVersion())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q: want %q", err, want)
		}
	}
	// The file was not touched and can still be opened again (lock released).
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	must(t, err)
	defer bdb.Close()
	if v := fileVersion(t, bdb); v != schemaVersion()+1 {
		t.Errorf("version changed to %d", v)
	}
}

// TestMigrate1to2 opens a version-1 file (no requestId index) and finds its
// calls by requestId after the migration.
func TestMigrate1to2(t *testing.T) {
	path := tempPath(t)
	db, err := Open(path)
	must(t, err)
	c := bottest.SampleCall(7)
	c.RequestID = "20261125100000000000000000007"
	must(t, db.PutCall(t.Context(), c))
	must(t, db.bolt.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bRequests); err != nil {
			return err
		}
		if err := tx.DeleteBucket(bPushes); err != nil {
			return err
		}
		return writeVersion(tx, 1)
	}))
	must(t, db.Close())
	db = MustOpen(t, path)
	got, err := db.CallByRequestID(t.Context(), c.RequestID)
	if err != nil || got.ID != 7 {
		t.Errorf("CallByRequestID after migration = %+v, %v", got, err)
	}
	if v := fileVersion(t, db.bolt); v != schemaVersion() {
		t.Errorf("version %d", v)
	}
}
