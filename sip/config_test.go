package sip

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	var c Config
	c.Defaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("zero config with defaults: %v", err)
	}
	if c.Addr != ":5060" || c.TLSAddr != ":5061" || c.Realm != "omnigate" || c.MinExpires != time.Minute || c.MaxExpires != time.Hour ||
		c.OfferRingTimeout != 20*time.Second || c.Limits.MaxMessageSize != 16<<10 || c.DigestAlgorithms[0] != "MD5" {
		t.Fatalf("%+v", c)
	}
	// The default expiry is clamped into [min, max].
	c = Config{MinExpires: 2 * time.Hour, MaxExpires: 3 * time.Hour}
	c.Defaults()
	if c.DefaultExpires != 2*time.Hour {
		t.Fatalf("default expires %v", c.DefaultExpires)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"bad addr", func(c *Config) { c.Addr = "nope" }, "addr"},
		{"half TLS", func(c *Config) { c.TLSCert = "x.pem" }, "tls"},
		{"quote in realm", func(c *Config) { c.Realm = `a"b` }, "realm"},
		{"public host", func(c *Config) { c.PublicHost = "bad host" }, "public host"},
		{"trunk without name", func(c *Config) {
			c.Trunks = append(c.Trunks, Trunk{Addrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
		}, "name is required"},
		{"duplicate trunk", func(c *Config) { c.Trunks = append(c.Trunks, c.Trunks[0]) }, "duplicate name"},
		{"trunk that does nothing", func(c *Config) { c.Trunks = append(c.Trunks, Trunk{Name: "idle"}) }, "needs source addresses"},
		{"trunk username without password", func(c *Config) { c.Trunks = append(c.Trunks, Trunk{Name: "x", Username: "u"}) }, "without password"},
		{"trunk transport", func(c *Config) {
			c.Trunks = append(c.Trunks, Trunk{Name: "x", Target: "192.0.2.1:5060", Transport: "sctp"})
		}, "transport"},
		{"trunk target", func(c *Config) { c.Trunks = append(c.Trunks, Trunk{Name: "x", Target: "192.0.2.1"}) }, "target"},
		{"digest user shared by trunk and phone", func(c *Config) { c.Users = append(c.Users, User{Username: "trunkuser", Password: "x"}) }, "already used"},
		{"DID that is no user part", func(c *Config) { c.DIDs["10 00"] = "sales" }, "did"},
		{"DID without queue", func(c *Config) { c.DIDs["3000"] = "" }, "did"},
		{"user without password", func(c *Config) { c.Users = append(c.Users, User{Username: "dave"}) }, "password are required"},
		{"expires", func(c *Config) { c.MinExpires, c.MaxExpires = time.Hour, time.Minute }, "expires"},
		{"algorithm", func(c *Config) { c.DigestAlgorithms = []string{"SHA-1"} }, "digest algorithm"},
		{"algorithm twice", func(c *Config) { c.DigestAlgorithms = []string{"MD5", "md5"} }, "twice"},
		{"message size", func(c *Config) { c.Limits.MaxMessageSize = 1 << 20 }, "max message size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig()
			tc.mutate(&c)
			c.Defaults()
			err := c.Validate()
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	c := testConfig()
	c.Defaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
}

func TestNewRefusesBadInput(t *testing.T) {
	if _, err := New(Config{Addr: "x"}, newFakeCalls(), newFakeMedia(), Options{}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("%v", err)
	}
	if _, err := New(Config{}, nil, newFakeMedia(), Options{}); err == nil {
		t.Fatal("nil Calls accepted")
	}
}

func TestPublicAddress(t *testing.T) {
	if h, ip := publicAddress("203.0.113.7", ":5060"); h != "203.0.113.7" || ip.String() != "203.0.113.7" {
		t.Fatal(h, ip)
	}
	if h, ip := publicAddress("", "192.0.2.5:5060"); h != "192.0.2.5" || ip.String() != "192.0.2.5" {
		t.Fatal(h, ip)
	}
	if h, ip := publicAddress("", ":5060"); h == "" || !ip.IsValid() {
		t.Fatal(h, ip)
	}
	if h, ip := publicAddress("sip.example.com", ":5060"); h != "sip.example.com" || !ip.IsValid() {
		t.Fatal(h, ip)
	}
}

// Inbound passwords live on as HA1 values only; outbound ones are needed as they are.
func TestPasswordsForgotten(t *testing.T) {
	cfg := testConfig()
	cfg.Trunks = append(cfg.Trunks, Trunk{Name: "out", Target: "192.0.2.1:5060", OutboundUsername: "acct", OutboundPassword: "keep"})
	srv, err := New(cfg, newFakeCalls(), newFakeMedia(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range srv.cfg.Users {
		if u.Password != "" {
			t.Errorf("user %s password kept", u.Username)
		}
	}
	for _, tr := range srv.cfg.Trunks {
		if tr.Password != "" {
			t.Errorf("trunk %s password kept", tr.Name)
		}
	}
	if srv.trunks["out"].OutboundPassword != "keep" || cfg.Users[0].Password != "bob" {
		t.Fatal("outbound password lost, or the caller's config changed")
	}
}
