package media

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/pion/rtp"
)

// Outbound is the send side of one leg: the single RTP stream the far end hears,
// whoever feeds it. Ringback from a Player, then the agent through a Bridge, then hold
// music, then the agent again: the far end sees one SSRC whose sequence numbers and
// timestamps run on without a jump backwards, as SRTP replay protection and every
// jitter buffer require (GATEWAY.md §6).
//
// Create exactly one Outbound per leg, with the leg, and keep it as long as the leg.
// A feeder takes the stream with Claim; the newest claim wins and older writers get
// ErrSuperseded, so a Bridge can take over from a Player that has not stopped yet.
//
// Rewriting: within one source the output is the input shifted by fixed offsets, so
// the far end still sees the gaps of packets lost upstream. When the source changes
// (a new claim, or the input SSRC changes as when a carrier switches media servers),
// the offsets are re-based: the next sequence number follows the last one sent, the
// timestamp advances by the wall-clock time since the last packet (at least one
// frame), and the marker bit flags the new talkspurt.
type Outbound struct {
	leg  Leg
	ssrc uint32

	mu      sync.Mutex
	gen     uint64 // current claim
	fresh   bool   // the next packet starts a new source
	started bool   // a packet has been sent
	srcSSRC uint32
	seqOff  uint16
	tsOff   uint32
	lastSeq uint16
	lastTS  uint32
	lastAt  time.Time
	stats   OutboundStats
}

// OutboundStats counts what an Outbound did.
type OutboundStats struct {
	// Packets counts packets handed to the leg.
	Packets uint64
	// Rebases counts source switches (claims and SSRC changes) the stream absorbed.
	Rebases uint64
	// Superseded counts writes refused because a newer claim owned the stream.
	Superseded uint64
	// Errors counts writes the leg failed (no remote yet, socket errors).
	Errors uint64
}

// NewOutbound returns the send side of leg with a random SSRC and random initial
// sequence number and timestamp (RFC 3550 §5.1).
func NewOutbound(leg Leg) *Outbound {
	return &Outbound{
		leg:     leg,
		ssrc:    rand.Uint32(),
		fresh:   true,
		lastSeq: uint16(rand.Uint32()),
		lastTS:  rand.Uint32(),
	}
}

// Leg returns the leg this stream is sent on.
func (o *Outbound) Leg() Leg { return o.leg }

// SSRC returns the stream's SSRC, fixed for the leg's life.
func (o *Outbound) SSRC() uint32 { return o.ssrc }

// Stats returns the stream's counters.
func (o *Outbound) Stats() OutboundStats {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stats
}

// Claim makes the caller the stream's writer: the next packet it writes starts a new
// source, and earlier claims' writes fail with ErrSuperseded.
func (o *Outbound) Claim() Writer {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.gen++
	o.fresh = true
	return Writer{o: o, gen: o.gen}
}

// Writer is one claim on an Outbound. The zero Writer is not usable.
type Writer struct {
	o   *Outbound
	gen uint64
}

// WriteRTP rewrites p onto the leg's stream and sends it: SSRC, sequence number,
// timestamp and (on a source switch) the marker bit are set; CSRCs, header extensions
// and padding are dropped, since they belong to the hop they came from. The payload
// type is the caller's. It returns ErrSuperseded once a newer claim owns the stream.
func (w Writer) WriteRTP(p *rtp.Packet) error {
	return w.o.write(w.gen, p, time.Now())
}

// Drop tells the stream that one packet of the current source will not be written
// (a telephone-event the far leg did not negotiate, comfort noise), so the far end
// does not count our own filtering as loss.
func (w Writer) Drop() {
	o := w.o
	o.mu.Lock()
	if w.gen == o.gen && !o.fresh {
		o.seqOff--
	}
	o.mu.Unlock()
}

func (o *Outbound) write(gen uint64, p *rtp.Packet, now time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if gen != o.gen {
		o.stats.Superseded++
		return ErrSuperseded
	}
	o.rewrite(p, now)
	if err := o.leg.WriteRTP(p); err != nil {
		o.stats.Errors++
		return err
	}
	o.stats.Packets++
	return nil
}

// rewrite maps p onto the outgoing stream; o.mu is held.
func (o *Outbound) rewrite(p *rtp.Packet, now time.Time) {
	if o.fresh || p.SSRC != o.srcSSRC {
		gap := uint32(FrameSamples)
		if o.started {
			if g := now.Sub(o.lastAt) * ClockRate / time.Second; g > FrameSamples {
				gap = uint32(g)
			}
		}
		// The first packet of a fresh Outbound continues from the random initial
		// values as if one frame had been sent before it.
		o.seqOff = o.lastSeq + 1 - p.SequenceNumber
		o.tsOff = o.lastTS + gap - p.Timestamp
		o.srcSSRC = p.SSRC
		o.fresh = false
		o.stats.Rebases++
		p.Marker = true
	}
	seq := p.SequenceNumber + o.seqOff
	ts := p.Timestamp + o.tsOff
	if !o.started || int16(seq-o.lastSeq) > 0 {
		o.lastSeq = seq
	}
	if !o.started || int32(ts-o.lastTS) > 0 {
		o.lastTS = ts
	}
	o.lastAt = now
	o.started = true

	p.Version = 2
	p.SSRC = o.ssrc
	p.SequenceNumber = seq
	p.Timestamp = ts
	p.CSRC = p.CSRC[:0]
	p.Extension = false
	p.Extensions = p.Extensions[:0]
	p.ExtensionProfile = 0
	p.Padding = false
	p.Header.PaddingSize = 0
	p.PaddingSize = 0
}
