package media

import (
	"fmt"
	"math"
	"strconv"
	"sync"
)

// Ringback selects a national ringback cadence (ITU-T E.180 Supplement 2).
type Ringback uint8

const (
	// RingbackEU is the CEPT tone: 425 Hz, 1 s on, 4 s off.
	RingbackEU Ringback = iota
	// RingbackUS is the North American tone: 440 + 480 Hz, 2 s on, 4 s off.
	RingbackUS
)

func (r Ringback) String() string {
	switch r {
	case RingbackEU:
		return "eu"
	case RingbackUS:
		return "us"
	}
	return "ringback(" + strconv.Itoa(int(r)) + ")"
}

// ParseRingback maps a config value ("eu", "us") to a Ringback.
func ParseRingback(s string) (Ringback, error) {
	for _, r := range []Ringback{RingbackEU, RingbackUS} {
		if r.String() == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("ringback %q: %w", s, ErrInvalidConfig)
}

// Generated clips are built once per codec and shared: a whole cadence is a few tens
// of kilobytes, so a thousand ringing calls cost one table, not a thousand.
var (
	ringbackClips [2][2]lazyClip // [Ringback][codec index]
	musicClips    [2]lazyClip
)

type lazyClip struct {
	once sync.Once
	clip *Clip
}

func (l *lazyClip) get(c Codec, gen func() []int16) *Clip {
	l.once.Do(func() {
		l.clip, _ = NewClip(c, gen()) // c is checked by the caller; gen never returns empty
	})
	return l.clip
}

func codecIndex(c Codec) (int, error) {
	switch c {
	case PCMU:
		return 0, nil
	case PCMA:
		return 1, nil
	}
	return 0, fmt.Errorf("generated audio in %v: %w", c, ErrUnsupportedCodec)
}

// NewRingback returns a looping ringback tone in codec c.
func NewRingback(r Ringback, c Codec) (*Looper, error) {
	ci, err := codecIndex(c)
	if err != nil {
		return nil, err
	}
	if r > RingbackUS {
		return nil, fmt.Errorf("%v: %w", r, ErrInvalidConfig)
	}
	return ringbackClips[r][ci].get(c, func() []int16 { return ringbackPCM(r) }).Loop(), nil
}

// ringbackPCM renders one cadence. Both tones complete whole cycles in their "on"
// period (425 Hz × 1 s, 440/480 Hz × 2 s), so the loop has no discontinuity.
func ringbackPCM(r Ringback) []int16 {
	type tone struct {
		hz  []float64
		amp float64 // per component: about −13 dBm0 single, −19 dBm0 each for the pair
		on  int     // seconds
		off int
	}
	t := tone{hz: []float64{425}, amp: 5000, on: 1, off: 4}
	if r == RingbackUS {
		t = tone{hz: []float64{440, 480}, amp: 2500, on: 2, off: 4}
	}
	pcm := make([]int16, (t.on+t.off)*ClockRate)
	for i := range t.on * ClockRate {
		var v float64
		for _, hz := range t.hz {
			v += t.amp * math.Sin(2*math.Pi*hz*float64(i)/ClockRate)
		}
		pcm[i] = int16(v)
	}
	return pcm
}

// NewHoldMusic returns looping queue/hold music in codec c: an eight-second I–V–vi–IV
// progression in C major, a soft pad under an arpeggio, pitched above 500 Hz so the
// telephone band (300–3400 Hz) keeps it.
func NewHoldMusic(c Codec) (*Looper, error) {
	ci, err := codecIndex(c)
	if err != nil {
		return nil, err
	}
	return musicClips[ci].get(c, holdMusicPCM).Loop(), nil
}

func holdMusicPCM() []int16 {
	const (
		chordLen = 2 * ClockRate // samples per chord
		noteLen  = chordLen / 4  // four arpeggio notes per chord
		padAmp   = 1400.0
		arpAmp   = 3800.0
	)
	// Triads an octave above middle C, then the arpeggio: root, third, fifth, octave.
	chords := [4][4]float64{
		{523.25, 659.26, 783.99, 1046.50}, // C
		{392.00, 493.88, 587.33, 783.99},  // G
		{440.00, 523.25, 659.26, 880.00},  // Am
		{349.23, 440.00, 523.25, 698.46},  // F
	}
	// voice is a sine with a quieter octave partial for warmth.
	voice := func(hz float64, i int) float64 {
		ph := 2 * math.Pi * hz * float64(i) / ClockRate
		return math.Sin(ph) + 0.25*math.Sin(2*ph)
	}
	// env rises over attack samples, falls to zero over the last release samples.
	env := func(i, n, attack, release int) float64 {
		switch {
		case i < attack:
			return float64(i) / float64(attack)
		case i >= n-release:
			return float64(n-i) / float64(release)
		}
		return 1
	}
	pcm := make([]int16, len(chords)*chordLen)
	for ci, ch := range chords {
		base := ci * chordLen
		for i := range chordLen {
			pad := 0.0
			for _, hz := range ch[:3] {
				pad += voice(hz, i)
			}
			pad *= padAmp * env(i, chordLen, ClockRate/4, ClockRate/4)
			ni := i % noteLen
			hz := ch[i/noteLen]
			decay := math.Exp(-3 * float64(ni) / noteLen)
			arp := arpAmp * voice(hz, ni) * decay * env(ni, noteLen, 80, 240)
			pcm[base+i] = int16(pad + arp)
		}
	}
	return pcm
}
