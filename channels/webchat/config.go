package webchat

import (
	"fmt"
	"path"
	"time"

	"github.com/omnigate/omnigate/session"
)

// Config is the web chat channel's configuration.
type Config struct {
	// Queue is where new chats wait for an agent (default "sales").
	Queue string
	// AllowedOrigins lists the origins, besides the server's own host, whose pages may
	// open the chat socket: host patterns ("www.example.com", "*.example.com") or
	// scheme://host patterns, matched case-insensitively with path.Match. Empty allows
	// only same-origin pages.
	AllowedOrigins []string
	// Secret is the HMAC-SHA256 key that signs chat tokens. Empty makes a random one
	// per process: chats then cannot be resumed across a restart.
	Secret []byte
	// MaxMessageLen caps a customer message in characters (default and upper bound
	// session.MaxMessageLen).
	MaxMessageLen int
	// ReturnWindow is how long a customer whose chat socket dropped (without "leave")
	// has to come back with their token before the chat counts as left (default 2m;
	// negative: wait forever).
	ReturnWindow time.Duration
}

// Defaults fills zero fields with their documented defaults.
func (c *Config) Defaults() {
	if c.ReturnWindow == 0 {
		c.ReturnWindow = 2 * time.Minute
	}
	if c.Queue == "" {
		c.Queue = "sales"
	}
	if c.MaxMessageLen == 0 {
		c.MaxMessageLen = session.MaxMessageLen
	}
}

// Validate reports the first thing wrong with the configuration.
func (c *Config) Validate() error {
	if c.MaxMessageLen < 0 || c.MaxMessageLen > session.MaxMessageLen {
		return fmt.Errorf("webchat: max message length must be 1–%d: %w", session.MaxMessageLen, session.ErrInvalid)
	}
	if len(c.Secret) > 0 && len(c.Secret) < 16 {
		return fmt.Errorf("webchat: secret shorter than 16 bytes: %w", session.ErrInvalid)
	}
	for _, p := range c.AllowedOrigins {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("webchat: allowed origin %q: %v: %w", p, err, session.ErrInvalid)
		}
	}
	return nil
}
