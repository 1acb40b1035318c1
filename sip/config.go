package sip

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Config is the SIP gateway's configuration. Zero fields take the defaults Defaults
// documents; cmd/omnigate fills it from the config file.
type Config struct {
	// Addr is where SIP listens for UDP and TCP, host:port (default ":5060").
	Addr string
	// TLSAddr is where SIP over TLS listens (default ":5061"); TLS is on only when
	// TLSCert is set.
	TLSAddr string
	// TLSCert and TLSKey are the PEM certificate chain and key files for TLS.
	TLSCert string
	TLSKey  string
	// Realm is the digest realm in our challenges (default "omnigate").
	Realm string
	// PublicHost is the host we put in Contact and Via and, when it is an IP address, in
	// SDP. Default: Addr's host when it names one address, otherwise this machine's
	// first non-loopback IPv4 address, otherwise 127.0.0.1.
	PublicHost string
	// Trunks are the carriers we take calls from and place calls through.
	Trunks []Trunk
	// DIDs maps a dialled number (the Request-URI user of an inbound trunk call) to the
	// queue that answers it. A leading '+' is ignored when matching.
	DIDs map[string]string
	// Users are the desk phones that may register; the username is the agent id.
	Users []User
	// MinExpires is the shortest registration we accept; shorter gets 423 Interval Too
	// Brief (default 60s).
	MinExpires time.Duration
	// MaxExpires caps the registration interval a phone asks for (default 1h).
	MaxExpires time.Duration
	// DefaultExpires is the interval given when the REGISTER names none (default 1h,
	// clamped to [MinExpires, MaxExpires]).
	DefaultExpires time.Duration
	// MaxBindings is how many contacts one address of record may register; the oldest
	// goes when a new one comes (default 5).
	MaxBindings int
	// OfferRingTimeout is how long RingDevice lets a desk phone ring when the context
	// gives no earlier deadline (default 20s).
	OfferRingTimeout time.Duration
	// NonceTTL is how long a digest nonce stays fresh; older ones get stale=true
	// (default 2m).
	NonceTTL time.Duration
	// DigestAlgorithms are the algorithms we challenge with, most preferred first:
	// "SHA-256", "MD5", "SHA-512-256" (default MD5 then SHA-256: many desk phones and
	// sipp only read the first challenge, RFC 8760 §2.4 notwithstanding).
	DigestAlgorithms []string
	// MinSessionExpires is our Min-SE (RFC 4028): a shorter Session-Expires gets 422
	// (default 90s).
	MinSessionExpires time.Duration
	// Limits are the hard caps on what a peer may send.
	Limits Limits
}

// Trunk is a carrier connection.
type Trunk struct {
	// Name identifies the trunk in calls, logs and Dial.
	Name string
	// Addrs are the source prefixes inbound calls from this carrier come from; a call
	// from one of them needs no authentication.
	Addrs []netip.Prefix
	// Username and Password, when set, let the carrier authenticate inbound calls by
	// digest instead of (or as well as) by address.
	Username string
	Password string
	// Target is where calls out go, host:port; empty means the trunk is inbound only.
	Target string
	// Transport for calls out: "udp" (default), "tcp" or "tls".
	Transport string
	// OutboundUsername and OutboundPassword answer the carrier's 401/407 on calls out.
	OutboundUsername string
	OutboundPassword string
	// FromUser is the caller id (From user) on calls out; empty uses the dialling
	// agent's id.
	FromUser string
	// FromHost is the From host on calls out (default: Target's host).
	FromHost string
}

// User is a desk phone account.
type User struct {
	// Username is the digest username and address-of-record user: the agent id.
	Username string
	// Password is the digest password. Only its HA1 values are kept once the server runs.
	Password string
}

