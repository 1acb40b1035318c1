package memory

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
	"github.com/omnigate/omnigate/store/internal/codec"
)

// defaultLimit is routing.Filter's documented default.
const defaultLimit = 500

// Store is an in-memory routing.Store, safe for concurrent use. Values are copied
// in and out, so callers never share memory with it.
type Store struct {
	mu           sync.Mutex
	customers    map[string]*session.Customer
	owners       map[session.Identity]string // identity → customer id
	sessions     map[string]*session.Session
	interactions map[string]*session.Interaction
	events       map[string][]session.Event           // by session, in seq order
	lastSeq      int64                                // of the newest event
	messages     map[string]map[int64]session.Message // interaction → seq → message
	messageIDs   map[string]bool
}

var _ routing.Store = (*Store)(nil)

// New returns an empty store. It takes a logger like every constructor, but has
// nothing to report.
func New(_ *slog.Logger) *Store {
	return &Store{
		customers:    map[string]*session.Customer{},
		owners:       map[session.Identity]string{},
		sessions:     map[string]*session.Session{},
		interactions: map[string]*session.Interaction{},
		events:       map[string][]session.Event{},
		messages:     map[string]map[int64]session.Message{},
		messageIDs:   map[string]bool{},
	}
}

// Commit implements routing.Store. It checks everything that can fail before it
// changes anything, which is what makes it atomic.
func (s *Store) Commit(_ context.Context, c *routing.Change) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	type seqKey struct {
		interaction string
		seq         int64
	}
	ids, seqs := map[string]bool{}, map[seqKey]bool{}
	for _, m := range c.Messages {
		k := seqKey{m.InteractionID, m.Seq}
		if s.messageIDs[m.ID] || ids[m.ID] {
			return fmt.Errorf("memory: commit: message %s: duplicate id", m.ID)
		}
		if _, ok := s.messages[m.InteractionID][m.Seq]; ok || seqs[k] {
			return fmt.Errorf("memory: commit: message %s: duplicate seq %d in %s", m.ID, m.Seq, m.InteractionID)
		}
		ids[m.ID], seqs[k] = true, true
	}
	for _, x := range c.Customers {
		x = codec.Customer(x)
		if old, ok := s.customers[x.ID]; ok {
			for _, id := range old.Identities {
				if s.owners[id] == x.ID {
					delete(s.owners, id)
				}
			}
		}
		for _, id := range x.Identities {
			s.owners[id] = x.ID
		}
		s.customers[x.ID] = x
	}
	for _, x := range c.Sessions {
		s.sessions[x.ID] = codec.Session(x)
	}
	for _, x := range c.Interactions {
		s.interactions[x.ID] = codec.Interaction(x)
	}
	for _, e := range c.Events {
		s.lastSeq++
		e = codec.Event(e)
		e.Seq = s.lastSeq
		s.events[e.SessionID] = append(s.events[e.SessionID], e)
	}
	for _, m := range c.Messages {
		if s.messages[m.InteractionID] == nil {
			s.messages[m.InteractionID] = map[int64]session.Message{}
		}
		s.messages[m.InteractionID][m.Seq] = codec.Message(m)
		s.messageIDs[m.ID] = true
	}
	return nil
}

// Load implements routing.Store.
func (s *Store) Load(context.Context) (*routing.Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var snap routing.Snapshot
	for _, it := range s.interactions {
		if !it.State.Final() {
			snap.Interactions = append(snap.Interactions, it.Clone())
		}
	}
	slices.SortFunc(snap.Interactions, func(a, b *session.Interaction) int {
		return cmp.Or(cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.ID, b.ID))
	})
	seen := map[string]bool{}
	for _, ss := range s.sessions {
		if ss.State != session.SessionOpen {
			continue
		}
		x := *ss
		snap.Sessions = append(snap.Sessions, &x)
		if c, ok := s.customers[ss.CustomerID]; ok && !seen[c.ID] {
			seen[c.ID] = true
			snap.Customers = append(snap.Customers, c.Clone())
		}
	}
	slices.SortFunc(snap.Sessions, oldestSession)
	slices.SortFunc(snap.Customers, func(a, b *session.Customer) int { return cmp.Compare(a.ID, b.ID) })
	return &snap, nil
}

