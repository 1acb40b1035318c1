package media

import (
	"time"

	"github.com/pion/rtp"
)

// Leg is one party's media: a SIP RTP socket or a WebRTC track pair.
//
// A leg has one reader and one writer at a time. The reader is whoever relays its
// audio (a Bridge, or a mixer); the writer is the leg's Outbound, which a Player or a
// Bridge claims. A leg outlives the bridges it takes part in: an agent's WebRTC leg
// lives the whole shift.
//
// ReadRTP and WriteRTP are the per-packet path and must not allocate: the caller owns
// the packet struct and the buffer, so one of each is reused for every packet.
type Leg interface {
	// ID names the leg in logs.
	ID() string
	// Codec is the negotiated audio codec; its static payload type is the one the leg
	// sends and expects for audio.
	Codec() Codec
	// DTMFPayloadType is the negotiated telephone-event payload type, or 0 when the
	// peer did not offer RFC 4733 (0 is PCMU's static type, so it is never dynamic).
	DTMFPayloadType() uint8
	// ReadRTP blocks for the next packet from the far end and unmarshals it into p.
	// The payload aliases buf, which must hold a whole packet (1500 bytes is enough).
	// It returns os.ErrDeadlineExceeded once the read deadline has passed, and
	// ErrClosed (or io.EOF) when the leg is closed.
	ReadRTP(p *rtp.Packet, buf []byte) error
	// SetReadDeadline makes a blocked or later ReadRTP return os.ErrDeadlineExceeded
	// after t; the zero time removes the deadline. A Bridge uses it to stop reading
	// without closing the leg.
	SetReadDeadline(t time.Time) error
	// WriteRTP sends p to the far end as it is: SSRC, sequence number and timestamp
	// are the caller's (an Outbound's) business.
	WriteRTP(p *rtp.Packet) error
	// Stats returns the leg's counters and quality estimate.
	Stats() LegStats
	// Close stops the leg and frees its sockets or tracks; ReadRTP then returns
	// ErrClosed. It waits for the leg's own goroutines.
	Close() error
}

// LegStats are one leg's counters since it was created. Counters are cumulative, for
// the metrics package to turn into rates.
type LegStats struct {
	// PacketsIn and BytesIn count RTP packets accepted from the far end (whole
	// packets, header included).
	PacketsIn, BytesIn uint64
	// PacketsOut and BytesOut count RTP packets sent to the far end.
	PacketsOut, BytesOut uint64
	// Expected is the number of packets the far end's sequence numbers say it sent
	// (RFC 3550 A.3, summed over its SSRCs).
	Expected uint64
	// Lost is Expected minus packets received; it can be negative with duplicates.
	Lost int64
	// Jitter is the RFC 3550 A.8 interarrival jitter of the audio stream.
	Jitter time.Duration
	// MOS is the E-model estimate of listening quality, 1–4.5 (see EstimateMOS).
	MOS float64
	// Ignored counts RTP from a source other than the latched one.
	Ignored uint64
	// Rejected counts datagrams that were not acceptable RTP: too short, not version
	// 2, unknown payload type, or a sequence number outside the RFC 3550 A.1 window.
	Rejected uint64
	// Dropped counts accepted packets thrown away because nobody read them in time.
	Dropped uint64
	// RTCPIn counts RTCP packets received (on the RTCP port or muxed).
	RTCPIn uint64
	// RemoteFractionLost is the share of our stream the far end said it lost in its
	// last RTCP report block (0–1).
	RemoteFractionLost float64
	// RemoteJitter is the jitter of our stream the far end reported.
	RemoteJitter time.Duration
	// LastPacket is when the last RTP packet was accepted; zero before the first.
	LastPacket time.Time
}