// Limits are the hard caps of SECURITY.md §0.2. Anything over them is refused before
// the SIP stack parses it.
type Limits struct {
	// MaxMessageSize is the largest SIP message, headers and body (default 16 KiB, at
	// most 32 KiB).
	MaxMessageSize int
	// MaxHeaders is the most header lines (after unfolding) a message may have (default 100).
	MaxHeaders int
	// MaxLineLength is the longest header line after unfolding (default 4096).
	MaxLineLength int
	// MaxVia is the most Via values a request may carry (default 70: more hops than
	// Max-Forwards allows cannot be legitimate).
	MaxVia int
	// MaxCalls is the most calls at once; more INVITEs get 503 (default 1000).
	MaxCalls int
	// MaxConnections is the most TCP and TLS connections at once (default 1024).
	MaxConnections int
	// MaxConnectionsPerIP is the most TCP and TLS connections from one address (default 64).
	MaxConnectionsPerIP int
	// StreamTimeout is how long a partial message may take to complete on TCP or TLS
	// (and a TLS handshake to finish) before the connection is closed (default 10s).
	StreamTimeout time.Duration
	// IdleTimeout closes a TCP or TLS connection that sends nothing for this long;
	// zero keeps idle connections (a registered phone's flow) open (default 0).
	IdleTimeout time.Duration
}

// Defaults fills zero fields with their documented defaults.
func (c *Config) Defaults() {
	if c.Addr == "" {
		c.Addr = ":5060"
	}
	if c.TLSAddr == "" {
		c.TLSAddr = ":5061"
	}
	if c.Realm == "" {
		c.Realm = "omnigate"
	}
	if c.MinExpires == 0 {
		c.MinExpires = 60 * time.Second
	}
	if c.MaxExpires == 0 {
		c.MaxExpires = time.Hour
	}
	if c.DefaultExpires == 0 {
		c.DefaultExpires = time.Hour
	}
	c.DefaultExpires = min(max(c.DefaultExpires, c.MinExpires), c.MaxExpires)
	if c.MaxBindings == 0 {
		c.MaxBindings = 5
	}
	if c.OfferRingTimeout == 0 {
		c.OfferRingTimeout = 20 * time.Second
	}
	if c.NonceTTL == 0 {
		c.NonceTTL = 2 * time.Minute
	}
	if len(c.DigestAlgorithms) == 0 {
		c.DigestAlgorithms = []string{"MD5", "SHA-256"}
	}
	if c.MinSessionExpires == 0 {
		c.MinSessionExpires = 90 * time.Second
	}
	l := &c.Limits
	if l.MaxMessageSize == 0 {
		l.MaxMessageSize = 16 << 10
	}
	if l.MaxHeaders == 0 {
		l.MaxHeaders = 100
	}
	if l.MaxLineLength == 0 {
		l.MaxLineLength = 4096
	}
	if l.MaxVia == 0 {
		l.MaxVia = 70
	}
	if l.MaxCalls == 0 {
		l.MaxCalls = 1000
	}
	if l.MaxConnections == 0 {
		l.MaxConnections = 1024
	}
	if l.MaxConnectionsPerIP == 0 {
		l.MaxConnectionsPerIP = 64
	}
	if l.StreamTimeout == 0 {
		l.StreamTimeout = 10 * time.Second
	}
}

// maxMessageSizeCap is the stack's UDP read buffer: a bigger message could not be read.
const maxMessageSizeCap = 32 << 10

