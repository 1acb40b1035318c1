package routing

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/omnigate/omnigate/session"
)

// Observer receives routing outcomes, for metrics. Calls happen under the engine's
// lock: implementations must be quick and must not call back into the engine.
type Observer interface {
	Offered(queue string, ch session.Channel)
	Accepted(queue string, ch session.Channel, wait time.Duration, withinSL bool)
	Declined(queue string, ch session.Channel)
	RONA(queue string, ch session.Channel)
	Finished(ch session.Channel, final session.State)
	Decision(d time.Duration)
	// StoreWrite reports one store write of the group commit: how many operations'
	// changes it carried, how long it took, and whether it failed.
	StoreWrite(changes int, d time.Duration, err error)
}

type nopObserver struct{}

func (nopObserver) Offered(string, session.Channel)                       {}
func (nopObserver) Accepted(string, session.Channel, time.Duration, bool) {}
func (nopObserver) Declined(string, session.Channel)                      {}
func (nopObserver) RONA(string, session.Channel)                          {}
func (nopObserver) Finished(session.Channel, session.State)               {}
func (nopObserver) Decision(time.Duration)                                {}
func (nopObserver) StoreWrite(int, time.Duration, error)                  {}

// Options are the engine's collaborators; zero values get defaults.
type Options struct {
	Clock    Clock
	Logger   *slog.Logger
	Observer Observer
	// NewID makes ids; the default is 16 random bytes in hex.
	NewID func() string
}

// Engine routes interactions to agents. It holds the live state in memory and writes
// every change through its Store (group commit, commit.go) before an operation
// returns or its notices go out. One mutex guards the state; the write and the
// notices happen after it is released.
//
// Lock order: Engine.mu, then the group commit's locks, then subMu. Subscribers are
// called with subMu held, never mu, one operation's notices at a time.
type Engine struct {
	cfg   Config
	store Store
	clock Clock
	log   *slog.Logger
	obs   Observer
	newID func() string

	mu          sync.Mutex
	queues      map[string]*queue
	queueNames  []string
	agents      map[string]*agent
	agentIDs    []string
	open        map[string]*session.Interaction // every interaction not in a final state
	offered     map[string]*session.Interaction
	sessions    map[string]*session.Session // open sessions
	custSess    map[string]string           // customer id → open session id
	customers   map[string]*session.Customer
	custByIdent map[session.Identity]string
	sessOpen    map[string]int    // session id → number of open interactions
	sessMaster  map[string]string // session id → master contact id of its first contact
	tailSeq     int64
	draining    bool
	notices     []Notice
	lastNoticed *session.Interaction // the copy the last interaction notice carries
	dirtyQ      map[qkey]bool
	dirtyA      map[string]bool
	loadChanged map[string]bool // agents whose load changed in this operation

	retired []retired   // customers to drop from memory once stored, in seq order
	gc      groupCommit // queued writes and notice order (commit.go)
	opDirty bool        // the operation under the lock queued a change

	subMu   sync.RWMutex
	subs    map[int]func(Notice)
	nextSub int
}

// retired is a customer with no open session, to leave memory once the write with
// sequence seq (its session's completion) is stored.
type retired struct {
	customerID string
	seq        uint64
}

// dropRetired takes from memory the retired customers whose writes are all stored
// and who have not come back meanwhile. The caller holds the lock.
func (e *Engine) dropRetired() {
	_, written := e.gc.seqs()
	n := 0
	for _, r := range e.retired {
		if r.seq > written {
			break
		}
		n++
		if _, open := e.custSess[r.customerID]; !open {
			e.uncacheCustomer(r.customerID)
		}
	}
	e.retired = append(e.retired[:0], e.retired[n:]...)
}

type qkey struct {
	queue string
	ch    session.Channel
}

type queue struct {
	cfg     QueueConfig
	waiting map[session.Channel]*waitList
	members []member
}

// member is an agent assigned to a queue with its proficiency there.
type member struct {
	*agent
	prof int
}

type agent struct {
	session.Agent
	load             [session.NumChannels]int // assigned interactions per channel
	capa             [session.NumChannels]int // Capacity as an array: the hot path reads it
	total            int                      // sum of load
	wrapups          int
	extra            int
	extraDigitalOnly bool
	device           string
	personal         map[session.Channel]*waitList
	lastActivity     time.Time
}

