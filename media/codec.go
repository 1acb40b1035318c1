package media

import (
	"strconv"
	"strings"
	"time"
)

// Codec is an RTP payload format the gateway understands. For the G.711 codecs the
// value is their static RTP payload type (RFC 3551 §6), so PCMU is also the zero
// value: a leg that says nothing speaks PCMU. telephone-event has no static payload
// type; the one a peer uses is negotiated in SDP and carried next to the codec (see
// Leg.DTMFPayloadType).
type Codec uint8

const (
	// PCMU is G.711 µ-law, static payload type 0.
	PCMU Codec = 0
	// PCMA is G.711 A-law, static payload type 8.
	PCMA Codec = 8
	// CN is comfort noise (RFC 3389), static payload type 13. The relay drops it.
	CN Codec = 13
	// TelephoneEvent is RFC 4733 DTMF. Its value lies outside the 7-bit payload type
	// space on purpose: the payload type is dynamic (DefaultDTMFPayloadType by habit).
	TelephoneEvent Codec = 128
	// CodecUnknown is what ParseCodec returns for a name we do not handle.
	CodecUnknown Codec = 255
)

// DefaultDTMFPayloadType is the dynamic payload type most peers (and browsers) use for
// telephone-event. Use the negotiated one whenever SDP says otherwise.
const DefaultDTMFPayloadType uint8 = 101

// Frame geometry for every codec here: 8 kHz, one byte per sample, 20 ms packets.
const (
	// ClockRate is the RTP clock of G.711 and telephone-event.
	ClockRate = 8000
	// FrameDuration is the packetisation time the gateway sends (a=ptime:20).
	FrameDuration = 20 * time.Millisecond
	// FrameSamples is the number of samples (and G.711 bytes) in one 20 ms frame.
	FrameSamples = ClockRate / 50 // ClockRate × FrameDuration
)

// String returns the SDP encoding name, e.g. "PCMU".
func (c Codec) String() string {
	switch c {
	case PCMU:
		return "PCMU"
	case PCMA:
		return "PCMA"
	case CN:
		return "CN"
	case TelephoneEvent:
		return "telephone-event"
	}
	return "unknown(" + strconv.Itoa(int(c)) + ")"
}

// ClockRate returns the codec's RTP clock rate in Hz, or 0 for an unknown codec.
func (c Codec) ClockRate() uint32 {
	switch c {
	case PCMU, PCMA, CN, TelephoneEvent:
		return ClockRate
	}
	return 0
}

// RTPMap returns the a=rtpmap value after the payload type, e.g. "PCMA/8000".
func (c Codec) RTPMap() string {
	if c.ClockRate() == 0 {
		return ""
	}
	return c.String() + "/" + strconv.Itoa(int(c.ClockRate()))
}

// StaticPayloadType returns the RFC 3551 payload type, and false for codecs whose
// payload type is dynamic or unknown.
func (c Codec) StaticPayloadType() (uint8, bool) {
	switch c {
	case PCMU, PCMA, CN:
		return uint8(c), true
	}
	return 0, false
}

// IsAudio reports whether the codec carries audio samples the gateway can decode.
func (c Codec) IsAudio() bool { return c == PCMU || c == PCMA }

// ParseCodec maps an SDP rtpmap encoding name and clock rate ("PCMU", 8000) to a
// Codec. Names are case-insensitive (RFC 4855 §3). A clock of 0 means "not given" and
// takes the codec's only rate.
func ParseCodec(name string, clock uint32) Codec {
	var c Codec
	switch {
	case strings.EqualFold(name, "PCMU"):
		c = PCMU
	case strings.EqualFold(name, "PCMA"):
		c = PCMA
	case strings.EqualFold(name, "CN"):
		c = CN
	case strings.EqualFold(name, "telephone-event"):
		c = TelephoneEvent
	default:
		return CodecUnknown
	}
	if clock != 0 && clock != c.ClockRate() {
		return CodecUnknown
	}
	return c
}
