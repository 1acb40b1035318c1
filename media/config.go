package media

import (
	"fmt"
	"net/netip"
	"time"
)

// Config is the media section of Omnigate's configuration; cmd/omnigate fills it from
// viper and builds the pool, legs and sources from it.
type Config struct {
	// RTPIP is the local address SIP RTP sockets bind to; empty means 127.0.0.1.
	RTPIP string
	// RTPPortMin is the first port of the SIP RTP range (inclusive).
	RTPPortMin int
	// RTPPortMax ends the SIP RTP range (exclusive); RTP takes the even ports, RTCP
	// the odd one above each.
	RTPPortMax int
	// MediaTimeout ends a SIP call whose far end sent nothing this long; 0 means
	// DefaultMediaTimeout and a negative value disables it.
	MediaTimeout time.Duration
	// Ringback is the cadence played to a caller while the far end rings: "eu" or "us".
	Ringback string
	// HoldMusic is a WAV file (8 kHz mono, 16-bit PCM, µ-law or A-law) for queue and
	// hold music; empty plays the built-in chord loop.
	HoldMusic string
}

// Defaults fills zero fields: 127.0.0.1, ports 10000–19999, a 30 s media timeout, the
// European ringback.
func (c *Config) Defaults() {
	if c.RTPIP == "" {
		c.RTPIP = "127.0.0.1"
	}
	if c.RTPPortMin == 0 {
		c.RTPPortMin = 10000
	}
	if c.RTPPortMax == 0 {
		c.RTPPortMax = 20000
	}
	if c.MediaTimeout == 0 {
		c.MediaTimeout = DefaultMediaTimeout
	}
	if c.Ringback == "" {
		c.Ringback = RingbackEU.String()
	}
}

// Validate reports a configuration that cannot work. It does not open HoldMusic; the
// caller loads it with OpenWAV and reports that error with the file's name.
func (c Config) Validate() error {
	if _, err := c.PortPool(); err != nil {
		return err
	}
	if _, err := ParseRingback(c.Ringback); err != nil {
		return err
	}
	return nil
}

// PortPool returns the pool configuration of the RTP range.
func (c Config) PortPool() (PortPoolConfig, error) {
	pc := PortPoolConfig{Min: c.RTPPortMin, Max: c.RTPPortMax}
	if c.RTPIP != "" {
		ip, err := netip.ParseAddr(c.RTPIP)
		if err != nil {
			return pc, fmt.Errorf("media rtp ip %q: %w", c.RTPIP, ErrInvalidConfig)
		}
		pc.IP = ip
	}
	return pc, pc.Validate()
}
