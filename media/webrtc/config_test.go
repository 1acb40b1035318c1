package webrtc

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero", Config{}, true},
		{"production", Config{UDPPort: 3478, ListenIP: "0.0.0.0", PublicIPs: []string{"203.0.113.7"}, ICEFailedTimeout: time.Minute}, true},
		{"ipv6", Config{ListenIP: "::1"}, true},
		{"port too large", Config{UDPPort: 70000}, false},
		{"negative port", Config{UDPPort: -1}, false},
		{"listen ip not an address", Config{ListenIP: "localhost"}, false},
		{"public ip not an address", Config{PublicIPs: []string{"gw.example.com"}}, false},
		{"public ip unspecified", Config{PublicIPs: []string{"0.0.0.0"}}, false},
		{"negative timeout", Config{ICEDisconnectedTimeout: -time.Second}, false},
		{"negative gather timeout", Config{GatherTimeout: -1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.ok != (err == nil) || err != nil && !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate = %v", err)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{}.withDefaults()
	if c.ListenIP != DefaultListenIP || !c.IncludeLoopback || c.ICEDisconnectedTimeout != DefaultICEDisconnectedTimeout ||
		c.ICEFailedTimeout != DefaultICEFailedTimeout || c.ICEKeepaliveInterval != DefaultICEKeepaliveInterval ||
		c.GatherTimeout != DefaultGatherTimeout {
		t.Fatalf("defaults %+v", c)
	}
	if c := (Config{ListenIP: "10.0.0.5"}).withDefaults(); c.IncludeLoopback {
		t.Fatal("loopback candidates turned on for a routable address")
	}
}

// New refuses a bad config and a port in use; PublicIPs replace the host address.
func TestNewGateway(t *testing.T) {
	if _, err := New(Config{ListenIP: "nope"}, nil); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("New(bad) = %v", err)
	}
	g := newTestGateway(t)
	if _, err := New(Config{UDPPort: int(g.LocalAddr().Port())}, nil); err == nil {
		t.Fatal("second gateway on the same port")
	}
	pub, err := New(Config{PublicIPs: []string{"203.0.113.7"}}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	l := newTestLeg(t, pub, "alice")
	offer, err := l.Offer()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(offer, " 203.0.113.7 ") || strings.Contains(offer, " 127.0.0.1 ") {
		t.Fatalf("offer candidates do not use the public address:\n%s", offer)
	}
}
