// Package memstore is an in-memory bot.Store: for tests and for the console
// demo when no database file is given. Everything is lost when the process
// ends.
package memstore

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/ytxbot/ytxbot/bot"
)

// Store is an in-memory bot.Store, safe for concurrent use.
type Store struct {
	mu        sync.Mutex
	users     map[string]bot.User
	usernames map[string]string
	seqs      map[string]int64
	meetings  map[int64]bot.Meeting
	byYTX     map[string]int64 // YTX meeting id → meeting id, latest put wins
	calls     map[int64]bot.Call
	seen      map[string]time.Time
	intents   map[string]bot.Intent
	audit     []bot.AuditEntry
	pushes    []bot.UnmatchedPush
	hits      map[string][]time.Time
}

var _ bot.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		users: map[string]bot.User{}, usernames: map[string]string{}, seqs: map[string]int64{},
		meetings: map[int64]bot.Meeting{}, byYTX: map[string]int64{}, calls: map[int64]bot.Call{}, seen: map[string]time.Time{},
		intents: map[string]bot.Intent{}, hits: map[string][]time.Time{},
	}
}

func (s *Store) User(_ context.Context, identity string) (*bot.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[identity]
	if !ok {
		return nil, bot.ErrNotFound
	}
	return &u, nil
}

func (s *Store) PutUser(_ context.Context, u *bot.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.Identity] = *u
	return nil
}

func (s *Store) DeleteUser(_ context.Context, identity string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.users, identity)
	return nil
}

func (s *Store) Users(context.Context) ([]*bot.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*bot.User, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, &u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Identity < out[j].Identity })
	return out, nil
}

