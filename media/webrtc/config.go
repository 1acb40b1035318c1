package webrtc

import (
	"fmt"
	"net/netip"
	"time"
)

// Defaults applied by Config.withDefaults for zero fields.
const (
	// DefaultListenIP keeps a gateway without configuration on loopback, where tests
	// and a single-machine demo live; production sets the interface address (or
	// 0.0.0.0 with PublicIPs).
	DefaultListenIP = "127.0.0.1"
	// DefaultICEDisconnectedTimeout is longer than pion's 5 s because throttled
	// background tabs stretch their consent checks (GATEWAY.md §6).
	DefaultICEDisconnectedTimeout = 10 * time.Second
	// DefaultICEFailedTimeout is how long a disconnected agent may stay silent on
	// ICE before the leg reports Failed.
	DefaultICEFailedTimeout = 30 * time.Second
	// DefaultICEKeepaliveInterval is how often ICE sends a binding request to keep
	// NAT bindings open on an idle leg (no call attached, nothing else flowing).
	DefaultICEKeepaliveInterval = 2 * time.Second
	// DefaultGatherTimeout bounds ICE gathering for an offer. Host candidates on the
	// UDP mux are known at once, so this only trips when something is broken.
	DefaultGatherTimeout = 5 * time.Second
)

// Config configures a Gateway. The zero value is a loopback gateway on a port the
// kernel picks, fit for tests.
type Config struct {
	// UDPPort is the one UDP port every WebRTC leg shares for ICE, DTLS and SRTP
	// (pion's ICE UDP mux). 0 lets the kernel pick; Gateway.LocalAddr says which.
	UDPPort int
	// ListenIP is the address the UDP port is bound to and, unless PublicIPs rewrites
	// it, the address of the host candidate browsers connect to. Empty means
	// DefaultListenIP. Prefer the interface's own address: an unspecified address
	// (0.0.0.0) works, offering one candidate per interface address, but replies then
	// leave from whatever source address the kernel picks, which is wrong on a
	// multi-homed host (pion logs a warning saying so).
	ListenIP string
	// PublicIPs replace the local address in the host candidate (1:1 NAT, a cloud
	// VM's elastic IP, a Kubernetes node address). Empty offers the local addresses.
	PublicIPs []string
	// IncludeLoopback offers loopback addresses as candidates. Without it a gateway
	// bound to 127.0.0.1 offers no candidate at all; the zero Config turns it on by
	// itself when ListenIP is a loopback address.
	IncludeLoopback bool
	// ICEDisconnectedTimeout is how long without ICE traffic before a connected leg
	// reports Disconnected. 0 means DefaultICEDisconnectedTimeout.
	ICEDisconnectedTimeout time.Duration
	// ICEFailedTimeout is how long a leg may stay Disconnected before it reports
	// Failed. 0 means DefaultICEFailedTimeout.
	ICEFailedTimeout time.Duration
	// ICEKeepaliveInterval is how often an idle connected leg sends an ICE keepalive.
	// 0 means DefaultICEKeepaliveInterval.
	ICEKeepaliveInterval time.Duration
	// GatherTimeout bounds the wait for ICE gathering when an offer is made. 0 means
	// DefaultGatherTimeout.
	GatherTimeout time.Duration
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.ListenIP == "" {
		c.ListenIP = DefaultListenIP
		c.IncludeLoopback = true
	}
	if ip, err := netip.ParseAddr(c.ListenIP); err == nil && ip.IsLoopback() {
		c.IncludeLoopback = true
	}
	if c.ICEDisconnectedTimeout == 0 {
		c.ICEDisconnectedTimeout = DefaultICEDisconnectedTimeout
	}
	if c.ICEFailedTimeout == 0 {
		c.ICEFailedTimeout = DefaultICEFailedTimeout
	}
	if c.ICEKeepaliveInterval == 0 {
		c.ICEKeepaliveInterval = DefaultICEKeepaliveInterval
	}
	if c.GatherTimeout == 0 {
		c.GatherTimeout = DefaultGatherTimeout
	}
	return c
}

// Validate reports a configuration that cannot work. Zero fields are valid: they
// take their defaults.
func (c *Config) Validate() error {
	if c.UDPPort < 0 || c.UDPPort > 65535 {
		return fmt.Errorf("udp port %d: %w", c.UDPPort, ErrInvalidConfig)
	}
	if c.ListenIP != "" {
		if _, err := netip.ParseAddr(c.ListenIP); err != nil {
			return fmt.Errorf("listen ip %q: %w", c.ListenIP, ErrInvalidConfig)
		}
	}
	for _, s := range c.PublicIPs {
		ip, err := netip.ParseAddr(s)
		if err != nil || ip.IsUnspecified() {
			return fmt.Errorf("public ip %q: %w", s, ErrInvalidConfig)
		}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"ice disconnected timeout", c.ICEDisconnectedTimeout},
		{"ice failed timeout", c.ICEFailedTimeout},
		{"ice keepalive interval", c.ICEKeepaliveInterval},
		{"gather timeout", c.GatherTimeout},
	} {
		if d.v < 0 {
			return fmt.Errorf("%s %v: %w", d.name, d.v, ErrInvalidConfig)
		}
	}
	return nil
}