// New builds an engine. Call Start before use.
func New(cfg Config, store Store, opt Options) (*Engine, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("routing config: %w", err)
	}
	if store == nil {
		return nil, fmt.Errorf("routing: a store is required: %w", session.ErrInvalid)
	}
	e := &Engine{
		cfg: cfg, store: store, clock: opt.Clock, log: opt.Logger, obs: opt.Observer, newID: opt.NewID,
		queues: map[string]*queue{}, agents: map[string]*agent{}, open: map[string]*session.Interaction{},
		offered: map[string]*session.Interaction{}, sessions: map[string]*session.Session{},
		custSess: map[string]string{}, customers: map[string]*session.Customer{}, custByIdent: map[session.Identity]string{}, sessOpen: map[string]int{}, sessMaster: map[string]string{},
		dirtyQ: map[qkey]bool{}, dirtyA: map[string]bool{}, loadChanged: map[string]bool{}, subs: map[int]func(Notice){},
	}
	e.gc.init()
	if e.clock == nil {
		e.clock = SystemClock{}
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.obs == nil {
		e.obs = nopObserver{}
	}
	if e.newID == nil {
		e.newID = randomID
	}
	for _, qc := range cfg.Queues {
		e.queues[qc.Name] = &queue{cfg: qc, waiting: map[session.Channel]*waitList{}}
		e.queueNames = append(e.queueNames, qc.Name)
	}
	now := e.clock.Now()
	for _, ac := range cfg.Agents {
		a := &agent{
			Agent: session.Agent{
				ID: ac.ID, Name: ac.Name, Skills: copyMap(ac.Skills), Capacity: copyMap(ac.Capacity),
				TotalCapacity: ac.TotalCapacity, ExtraContact: ac.ExtraContact, Presence: session.Offline,
				PresenceSince: now, IdleSince: now,
			},
			personal: map[session.Channel]*waitList{}, lastActivity: now, device: ac.Device,
		}
		for ch, n := range ac.Capacity {
			if int(ch) < session.NumChannels {
				a.capa[ch] = n
			}
		}
		e.agents[ac.ID] = a
		e.agentIDs = append(e.agentIDs, ac.ID)
		for qn, p := range ac.Skills {
			q := e.queues[qn]
			q.members = append(q.members, member{a, p})
		}
	}
	sort.Strings(e.agentIDs)
	for _, q := range e.queues { // stable member order keeps selection deterministic
		sort.Slice(q.members, func(i, j int) bool { return q.members[i].ID < q.members[j].ID })
	}
	return e, nil
}

func copyMap[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Subscribe registers fn to receive every notice; fn must not block. The returned
// function unsubscribes.
func (e *Engine) Subscribe(fn func(Notice)) (cancel func()) {
	e.subMu.Lock()
	id := e.nextSub
	e.nextSub++
	e.subs[id] = fn
	e.subMu.Unlock()
	return func() {
		e.subMu.Lock()
		delete(e.subs, id)
		e.subMu.Unlock()
	}
}

// lock takes the engine lock; unlock releases it, waits until the operation's
// changes are stored and then delivers the notices it produced.
func (e *Engine) lock() { e.mu.Lock() }

// unlock ends an operation. Notices keep the order of the operations that made them:
// the ticket is taken before the engine lock is released. A subscriber may call the
// engine's read methods, but must not subscribe or unsubscribe from inside its
// callback. It returns ErrStoreFailed when the operation's changes were not stored.
func (e *Engine) unlock() error {
	ns, dirty := e.notices, e.opDirty
	e.notices, e.opDirty = nil, false
	if len(ns) == 0 && !dirty {
		e.mu.Unlock()
		return nil
	}
	var ticket uint64
	if len(ns) > 0 {
		e.gc.dmu.Lock()
		e.gc.tickets++
		ticket = e.gc.tickets
		e.gc.dmu.Unlock()
	}
	// Notices may show changes of earlier operations too: wait for all of them.
	seq := e.gc.queuedSeq()
	e.mu.Unlock()
	err := e.waitDurable(seq)
	if ticket != 0 {
		e.deliverInTurn(ticket, ns, err == nil)
	}
	return err
}

// unlockInto is unlock for a deferred call in an operation with a named error
// result: a failed write becomes the operation's error.
func (e *Engine) unlockInto(errp *error) {
	if err := e.unlock(); err != nil && *errp == nil {
		*errp = err
	}
}

func (e *Engine) notify(n Notice) { e.notices = append(e.notices, n) }

// Run checks timers (offer timeouts, decline holds) until ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	t := time.NewTicker(e.cfg.TickEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			e.Tick(ctx)
		}
	}
}

// Drain stops new offers (SIGTERM); everything else keeps working so that writes in
// flight finish and nothing is lost.
func (e *Engine) Drain() {
	e.lock()
	e.draining = true
	e.unlock()
}

func (e *Engine) offerTimeout(it *session.Interaction) time.Duration {
	if q := e.queues[it.Queue]; q != nil {
		return q.cfg.OfferTimeout
	}
	return e.cfg.DefaultOfferTimeout
}