// Customer implements routing.Store.
func (s *Store) Customer(_ context.Context, id string) (*session.Customer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.customers[id]
	if !ok {
		return nil, fmt.Errorf("memory: customer %s: %w", id, routing.ErrNotFound)
	}
	return c.Clone(), nil
}

// CustomerByIdentity implements routing.Store.
func (s *Store) CustomerByIdentity(_ context.Context, id session.Identity) (*session.Customer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.customers[s.owners[id]]
	if !ok {
		return nil, fmt.Errorf("memory: customer by %s %s: %w", id.Kind, id.Value, routing.ErrNotFound)
	}
	return c.Clone(), nil
}

// OpenSession implements routing.Store: the newest open session if there are several.
func (s *Store) OpenSession(_ context.Context, customerID string) (*session.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best *session.Session
	for _, ss := range s.sessions {
		if ss.CustomerID == customerID && ss.State == session.SessionOpen &&
			(best == nil || oldestSession(ss, best) > 0) {
			best = ss
		}
	}
	if best == nil {
		return nil, fmt.Errorf("memory: open session of %s: %w", customerID, routing.ErrNotFound)
	}
	x := *best
	return &x, nil
}

// Session implements routing.Store.
func (s *Store) Session(_ context.Context, id string) (*session.Session, []*session.Interaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[id]
	if !ok {
		return nil, nil, fmt.Errorf("memory: session %s: %w", id, routing.ErrNotFound)
	}
	var its []*session.Interaction
	for _, it := range s.interactions {
		if it.SessionID == id {
			its = append(its, it.Clone())
		}
	}
	slices.SortFunc(its, oldestInteraction)
	x := *ss
	return &x, its, nil
}

// Interaction implements routing.Store.
func (s *Store) Interaction(_ context.Context, id string) (*session.Interaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.interactions[id]
	if !ok {
		return nil, fmt.Errorf("memory: interaction %s: %w", id, routing.ErrNotFound)
	}
	return it.Clone(), nil
}

// Interactions implements routing.Store.
func (s *Store) Interactions(_ context.Context, f routing.Filter) ([]*session.Interaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var its []*session.Interaction
	for _, it := range s.interactions {
		if (f.State == session.StateUnknown || it.State == f.State) &&
			(f.Queue == "" || it.Queue == f.Queue) &&
			(f.AgentID == "" || it.AgentID == f.AgentID) {
			its = append(its, it)
		}
	}
	slices.SortFunc(its, func(a, b *session.Interaction) int { return oldestInteraction(b, a) })
	limit := f.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	its = its[:min(limit, len(its))]
	for i, it := range its {
		its[i] = it.Clone()
	}
	return its, nil
}

// Events implements routing.Store.
func (s *Store) Events(_ context.Context, sessionID string) ([]session.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var evs []session.Event
	for _, e := range s.events[sessionID] {
		evs = append(evs, codec.Event(e))
	}
	return evs, nil
}

// Messages implements routing.Store.
func (s *Store) Messages(_ context.Context, interactionID string, after int64) ([]session.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ms []session.Message
	for seq, m := range s.messages[interactionID] {
		if seq > after {
			ms = append(ms, m)
		}
	}
	slices.SortFunc(ms, func(a, b session.Message) int { return cmp.Compare(a.Seq, b.Seq) })
	return ms, nil
}

// Close implements routing.Store; the data is dropped with the Store.
func (s *Store) Close() error { return nil }

// oldestSession orders sessions as the SQL stores do: created_at, then id.
func oldestSession(a, b *session.Session) int {
	return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
}

// oldestInteraction orders interactions as the SQL stores do: created_at, then id.
func oldestInteraction(a, b *session.Interaction) int {
	return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
}
