package media

import (
	"errors"
	"net/netip"
	"testing"
)

func TestConfig(t *testing.T) {
	var c Config
	c.Defaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	pc, err := c.PortPool()
	if err != nil || pc.IP != netip.MustParseAddr("127.0.0.1") || pc.Min != 10000 || pc.Max != 20000 {
		t.Errorf("pool config %+v, %v", pc, err)
	}
	if c.MediaTimeout != DefaultMediaTimeout || c.Ringback != "eu" {
		t.Errorf("defaults %+v", c)
	}
	tests := []struct {
		name string
		mod  func(*Config)
	}{
		{"bad ip", func(c *Config) { c.RTPIP = "rtp.example.com" }},
		{"empty range", func(c *Config) { c.RTPPortMin, c.RTPPortMax = 20000, 20001 }},
		{"unknown ringback", func(c *Config) { c.Ringback = "fr" }},
	}
	for _, tt := range tests {
		bad := c
		tt.mod(&bad)
		if err := bad.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}
