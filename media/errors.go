package media

import (
	"errors"
	"net"
)

var (
	// ErrClosed is returned by a closed leg, pool or player. It is net.ErrClosed, so
	// errors.Is works whichever of the two names a caller checks.
	ErrClosed = net.ErrClosed
	// ErrPortsExhausted is returned when no RTP/RTCP port pair of the range can be bound.
	ErrPortsExhausted = errors.New("rtp port range exhausted")
	// ErrNoRemote is returned by a write before the leg knows where to send (no SDP
	// address yet and nothing latched).
	ErrNoRemote = errors.New("no remote media address")
	// ErrSuperseded is returned to a writer whose claim on a leg's outbound stream was
	// taken over by a newer writer (a Bridge replacing a Player, say).
	ErrSuperseded = errors.New("outbound stream claimed by another writer")
	// ErrMalformed is returned for a packet or payload that does not parse.
	ErrMalformed = errors.New("malformed packet")
	// ErrUnsupportedCodec is returned when a codec cannot be used where it was asked for.
	ErrUnsupportedCodec = errors.New("unsupported codec")
	// ErrWAVFormat is returned for a WAV file that is not 8 kHz mono 16-bit PCM, µ-law
	// or A-law, or that is not a WAV file at all.
	ErrWAVFormat = errors.New("unsupported WAV format")
	// ErrInvalidConfig is returned by Validate for a configuration that cannot work.
	ErrInvalidConfig = errors.New("invalid media config")
)
