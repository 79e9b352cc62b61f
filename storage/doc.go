// Package storage is the durable bot.Store: one bbolt file (storage.path).
//
// # Buckets and keys
//
// Every bucket is created when the file is opened. Values are JSON of the
// bot record types unless noted; integers in keys are 8 bytes big-endian, so
// byte order is numeric order, and a time in a key is its Unix nanoseconds
// with the sign bit flipped (timeKey), so byte order is time order.
//
//	meta             "schema_version" → uint64                 layout version (see Migrations)
//	users            identity → User
//	phones           phone "\x00" identity → empty              index: IdentitiesByPhone is one Seek
//	usernames        "platform:username" → identity             latest PutUsername wins
//	seqs             one nested bucket per sequence name        NextID = that bucket's NextSequence
//	meetings         id → Meeting                               ids from NextID("meeting")
//	meetings_by_ytx  YTX meeting id → id                        index for MeetingByYTXID
//	calls            id → Call                                  ids from NextID("call")
//	seen             dedupe key → time (8 bytes)                MarkSeen: the first writer wins
//	intents          intent id → Intent
//	audit            time, sequence (8+8) → AuditEntry           Audit(since) is a Seek and a walk
//	hits             key "\x00" time, sequence → empty           Hits(key, since) is a range walk
//
// Meetings and Calls walk their bucket backwards from the highest id, so
// they list newest first and stop at the filter's Limit. The sequence suffix
// of audit and hits keys (the bucket's NextSequence) keeps entries with equal
// times distinct and in insertion order. Counter keys must not contain NUL.
// Unmatched YTX pushes live in the pushes bucket (time-ordered keys, added
// by the 1→2 migration) and are swept after 7 days.
//
// Every value a method returns is decoded inside the transaction into a new
// record: callers own what they get and nothing points into bbolt's memory
// map.
//
// # Durability
//
// Every acknowledged write is committed with fsync (bbolt's default; NoSync
// stays off), so it survives kill -9. bbolt allows one writer at a time, and
// a commit costs two fsyncs, so every write goes through a group commit
// (commit.go): a write that finds no commit running commits at once, and
// the writes that arrive while one runs share the next. Unlike bbolt's
// db.Batch there is no timer, so a lone write is not delayed. A write
// function may run again after another one in its commit failed, so each
// decides from the transaction it runs in (MarkSeen's "new" result is reset
// on every run). ImportUsers stores many users in one transaction.
//
// Open waits one second for bbolt's file lock, then reports that the
// database is in use by another process. Backup and BackupFile copy the file
// from a read transaction while the store stays in use.
//
// # Migrations
//
// meta holds the layout version. Open upgrades an older file one step at a
// time, each step and its version bump in one transaction, and logs each
// step; a new file starts at the current version. Version 0 is the layout
// before versions were recorded (no phone or YTX id index, bare Telegram
// usernames); step 1 builds both indexes and qualifies the usernames. A file
// with a newer version than this build knows is refused (ErrSchemaTooNew)
// and left untouched.
//
// # Retention
//
// Purge removes, as of a given time: audit entries, calls and finished
// meetings (never an open one, see bot.MeetingOpen) last changed before the
// retention (WithRetention, storage.retention, default DefaultRetention),
// intents older than the retention that are not pending, and dedupe keys and
// counter hits older than 24 h. It works in transactions of at most a few
// thousand keys so that writers are not held up. RunSweeper calls it at
// start and then periodically.
package storage
