package api

import (
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/omnigate/omnigate/session"
)

// Role is what a user may do through the API.
type Role string

// The roles a user can have (SPEC §8).
const (
	RoleAgent      Role = "agent"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
)

func (r Role) String() string { return string(r) }

func (r Role) valid() bool { return r == RoleAgent || r == RoleSupervisor || r == RoleAdmin }

// User is one person who can log in.
type User struct {
	// Username is the login name, unique.
	Username string
	// Role decides which calls the user may make.
	Role Role
	// AgentID is the routing agent this user works as; required for agents, optional
	// for supervisors and admins.
	AgentID string
	// PasswordHash is the bcrypt hash of the password.
	PasswordHash []byte
}

// Disposition is one wrap-up outcome code shown to agents (W1).
type Disposition struct {
	// Code is what wrap-up stores.
	Code string
	// Label is what the desktop shows.
	Label string
}

// Config is the API's configuration.
type Config struct {
	// Users are the people who can log in.
	Users []User
	// TokenTTL is how long a bearer token lives after login (default 12h).
	TokenTTL time.Duration
	// TicketTTL is how long a single-use WebSocket ticket lives (default 30s).
	TicketTTL time.Duration
	// AllowedOrigins lists the origins, besides the server's own host, that may open a
	// WebSocket: host patterns ("desk.example.com", "*.example.com") or scheme://host
	// patterns, matched case-insensitively with path.Match. Empty allows only
	// same-origin upgrades (the Origin's host equals the request's Host).
	AllowedOrigins []string
	// Dispositions are the wrap-up codes the desktop offers.
	Dispositions []Disposition
	// Reasons are the codes an agent may give when going unavailable (default Break,
	// Lunch, Meeting, Training).
	Reasons []string
}

// Defaults fills zero fields with their documented defaults.
func (c *Config) Defaults() {
	if c.TokenTTL == 0 {
		c.TokenTTL = 12 * time.Hour
	}
	if c.TicketTTL == 0 {
		c.TicketTTL = 30 * time.Second
	}
	if len(c.Reasons) == 0 {
		c.Reasons = []string{"Break", "Lunch", "Meeting", "Training"}
	}
}

// Validate reports the first thing wrong with the configuration.
func (c *Config) Validate() error {
	if c.TokenTTL < 0 || c.TicketTTL < 0 {
		return fmt.Errorf("api: negative token or ticket lifetime: %w", session.ErrInvalid)
	}
	seen := map[string]bool{}
	for _, u := range c.Users {
		if u.Username == "" {
			return fmt.Errorf("api: user without a username: %w", session.ErrInvalid)
		}
		if seen[u.Username] {
			return fmt.Errorf("api: user %s defined twice: %w", u.Username, session.ErrInvalid)
		}
		seen[u.Username] = true
		if !u.Role.valid() {
			return fmt.Errorf("api: user %s: unknown role %q: %w", u.Username, u.Role, session.ErrInvalid)
		}
		if u.Role == RoleAgent && u.AgentID == "" {
			return fmt.Errorf("api: user %s is an agent without an agent id: %w", u.Username, session.ErrInvalid)
		}
		if _, err := bcrypt.Cost(u.PasswordHash); err != nil {
			return fmt.Errorf("api: user %s: password hash is not bcrypt (%v): %w", u.Username, err, session.ErrInvalid)
		}
	}
	codes := map[string]bool{}
	for _, d := range c.Dispositions {
		if d.Code == "" {
			return fmt.Errorf("api: disposition without a code: %w", session.ErrInvalid)
		}
		if codes[d.Code] {
			return fmt.Errorf("api: disposition %s defined twice: %w", d.Code, session.ErrInvalid)
		}
		codes[d.Code] = true
	}
	for _, r := range c.Reasons {
		if r == "" {
			return fmt.Errorf("api: empty unavailable reason: %w", session.ErrInvalid)
		}
	}
	for _, p := range c.AllowedOrigins {
		if err := checkOriginPattern(p); err != nil {
			return fmt.Errorf("api: allowed origin %q: %v: %w", p, err, session.ErrInvalid)
		}
	}
	return nil
}