func (s *Store) IdentitiesByPhone(_ context.Context, phone string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, u := range s.users {
		if u.Phone == phone && phone != "" {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (s *Store) PutUsername(_ context.Context, p bot.Platform, username, identity string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.usernames[string(p)+":"+username] = identity
	return nil
}

func (s *Store) Username(_ context.Context, p bot.Platform, username string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.usernames[string(p)+":"+username]
	if !ok {
		return "", bot.ErrNotFound
	}
	return id, nil
}

func (s *Store) NextID(_ context.Context, seq string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seqs[seq]++
	return s.seqs[seq], nil
}

func (s *Store) PutMeeting(_ context.Context, m *bot.Meeting) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.meetings[m.ID]; ok && old.YTXID != m.YTXID && s.byYTX[old.YTXID] == m.ID {
		delete(s.byYTX, old.YTXID)
	}
	if m.YTXID != "" {
		s.byYTX[m.YTXID] = m.ID
	}
	s.meetings[m.ID] = copyMeeting(*m)
	return nil
}

func copyMeeting(m bot.Meeting) bot.Meeting {
	m.Parties = slices.Clone(m.Parties)
	if m.Card != nil {
		c := *m.Card
		m.Card = &c
	}
	return m
}

func (s *Store) Meeting(_ context.Context, id int64) (*bot.Meeting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.meetings[id]
	if !ok {
		return nil, bot.ErrNotFound
	}
	m = copyMeeting(m)
	return &m, nil
}

func (s *Store) MeetingByYTXID(_ context.Context, ytxID string) (*bot.Meeting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byYTX[ytxID]
	if !ok || ytxID == "" {
		return nil, bot.ErrNotFound
	}
	m := copyMeeting(s.meetings[id])
	return &m, nil
}

func (s *Store) Meetings(_ context.Context, f bot.MeetingFilter) ([]*bot.Meeting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*bot.Meeting
	for _, m := range s.meetings {
		if (f.Platform == "" || m.Platform == f.Platform) && (f.Workspace == "" || m.Workspace == f.Workspace) &&
			(f.Channel == "" || m.Channel == f.Channel) && (!f.ActiveOnly || bot.MeetingOpen(m.State)) {
			m = copyMeeting(m)
			out = append(out, &m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func copyCall(c bot.Call) bot.Call {
	if c.Card != nil {
		r := *c.Card
		c.Card = &r
	}
	return c
}

func (s *Store) PutCall(_ context.Context, c *bot.Call) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[c.ID] = copyCall(*c)
	return nil
}

func (s *Store) Call(_ context.Context, id int64) (*bot.Call, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.calls[id]
	if !ok {
		return nil, bot.ErrNotFound
	}
	c = copyCall(c)
	return &c, nil
}

func (s *Store) Calls(_ context.Context, f bot.CallFilter) ([]*bot.Call, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*bot.Call
	for _, c := range s.calls {
		if (f.Platform == "" || c.Platform == f.Platform) && (f.Workspace == "" || c.Workspace == f.Workspace) &&
			(f.Channel == "" || c.Channel == f.Channel) && (f.Caller == "" || c.Caller == f.Caller) &&
			(!f.OpenOnly || bot.CallOpen(c.State)) {
			c = copyCall(c)
			out = append(out, &c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func (s *Store) MarkSeen(_ context.Context, key string, at time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.seen[key]; ok {
		return false, nil
	}
	s.seen[key] = at
	return true, nil
}

func (s *Store) Seen(_ context.Context, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.seen[key]
	return ok, nil
}

func (s *Store) PutIntent(_ context.Context, in *bot.Intent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.intents[in.ID] = *in
	return nil
}

func (s *Store) Intent(_ context.Context, id string) (*bot.Intent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.intents[id]
	if !ok {
		return nil, bot.ErrNotFound
	}
	return &in, nil
}

func (s *Store) Intents(_ context.Context, outcome string) ([]*bot.Intent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*bot.Intent
	for _, in := range s.intents {
		if outcome == "" || in.Outcome == outcome {
			out = append(out, &in)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (s *Store) AddAudit(_ context.Context, e bot.AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.audit = append(s.audit, e)
	return nil
}

func (s *Store) Audit(_ context.Context, since time.Time) ([]bot.AuditEntry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []bot.AuditEntry
	for _, e := range s.audit {
		if !e.At.Before(since) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

func (s *Store) AddHits(_ context.Context, keys []string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Nothing counts over more than an hour; keep a day for diagnosis.
	cutoff := at.Add(-24 * time.Hour)
	for _, k := range keys {
		hs := s.hits[k]
		hs = hs[sort.Search(len(hs), func(i int) bool { return !hs[i].Before(cutoff) }):]
		// Hits arrive in time order almost always; keep the slice sorted so
		// counting is a binary search.
		i := sort.Search(len(hs), func(i int) bool { return hs[i].After(at) })
		hs = slices.Insert(hs, i, at)
		s.hits[k] = hs
	}
	return nil
}

func (s *Store) Hits(_ context.Context, key string, since time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	hs := s.hits[key]
	return len(hs) - sort.Search(len(hs), func(i int) bool { return !hs[i].Before(since) }), nil
}

func (s *Store) CallByRequestID(_ context.Context, requestID string) (*bot.Call, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found *bot.Call
	for _, c := range s.calls {
		if c.RequestID == requestID && requestID != "" && (found == nil || c.ID > found.ID) {
			c = copyCall(c)
			found = &c
		}
	}
	if found == nil {
		return nil, bot.ErrNotFound
	}
	return found, nil
}

func (s *Store) AddPush(_ context.Context, p bot.UnmatchedPush) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.Body = slices.Clone(p.Body)
	s.pushes = append(s.pushes, p)
	return nil
}

func (s *Store) Pushes(_ context.Context, since time.Time) ([]bot.UnmatchedPush, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []bot.UnmatchedPush
	for _, p := range s.pushes {
		if !p.At.Before(since) {
			p.Body = slices.Clone(p.Body)
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// Write runs fn against the store directly. The in-memory store has no
// transactions: fn's writes apply one by one, which the core tolerates
// because its only early exit (a duplicate) comes before any write.
func (s *Store) Write(ctx context.Context, fn func(w bot.Writer) error) error {
	return fn(memWriter{s: s, ctx: ctx})
}

type memWriter struct {
	s   *Store
	ctx context.Context
}

func (w memWriter) MarkSeen(key string, at time.Time) (bool, error) {
	return w.s.MarkSeen(w.ctx, key, at)
}
func (w memWriter) NextID(seq string) (int64, error)          { return w.s.NextID(w.ctx, seq) }
func (w memWriter) PutIntent(in *bot.Intent) error            { return w.s.PutIntent(w.ctx, in) }
func (w memWriter) PutCall(c *bot.Call) error                 { return w.s.PutCall(w.ctx, c) }
func (w memWriter) PutMeeting(m *bot.Meeting) error           { return w.s.PutMeeting(w.ctx, m) }
func (w memWriter) AddAudit(e bot.AuditEntry) error           { return w.s.AddAudit(w.ctx, e) }
func (w memWriter) AddHits(keys []string, at time.Time) error { return w.s.AddHits(w.ctx, keys, at) }
