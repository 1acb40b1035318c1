package media

import (
	"encoding/binary"
	"fmt"
)

// DTMFEventSize is the length of one RFC 4733 §2.3 event payload.
const DTMFEventSize = 4

// DTMFEvent is the RFC 4733 §2.3 named-event payload:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     event     |E|R| volume    |          duration             |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type DTMFEvent struct {
	// Event is the event code; 0–15 are the DTMF digits (RFC 4733 §3.2).
	Event uint8
	// End marks the final packet(s) of the event; senders repeat it three times.
	End bool
	// Volume is the power level in −dBm0, 0–63 (§2.5.2.2). Larger is quieter.
	Volume uint8
	// Duration is the event's length so far in RTP clock units (§2.5.2.3).
	Duration uint16
}

// Unmarshal parses the first event of b. Extra bytes (RFC 2198 redundancy handled
// elsewhere, or padding) are ignored. The R bit is ignored, as §2.3 asks of receivers.
func (e *DTMFEvent) Unmarshal(b []byte) error {
	if len(b) < DTMFEventSize {
		return fmt.Errorf("telephone-event: %d bytes: %w", len(b), ErrMalformed)
	}
	e.Event = b[0]
	e.End = b[1]&0x80 != 0
	e.Volume = b[1] & 0x3F
	e.Duration = binary.BigEndian.Uint16(b[2:4])
	return nil
}

// MarshalTo writes the event into b and returns DTMFEventSize. The R bit is
// always zero and Volume is truncated to its 6 bits.
func (e DTMFEvent) MarshalTo(b []byte) (int, error) {
	if len(b) < DTMFEventSize {
		return 0, fmt.Errorf("telephone-event: buffer of %d bytes: %w", len(b), ErrMalformed)
	}
	b[0] = e.Event
	b[1] = e.Volume & 0x3F
	if e.End {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:4], e.Duration)
	return DTMFEventSize, nil
}

// dtmfDigits maps RFC 4733 §3.2 event codes 0–15 to their keys.
const dtmfDigits = "0123456789*#ABCD"

// EventDigit returns the key of a DTMF event code ('0'–'9', '*', '#', 'A'–'D'), and
// false for codes that are not DTMF digits (flash and the tones of §3.3 and up).
func EventDigit(event uint8) (byte, bool) {
	if int(event) >= len(dtmfDigits) {
		return 0, false
	}
	return dtmfDigits[event], true
}

// DigitEvent is the inverse of EventDigit; lower-case 'a'–'d' are accepted.
func DigitEvent(digit byte) (uint8, bool) {
	if digit >= 'a' && digit <= 'd' {
		digit -= 'a' - 'A'
	}
	for i := range len(dtmfDigits) {
		if dtmfDigits[i] == digit {
			return uint8(i), true
		}
	}
	return 0, false
}
