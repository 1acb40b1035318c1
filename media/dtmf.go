package media

import "github.com/pion/rtp"

// DTMFDetector turns a stream of telephone-event packets into key presses, each
// reported once. All packets of one event carry the event's start timestamp (RFC 4733
// §2.5.1.2) and the end packet is sent three times (§2.5.1.4), so an event is keyed by
// (SSRC, timestamp), never by the marker bit, which may be lost with the first packet.
// The zero value is ready; it is not safe for concurrent use (one per direction).
type DTMFDetector struct {
	ssrc uint32
	ts   uint32
	seen bool
}

// Feed takes one telephone-event packet (the caller has matched the payload type) and
// returns the digit when the packet starts a new event. Packets that do not parse or
// carry a non-DTMF event return false.
func (d *DTMFDetector) Feed(p *rtp.Packet) (byte, bool) { return d.feed(&p.Header, p.Payload) }

// feed is Feed on a header and payload already taken apart (an RTP leg's reader).
func (d *DTMFDetector) feed(h *rtp.Header, payload []byte) (byte, bool) {
	var ev DTMFEvent
	if ev.Unmarshal(payload) != nil {
		return 0, false
	}
	// A late repeat of an earlier event (reordered behind a newer one) is not news
	// either: only a timestamp after the last event's starts a new one.
	if d.seen && h.SSRC == d.ssrc && int32(h.Timestamp-d.ts) <= 0 {
		return 0, false
	}
	digit, ok := EventDigit(ev.Event)
	if !ok {
		return 0, false
	}
	d.seen, d.ssrc, d.ts = true, h.SSRC, h.Timestamp
	return digit, true
}
