package media

import "time"

// RFC 3550 Appendix A.1 constants.
const (
	maxDropout  = 3000
	maxMisorder = 100
	seqMod      = 1 << 16
)

// rxStats is the receive side of RFC 3550 for one leg: sequence validation and loss
// (A.1, A.3) and interarrival jitter (A.8). When the far end's SSRC changes, the
// counts of the old source are folded into the totals and tracking starts afresh.
// It is owned by the leg's reader goroutine; the leg copies it under a lock for Stats.
type rxStats struct {
	started bool
	ssrc    uint32
	maxSeq  uint16
	cycles  uint32
	baseSeq uint32
	badSeq  uint32
	// received counts packets of the current SSRC since its (re)initialisation.
	received uint64
	// priorExpected and priorReceived hold the finished SSRCs' totals.
	priorExpected uint64
	priorReceived uint64

	haveTransit bool
	transit     int64   // arrival − RTP timestamp of the previous audio packet, in clock units
	jitter      float64 // A.8's J, in clock units
}

// update runs A.1's update_seq for a packet and reports whether it is valid. A packet
// far outside the window is refused until a second one follows it in sequence, which
// means the source restarted.
func (s *rxStats) update(ssrc uint32, seq uint16) bool {
	if !s.started || ssrc != s.ssrc {
		s.fold()
		s.started, s.ssrc = true, ssrc
		s.initSeq(seq)
		s.received = 1
		return true
	}
	udelta := seq - s.maxSeq
	switch {
	case udelta < maxDropout:
		if seq < s.maxSeq { // in order with a permissible gap, wrapped
			s.cycles += seqMod
		}
		s.maxSeq = seq
	case uint32(udelta) <= seqMod-maxMisorder:
		if uint32(seq) != s.badSeq {
			s.badSeq = (uint32(seq) + 1) & (seqMod - 1)
			return false
		}
		// Two sequential packets after a jump: the source restarted its numbering.
		s.fold()
		s.initSeq(seq)
	default:
		// Duplicate or reordered within the misorder window: counted, not tracked.
	}
	s.received++
	return true
}

func (s *rxStats) initSeq(seq uint16) {
	s.baseSeq = uint32(seq)
	s.maxSeq = seq
	s.badSeq = seqMod + 1
	s.cycles = 0
	s.received = 0
	s.haveTransit = false
}

// fold moves the current source's counts into the totals.
func (s *rxStats) fold() {
	if !s.started {
		return
	}
	s.priorExpected += s.expectedNow()
	s.priorReceived += s.received
	s.received = 0
}

func (s *rxStats) expectedNow() uint64 {
	return uint64(s.cycles) + uint64(s.maxSeq) - uint64(s.baseSeq) + 1
}

// expected and lost are the A.3 totals over every source seen.
func (s *rxStats) expected() uint64 {
	if !s.started {
		return s.priorExpected
	}
	return s.priorExpected + s.expectedNow()
}

func (s *rxStats) lost() int64 {
	return int64(s.expected()) - int64(s.priorReceived+s.received)
}

// arrival feeds A.8 with an audio packet's arrival time (in clock units since any
// fixed origin) and RTP timestamp. Telephone-event packets must not be fed: they
// repeat the event's start timestamp.
func (s *rxStats) arrival(arrivalUnits int64, ts uint32) {
	transit := arrivalUnits - int64(ts)
	if s.haveTransit {
		d := transit - s.transit
		// The RTP timestamp wraps at 2^32; keep the difference in its 32-bit range.
		d = int64(int32(d))
		if d < 0 {
			d = -d
		}
		s.jitter += (float64(d) - s.jitter) / 16
	}
	s.transit, s.haveTransit = transit, true
}

func (s *rxStats) jitterDuration() time.Duration {
	return time.Duration(s.jitter * float64(time.Second) / ClockRate)
}
