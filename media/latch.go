package media

import (
	"net/netip"
	"time"
)

// latch is the symmetric-RTP state of a SIP leg (RFC 4961 in spirit; what SBCs call
// "comedia"): media goes back to where the far end's media comes from, because the
// address in its SDP is often a private one behind NAT.
//
//	unlatched -packet from any source->        latched(src)
//	latched   -packet from src->               latched(src)        (a new SSRC resets stats only)
//	latched   -packet from other, src quiet ≥ guard-> latched(other)  (media moved: carrier switch)
//	latched   -packet from other, src active-> latched(src)        (ignored: stray or spoofed)
type latch struct {
	ok   bool
	src  netip.AddrPort
	last time.Time // last packet accepted from src
}

type latchVerdict uint8

const (
	latchAccept  latchVerdict = iota // from the latched source
	latchNew                         // (re)latched to this packet's source
	latchIgnored                     // from another source while the latched one is active
)

// next is the whole latch machine: a pure function of the state, the packet's source
// and the time.
func (l latch) next(src netip.AddrPort, now time.Time, guard time.Duration) (latch, latchVerdict) {
	switch {
	case !l.ok:
		return latch{ok: true, src: src, last: now}, latchNew
	case src == l.src:
		l.last = now
		return l, latchAccept
	case now.Sub(l.last) >= guard:
		return latch{ok: true, src: src, last: now}, latchNew
	}
	return l, latchIgnored
}