// Validate reports everything wrong with the configuration (after Defaults), joined.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format, args...))
	}
	if _, err := hostPort(c.Addr); err != nil {
		bad("addr %q: %v", c.Addr, err)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("tls: set both the certificate and the key, or neither")
	}
	if c.TLSCert != "" {
		if _, err := hostPort(c.TLSAddr); err != nil {
			bad("tls addr %q: %v", c.TLSAddr, err)
		}
	}
	if c.Realm == "" || strings.ContainsAny(c.Realm, "\"\\\r\n") {
		bad("realm %q: must be non-empty without quotes, backslashes or line breaks", c.Realm)
	}
	if c.PublicHost != "" && !validHost(c.PublicHost) {
		bad("public host %q is not a host name or IP address", c.PublicHost)
	}
	names := map[string]bool{}
	digestNames := map[string]string{}
	for i, t := range c.Trunks {
		where := fmt.Sprintf("trunk %d (%s)", i, t.Name)
		if t.Name == "" {
			bad("%s: name is required", where)
		} else if names[t.Name] {
			bad("%s: duplicate name", where)
		}
		names[t.Name] = true
		if len(t.Addrs) == 0 && t.Username == "" && t.Target == "" {
			bad("%s: needs source addresses or a digest username (inbound) or a target (outbound)", where)
		}
		for _, p := range t.Addrs {
			if !p.IsValid() {
				bad("%s: invalid address prefix", where)
			}
		}
		if t.Username != "" {
			if t.Password == "" {
				bad("%s: digest username without password", where)
			}
			if other, dup := digestNames[t.Username]; dup {
				bad("%s: digest username %q already used by %s", where, t.Username, other)
			}
			digestNames[t.Username] = "trunk " + t.Name
		}
		if t.Target != "" {
			if _, err := hostPort(t.Target); err != nil {
				bad("%s: target %q: %v", where, t.Target, err)
			}
		}
		switch strings.ToLower(t.Transport) {
		case "", "udp", "tcp", "tls":
		default:
			bad("%s: transport %q: want udp, tcp or tls", where, t.Transport)
		}
		if t.OutboundUsername != "" && t.OutboundPassword == "" {
			bad("%s: outbound username without password", where)
		}
		if t.FromUser != "" && !validUser(t.FromUser) {
			bad("%s: from user %q has characters a SIP user part cannot carry", where, t.FromUser)
		}
		if t.FromHost != "" && !validHost(t.FromHost) {
			bad("%s: from host %q", where, t.FromHost)
		}
	}
	for did, q := range c.DIDs {
		if did == "" || q == "" || !validUser(did) {
			bad("did %q -> %q: both are required and the number must be a SIP user part", did, q)
		}
	}
	for i, u := range c.Users {
		if u.Username == "" || u.Password == "" || !validUser(u.Username) {
			bad("user %d (%s): username (a SIP user part) and password are required", i, u.Username)
			continue
		}
		if other, dup := digestNames[u.Username]; dup {
			bad("user %s: digest username already used by %s", u.Username, other)
		}
		digestNames[u.Username] = "user " + u.Username
	}
	if c.MinExpires < time.Second || c.MaxExpires < c.MinExpires {
		bad("expires: want 1s <= min (%v) <= max (%v)", c.MinExpires, c.MaxExpires)
	}
	if c.MaxBindings < 1 {
		bad("max bindings %d < 1", c.MaxBindings)
	}
	if c.OfferRingTimeout <= 0 || c.NonceTTL <= 0 || c.MinSessionExpires < 0 {
		bad("timeouts must be positive")
	}
	if len(c.DigestAlgorithms) == 0 {
		bad("digest algorithms: at least one")
	}
	seen := map[digestAlgorithm]bool{}
	for _, name := range c.DigestAlgorithms {
		a, ok := parseDigestAlgorithm(name)
		if !ok || name == "" {
			bad("digest algorithm %q: want MD5, SHA-256 or SHA-512-256", name)
		} else if seen[a] {
			bad("digest algorithm %q listed twice", name)
		}
		seen[a] = true
	}
	l := c.Limits
	if l.MaxMessageSize < 1024 || l.MaxMessageSize > maxMessageSizeCap {
		bad("limits: max message size %d outside [1024, %d]", l.MaxMessageSize, maxMessageSizeCap)
	}
	if l.MaxHeaders < 10 || l.MaxLineLength < 256 || l.MaxVia < 1 || l.MaxCalls < 1 || l.MaxConnections < 1 || l.MaxConnectionsPerIP < 1 {
		bad("limits: max headers >= 10, max line length >= 256, and the rest >= 1")
	}
	if l.StreamTimeout <= 0 || l.IdleTimeout < 0 {
		bad("limits: stream timeout must be positive and idle timeout not negative")
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalidConfig, errors.Join(errs...))
}

// digestAlgorithms returns the configured challenge order.
func (c *Config) digestAlgorithms() []digestAlgorithm {
	out := make([]digestAlgorithm, 0, len(c.DigestAlgorithms))
	for _, name := range c.DigestAlgorithms {
		if a, ok := parseDigestAlgorithm(name); ok {
			out = append(out, a)
		}
	}
	return out
}

// hostPort checks host:port with a numeric port (the host may be empty: all addresses).
func hostPort(s string) (int, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return 0, err
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("port %q", port)
	}
	if host != "" && !validHost(host) {
		return 0, fmt.Errorf("host %q", host)
	}
	return int(p), nil
}

// validHost accepts an IP address or a DNS name.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if len(h) == 0 || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// validUser accepts what we are willing to put in a SIP user part unescaped.
func validUser(u string) bool {
	if u == "" || len(u) > 64 {
		return false
	}
	for _, c := range u {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.!~*'()+", c)) {
			return false
		}
	}
	return true
}

// didKey normalises a dialled number for the DID table.
func didKey(s string) string {
	return strings.TrimPrefix(s, "+")
}