// install replaces the in-memory interaction with nx (its change queued) and keeps
// every index in step: wait lists, offers, agent loads, session counts.
func (e *Engine) install(nx *session.Interaction, now time.Time) {
	old := e.open[nx.ID]
	if old != nil {
		e.unindex(old, now)
	}
	if nx.State.Final() {
		delete(e.open, nx.ID)
		if old != nil {
			e.sessOpen[nx.SessionID]--
		}
		e.obs.Finished(nx.Channel, nx.State)
	} else {
		if old == nil {
			e.sessOpen[nx.SessionID]++
		}
		e.open[nx.ID] = nx
		e.index(nx)
	}
}

func (e *Engine) index(it *session.Interaction) {
	switch {
	case it.State == session.Queued:
		e.waitListFor(it).add(it)
		if it.PersonalAgent != "" {
			e.dirtyA[it.PersonalAgent] = true
		} else {
			e.dirtyQ[qkey{it.Queue, it.Channel}] = true
		}
	case it.State == session.Offered:
		e.offered[it.ID] = it
	}
	if it.State.Assigned() && it.AgentID != "" {
		if a := e.agents[it.AgentID]; a != nil {
			e.loadChanged[a.ID] = true
			a.load[it.Channel]++
			a.total++
			if it.State == session.Wrapup {
				a.wrapups++
			}
		}
	}
}

func (e *Engine) unindex(it *session.Interaction, now time.Time) {
	switch {
	case it.State == session.Queued:
		e.waitListFor(it).remove(it.ID)
	case it.State == session.Offered:
		delete(e.offered, it.ID)
	}
	if it.State.Assigned() && it.AgentID != "" {
		if a := e.agents[it.AgentID]; a != nil {
			e.loadChanged[a.ID] = true
			a.load[it.Channel]--
			a.total--
			if it.State == session.Wrapup {
				a.wrapups--
			}
			if a.total == 0 {
				a.IdleSince = now
				a.lastActivity = now
			}
			e.dirtyA[a.ID] = true
		}
	}
}

func (e *Engine) waitListFor(it *session.Interaction) *waitList {
	var m map[session.Channel]*waitList
	if it.PersonalAgent != "" {
		a := e.agents[it.PersonalAgent]
		if a == nil {
			// An agent removed from config: the contact waits in its queue instead.
			it.PersonalAgent = ""
			return e.waitListFor(it)
		}
		m = a.personal
	} else {
		q := e.queues[it.Queue]
		if q == nil {
			q = &queue{cfg: QueueConfig{Name: it.Queue, OfferTimeout: e.cfg.DefaultOfferTimeout, ServiceLevel: 20 * time.Second}, waiting: map[session.Channel]*waitList{}}
			e.queues[it.Queue] = q
			e.queueNames = append(e.queueNames, it.Queue)
		}
		m = q.waiting
	}
	w := m[it.Channel]
	if w == nil {
		w = &waitList{}
		m[it.Channel] = w
	}
	return w
}

// sessionCheck returns the session as complete if nx was its last open interaction
// (S1), ready to be written in the same change.
func (e *Engine) sessionCheck(nx *session.Interaction, now time.Time) (*session.Session, *session.Event) {
	old := e.open[nx.ID]
	if !nx.State.Final() || old == nil {
		return nil, nil
	}
	if e.sessOpen[nx.SessionID] != 1 {
		return nil, nil
	}
	s := e.sessions[nx.SessionID]
	if s == nil {
		return nil, nil
	}
	c := *s
	c.State = session.SessionComplete
	c.CompletedAt = now
	return &c, &session.Event{At: now, SessionID: s.ID, Actor: "system", Type: "session.complete", From: "open", To: "complete"}
}

func (e *Engine) installSession(s *session.Session) {
	if s == nil {
		return
	}
	if s.State == session.SessionComplete {
		delete(e.sessions, s.ID)
		delete(e.sessOpen, s.ID)
		delete(e.sessMaster, s.ID)
		if e.custSess[s.CustomerID] == s.ID {
			delete(e.custSess, s.CustomerID)
			// Nothing of the customer's is open any more: memory keeps customers with
			// open work only, the store has the rest (findCustomer reads it back).
			// It leaves memory once everything written about it is stored (Tick).
			e.retired = append(e.retired, retired{s.CustomerID, e.gc.queuedSeq()})
		}
		return
	}
	e.sessions[s.ID] = s
	e.custSess[s.CustomerID] = s.ID
}

func (a *agent) onCall() bool { return a.load[session.Voice]+a.load[session.Video] > 0 }

// room applies session.Room to the agent's counters.
func (a *agent) room(ch session.Channel, extra int) bool {
	return session.Room(a.capa[ch], a.load[ch], a.total, a.TotalCapacity, a.onCall(), extra)
}
