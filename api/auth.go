package api

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/omnigate/omnigate/routing"
)

// principal is who makes a request, as the token says.
type principal struct {
	user    string
	role    Role
	agentID string
	token   string
	expires time.Time
}

// actor is the principal as the engine knows it: agents act as their agent id, the
// others as their username.
func (p *principal) actor() routing.Actor {
	switch p.role {
	case RoleAgent:
		return routing.Actor{ID: p.agentID, Role: routing.ActorAgent}
	case RoleSupervisor:
		return routing.Actor{ID: p.user, Role: routing.ActorSupervisor}
	}
	return routing.Actor{ID: p.user, Role: routing.ActorAdmin}
}

// isAgent reports whether the principal is an agent (who may act only for itself).
func (p *principal) isAgent() bool { return p.role == RoleAgent }

type ticket struct {
	token   string
	expires time.Time
}

// purgeEvery bounds how often expired tokens and tickets are swept; between sweeps
// an expired one is refused when used and removed then.
const purgeEvery = time.Minute

// sessions keeps bearer tokens and WebSocket tickets in memory. A restart logs
// everyone out, which the desktop handles by showing the login page.
type sessions struct {
	clock     routing.Clock
	tokenTTL  time.Duration
	ticketTTL time.Duration
	users     map[string]User
	dummy     []byte // compared against for unknown users, so timing is alike

	mu        sync.Mutex
	tokens    map[string]*principal
	tickets   map[string]ticket
	lastPurge time.Time
}

func newSessions(cfg Config, clock routing.Clock) (*sessions, error) {
	s := &sessions{
		clock: clock, tokenTTL: cfg.TokenTTL, ticketTTL: cfg.TicketTTL, users: map[string]User{},
		tokens: map[string]*principal{}, tickets: map[string]ticket{},
	}
	cost := bcrypt.DefaultCost
	for i, u := range cfg.Users {
		s.users[u.Username] = u
		if c, err := bcrypt.Cost(u.PasswordHash); err == nil && i == 0 {
			cost = c
		}
	}
	dummy, err := bcrypt.GenerateFromPassword(randomBytes(16), cost)
	if err != nil {
		return nil, fmt.Errorf("api: dummy password hash: %w", err)
	}
	s.dummy = dummy
	return s, nil
}

// randomBytes returns n bytes from crypto/rand, which never fails on supported
// platforms (it panics inside the runtime if the OS source breaks).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func randomToken() string { return base64.RawURLEncoding.EncodeToString(randomBytes(32)) }

// login checks a password and issues a token. Unknown users and wrong passwords fail
// the same way and take about the same time.
func (s *sessions) login(username, password string) (*principal, error) {
	u, ok := s.users[username]
	hash := u.PasswordHash
	if !ok {
		hash = s.dummy
	}
	if err := bcrypt.CompareHashAndPassword(hash, []byte(password)); err != nil || !ok {
		return nil, errBadLogin
	}
	now := s.clock.Now()
	p := &principal{user: u.Username, role: u.Role, agentID: u.AgentID, token: randomToken(), expires: now.Add(s.tokenTTL)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purge(now)
	s.tokens[p.token] = p
	c := *p
	return &c, nil
}

// check returns the principal of a live token.
func (s *sessions) check(token string) (*principal, error) {
	if token == "" {
		return nil, errUnauthenticated
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.tokens[token]
	if p == nil {
		return nil, errUnauthenticated
	}
	if !now.Before(p.expires) {
		delete(s.tokens, token)
		return nil, errUnauthenticated
	}
	c := *p
	return &c, nil
}

// logout forgets a token and every ticket issued for it.
func (s *sessions) logout(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
	for k, t := range s.tickets {
		if t.token == token {
			delete(s.tickets, k)
		}
	}
}

// issueTicket makes a single-use WebSocket ticket bound to the token (and so to its
// user).
func (s *sessions) issueTicket(p *principal) (string, time.Time) {
	now := s.clock.Now()
	exp := now.Add(s.ticketTTL)
	if exp.After(p.expires) {
		exp = p.expires
	}
	t := randomToken()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purge(now)
	s.tickets[t] = ticket{token: p.token, expires: exp}
	return t, exp
}

// redeem uses a ticket up: it is gone whether or not it was still valid.
func (s *sessions) redeem(t string) (*principal, error) {
	s.mu.Lock()
	tk, ok := s.tickets[t]
	delete(s.tickets, t)
	s.mu.Unlock()
	if !ok || !s.clock.Now().Before(tk.expires) {
		return nil, errUnauthenticated
	}
	return s.check(tk.token)
}

// purge drops expired tokens and tickets, at most once per purgeEvery. The caller
// holds s.mu.
func (s *sessions) purge(now time.Time) {
	if now.Sub(s.lastPurge) < purgeEvery {
		return
	}
	s.lastPurge = now
	for k, p := range s.tokens {
		if !now.Before(p.expires) {
			delete(s.tokens, k)
		}
	}
	for k, t := range s.tickets {
		if !now.Before(t.expires) {
			delete(s.tickets, k)
		}
	}
}

// authenticate finds the principal of a request: a bearer token in the
// Authorization header, or for a WebSocket upgrade (browsers cannot set headers
// there) a single-use ?ticket= or, for non-browser clients, ?access_token=.
func (s *sessions) authenticate(r *http.Request, websocket bool) (*principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, errUnauthenticated
		}
		return s.check(strings.TrimSpace(tok))
	}
	if !websocket {
		return nil, errUnauthenticated
	}
	q := r.URL.Query()
	if t := q.Get("ticket"); t != "" {
		return s.redeem(t)
	}
	return s.check(q.Get("access_token"))
}
