package media

import (
	"math"
	"testing"
	"time"
)

func TestRxStatsLoss(t *testing.T) {
	tests := []struct {
		name         string
		ssrc         []uint32 // per packet; nil = all 1
		seqs         []uint16
		wantValid    int
		wantExpected uint64
		wantLost     int64
	}{
		{"in order", nil, []uint16{10, 11, 12, 13}, 4, 4, 0},
		{"two lost", nil, []uint16{10, 11, 14, 15}, 4, 6, 2},
		{"wrap around 65535", nil, []uint16{65534, 65535, 0, 1}, 4, 4, 0},
		{"wrap with a loss", nil, []uint16{65534, 0, 1}, 3, 4, 1},
		{"reordered", nil, []uint16{10, 12, 11, 13}, 4, 4, 0},
		{"duplicate: lost goes negative", nil, []uint16{10, 11, 11, 12}, 4, 3, -1},
		{"one wild packet refused", nil, []uint16{10, 11, 40000, 12, 13}, 4, 4, 0},
		{"restart: two sequential after a jump", nil, []uint16{10, 11, 40000, 40001, 40002}, 4, 2 + 2, 0},
		{"new SSRC folds the old one", []uint32{1, 1, 1, 2, 2}, []uint16{10, 11, 13, 500, 501}, 5, 4 + 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s rxStats
			valid := 0
			for i, seq := range tt.seqs {
				ssrc := uint32(1)
				if tt.ssrc != nil {
					ssrc = tt.ssrc[i]
				}
				if s.update(ssrc, seq) {
					valid++
				}
			}
			if valid != tt.wantValid || s.expected() != tt.wantExpected || s.lost() != tt.wantLost {
				t.Errorf("valid %d expected %d lost %d; want %d %d %d",
					valid, s.expected(), s.lost(), tt.wantValid, tt.wantExpected, tt.wantLost)
			}
		})
	}
}

func TestRxStatsJitter(t *testing.T) {
	var s rxStats
	// Perfectly paced: no jitter.
	for i := range 100 {
		s.arrival(int64(i*160), uint32(1000+i*160))
	}
	if s.jitter != 0 {
		t.Errorf("paced stream: jitter %v", s.jitter)
	}
	// Alternating ±80 units (±10 ms): |D| = 160 each time; J converges to 160.
	s = rxStats{}
	for i := range 2000 {
		off := int64(80)
		if i%2 == 1 {
			off = -80
		}
		s.arrival(int64(i*160)+off, uint32(i*160))
	}
	if math.Abs(s.jitter-160) > 1 {
		t.Errorf("jitter %.2f units, want 160", s.jitter)
	}
	if d := s.jitterDuration(); d < 19*time.Millisecond || d > 21*time.Millisecond {
		t.Errorf("jitter %v, want 20ms", d)
	}
	// Timestamp wrap is not a jump.
	s = rxStats{}
	s.arrival(0, math.MaxUint32-159)
	s.arrival(160, 0)
	if s.jitter != 0 {
		t.Errorf("wrap: jitter %v", s.jitter)
	}
}

func TestEstimateMOS(t *testing.T) {
	tests := []struct {
		name     string
		loss     float64
		jitter   time.Duration
		rtt      time.Duration
		min, max float64
	}{
		{"clean", 0, 0, 0, 4.35, 4.45},
		{"1 % loss", 0.01, 0, 0, 4.25, 4.35},
		{"5 % loss", 0.05, 0, 0, 3.8, 4.0},
		{"30 ms jitter", 0, 30 * time.Millisecond, 0, 4.3, 4.4},
		{"long delay", 0, 50 * time.Millisecond, 400 * time.Millisecond, 3.0, 3.9},
		{"everything lost", 1, 0, 0, 1, 1.6},
		{"nonsense loss clamps", 7, 0, 0, 1, 1.6},
	}
	for _, tt := range tests {
		if got := EstimateMOS(tt.loss, tt.jitter, tt.rtt); got < tt.min || got > tt.max {
			t.Errorf("%s: MOS %.2f not in [%.2f, %.2f] (R %.1f)", tt.name, got, tt.min, tt.max, RFactor(tt.loss, tt.jitter, tt.rtt))
		}
	}
	if MOSFromR(-5) != 1 || MOSFromR(120) != 4.5 {
		t.Error("MOSFromR does not clamp")
	}
}

func TestParseRTCP(t *testing.T) {
	rr := []byte{
		0x81, 201, 0x00, 0x07, // V=2 RC=1 RR, length 7 (32 bytes)
		0, 0, 0, 1, // sender SSRC
		0xAA, 0xBB, 0xCC, 0xDD, // report block: SSRC
		64, 0, 0, 9, // fraction lost 64/256, cumulative 9
		0, 0, 0x10, 0x00, // highest seq
		0, 0, 0x01, 0x40, // jitter 320
		0, 0, 0, 0, 0, 0, 0, 0, // LSR, DLSR
	}
	sdes := []byte{0x81, 202, 0x00, 0x01, 0, 0, 0, 1}
	sr := []byte{
		0x81, 200, 0x00, 0x0C, // SR, RC=1, length 12 (52 bytes)
		0, 0, 0, 1,
		1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, // sender info
		0xAA, 0xBB, 0xCC, 0xDD, 128, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0,
	}
	tests := []struct {
		name string
		b    []byte
		want rtcpReport
		ok   bool
	}{
		{"RR", rr, rtcpReport{fractionLost: 64, jitter: 320}, true},
		{"SDES then RR (compound)", append(append([]byte{}, sdes...), rr...), rtcpReport{fractionLost: 64, jitter: 320}, true},
		{"SR", sr, rtcpReport{fractionLost: 128, jitter: 80}, true},
		{"SDES only", sdes, rtcpReport{}, false},
		{"RR with no blocks", []byte{0x80, 201, 0, 1, 0, 0, 0, 1}, rtcpReport{}, false},
		{"length past the end", rr[:20], rtcpReport{}, false},
		{"version 1", append([]byte{0x41}, rr[1:]...), rtcpReport{}, false},
		{"empty", nil, rtcpReport{}, false},
	}
	for _, tt := range tests {
		got, ok := parseRTCP(tt.b)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: %+v %v, want %+v %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if !isRTCP(rr) || isRTCP([]byte{0x80, 0}) || isRTCP([]byte{0x80, 0x80 | 8}) {
		t.Error("isRTCP misclassifies")
	}
}
