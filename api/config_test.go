package api

import (
	"errors"
	"testing"
	"time"

	"github.com/omnigate/omnigate/session"
)

func TestConfigValidate(t *testing.T) {
	good := func(t *testing.T) Config { return Config{Users: testUsers(t)} }
	c := good(t)
	c.Defaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	if c.TokenTTL != 12*time.Hour || c.TicketTTL != 30*time.Second || len(c.Reasons) != 4 {
		t.Fatalf("defaults: %+v", c)
	}
	for name, change := range map[string]func(c *Config){
		"no username":         func(c *Config) { c.Users[0].Username = "" },
		"user twice":          func(c *Config) { c.Users[1].Username = c.Users[0].Username },
		"unknown role":        func(c *Config) { c.Users[0].Role = "boss" },
		"agent without id":    func(c *Config) { c.Users[0].AgentID = "" },
		"plain password":      func(c *Config) { c.Users[0].PasswordHash = []byte("alice") },
		"negative ttl":        func(c *Config) { c.TokenTTL = -time.Second },
		"disposition no code": func(c *Config) { c.Dispositions = []Disposition{{Label: "x"}} },
		"disposition twice":   func(c *Config) { c.Dispositions = []Disposition{{Code: "a"}, {Code: "a"}} },
		"empty reason":        func(c *Config) { c.Reasons = []string{"Break", ""} },
		"bad origin pattern":  func(c *Config) { c.AllowedOrigins = []string{"[a"} },
	} {
		t.Run(name, func(t *testing.T) {
			c := good(t)
			change(&c)
			if err := c.Validate(); !errors.Is(err, session.ErrInvalid) {
				t.Fatalf("Validate = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestNewRefusesUnknownAgent(t *testing.T) {
	e := newEnv(t)
	cfg := Config{Users: testUsers(t)}
	cfg.Users[0].AgentID = "zed"
	if _, err := New(cfg, e.eng, Options{}); err == nil {
		t.Fatal("a user for an agent the engine does not know was accepted")
	}
}
