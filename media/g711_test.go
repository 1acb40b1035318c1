package media

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"testing"
)

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// g711Bound is the largest error G.711 may make on x: half a quantisation step of x's
// segment (a step is 1/16 of the segment's lower edge, so half a step is within
// (|x|+offset)/32), the low bits each law ignores, and the clipping above the
// largest code.
func g711Bound(c Codec, x int) int {
	ax := abs(x)
	var b, top int
	if c == PCMU {
		b, top = (ax+132)/32+4, 32124
	} else {
		b, top = ax/32+16, 32256
	}
	if ax > top {
		b += ax - top
	}
	return b
}

func TestG711RoundTripAllSamples(t *testing.T) {
	for _, c := range []Codec{PCMU, PCMA} {
		enc, dec := ULawEncode, ULawDecode
		if c == PCMA {
			enc, dec = ALawEncode, ALawDecode
		}
		prev := math.MinInt
		for x := math.MinInt16; x <= math.MaxInt16; x++ {
			y := int(dec(enc(int16(x))))
			if err := abs(y - x); err > g711Bound(c, x) {
				t.Fatalf("%v: %d → %d: error %d > bound %d", c, x, y, err, g711Bound(c, x))
			}
			if y < prev { // the quantiser never runs backwards
				t.Fatalf("%v: not monotonic at %d: %d < %d", c, x, y, prev)
			}
			prev = y
			if (x >= 0) != (y >= 0) && y != 0 {
				t.Fatalf("%v: sign flipped: %d → %d", c, x, y)
			}
		}
	}
}

func TestG711CodesAreFixedPoints(t *testing.T) {
	for code := range 256 {
		for _, c := range []Codec{PCMU, PCMA} {
			enc, dec := ULawEncode, ULawDecode
			if c == PCMA {
				enc, dec = ALawEncode, ALawDecode
			}
			v := dec(byte(code))
			if got := dec(enc(v)); got != v {
				t.Errorf("%v code 0x%02x: decode %d re-encodes to %d", c, code, v, got)
			}
		}
	}
}

func TestG711KnownVectors(t *testing.T) {
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"µ-law encode 0", int(ULawEncode(0)), 0xFF},
		{"µ-law decode 0xFF", int(ULawDecode(0xFF)), 0},
		{"µ-law decode 0x7F (negative zero)", int(ULawDecode(0x7F)), 0},
		{"µ-law decode 0x80 (max)", int(ULawDecode(0x80)), 32124},
		{"µ-law decode 0x00 (min)", int(ULawDecode(0x00)), -32124},
		{"µ-law encode max", int(ULawEncode(math.MaxInt16)), 0x80},
		{"µ-law encode min", int(ULawEncode(math.MinInt16)), 0x00},
		{"µ-law encode 1000", int(ULawEncode(1000)), 0xCE},
		{"A-law encode 0", int(ALawEncode(0)), 0xD5},
		{"A-law decode 0xD5", int(ALawDecode(0xD5)), 8},
		{"A-law decode 0x55", int(ALawDecode(0x55)), -8},
		{"A-law decode 0xAA (max)", int(ALawDecode(0xAA)), 32256},
		{"A-law decode 0x2A (min)", int(ALawDecode(0x2A)), -32256},
		{"A-law encode max", int(ALawEncode(math.MaxInt16)), 0xAA},
		{"A-law encode min", int(ALawEncode(math.MinInt16)), 0x2A},
		{"A-law encode 1000", int(ALawEncode(1000)), 0xFA},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %#x (%d), want %#x (%d)", tt.name, tt.got, tt.got, tt.want, tt.want)
		}
	}
	if silenceByte(PCMU) != ULawEncode(0) || silenceByte(PCMA) != ALawEncode(0) {
		t.Error("silenceByte disagrees with the encoders")
	}
}

func TestTranscodeStable(t *testing.T) {
	for u := range 256 {
		b := []byte{byte(u)}
		Transcode(PCMU, PCMA, b)
		a := b[0]
		Transcode(PCMA, PCMU, b)
		u2 := b[0]
		// One trip may move a code to its nearest neighbour in the other law; a second
		// trip must change nothing.
		b[0] = u2
		Transcode(PCMU, PCMA, b)
		if b[0] != a {
			t.Errorf("µ 0x%02x → A 0x%02x → µ 0x%02x → A 0x%02x: not stable", u, a, u2, b[0])
		}
		x, y := int(ULawDecode(byte(u))), int(ULawDecode(u2))
		if d := abs(x - y); d > g711Bound(PCMA, x)+g711Bound(PCMU, x) {
			t.Errorf("µ 0x%02x (%d) → µ 0x%02x (%d): moved %d", u, x, u2, y, d)
		}
		if want := ALawEncode(ULawDecode(byte(u))); a != want {
			t.Errorf("µ 0x%02x → A 0x%02x, decode-then-encode gives 0x%02x", u, a, want)
		}
	}
	for a := range 256 {
		b := []byte{byte(a)}
		Transcode(PCMA, PCMU, b)
		if want := ULawEncode(ALawDecode(byte(a))); b[0] != want {
			t.Errorf("A 0x%02x → µ 0x%02x, want 0x%02x", a, b[0], want)
		}
	}
	if Transcode(PCMU, PCMU, []byte{1}) || Transcode(PCMU, TelephoneEvent, []byte{1}) {
		t.Error("Transcode between non-different G.711 codecs reported work")
	}
}

func TestEncodeDecodeSlices(t *testing.T) {
	pcm := []int16{0, 100, -100, 3000, -3000, 32767, -32768}
	for _, c := range []Codec{PCMU, PCMA} {
		enc := make([]byte, len(pcm))
		if n := Encode(c, enc, pcm); n != len(pcm) {
			t.Fatalf("%v: Encode = %d", c, n)
		}
		dec := make([]int16, len(enc))
		if n := Decode(c, dec, enc); n != len(enc) {
			t.Fatalf("%v: Decode = %d", c, n)
		}
		for i := range pcm {
			if abs(int(dec[i])-int(pcm[i])) > g711Bound(c, int(pcm[i])) {
				t.Errorf("%v: %d → %d", c, pcm[i], dec[i])
			}
		}
	}
	if Encode(CN, make([]byte, 4), make([]int16, 4)) != 0 || Decode(TelephoneEvent, make([]int16, 4), make([]byte, 4)) != 0 {
		t.Error("non-G.711 codec was coded")
	}
	if Encode(PCMU, make([]byte, 1), make([]int16, 2)) != 0 || Decode(PCMU, make([]int16, 1), make([]byte, 2)) != 0 {
		t.Error("short destination was written")
	}
}

var sinkByte byte
var sinkInt16 int16

func BenchmarkULawEncode(b *testing.B) {
	var acc byte
	for i := range b.N {
		acc ^= ULawEncode(int16(i))
	}
	sinkByte = acc
}

func BenchmarkALawEncode(b *testing.B) {
	var acc byte
	for i := range b.N {
		acc ^= ALawEncode(int16(i))
	}
	sinkByte = acc
}

func BenchmarkULawDecode(b *testing.B) {
	var acc int16
	for i := range b.N {
		acc ^= ULawDecode(byte(i))
	}
	sinkInt16 = acc
}

// BenchmarkTranscodeFrame is one 20 ms PCMU frame to PCMA, the relay's extra work
// when the legs' codecs differ.
func BenchmarkTranscodeFrame(b *testing.B) {
	frame := make([]byte, FrameSamples)
	for i := range frame {
		frame[i] = byte(i)
	}
	b.SetBytes(FrameSamples)
	for range b.N {
		Transcode(PCMU, PCMA, frame)
	}
}

func BenchmarkEncodeFrame(b *testing.B) {
	pcm := make([]int16, FrameSamples)
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(float64(i)/5))
	}
	out := make([]byte, FrameSamples)
	b.SetBytes(FrameSamples)
	for range b.N {
		Encode(PCMU, out, pcm)
	}
}

// TestG711MatchesReference compares every code with digests of CPython's audioop
// (lin2ulaw, lin2alaw, ulaw2lin, alaw2lin on 16-bit little-endian), an independent
// implementation of the same Recommendation, taken once when this test was written.
func TestG711MatchesReference(t *testing.T) {
	var enc [2][]byte
	for x := math.MinInt16; x <= math.MaxInt16; x++ {
		enc[0] = append(enc[0], ULawEncode(int16(x)))
		enc[1] = append(enc[1], ALawEncode(int16(x)))
	}
	var dec [2][]byte
	for c := range 256 {
		dec[0] = binary.LittleEndian.AppendUint16(dec[0], uint16(ULawDecode(byte(c))))
		dec[1] = binary.LittleEndian.AppendUint16(dec[1], uint16(ALawDecode(byte(c))))
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"µ-law encode", enc[0], "81d633c9e6972a18c74a58720b96cb8ca0bdd096d4060b646dd708c3b846019a"},
		{"A-law encode", enc[1], "38488f6fd710f4686360edc4d38639f96c491595ef93f8eb8d62d5e07ca6ce7b"},
		{"µ-law decode", dec[0], "3dab54339e520bb2c924826e3b72a917a2b612e9fd12fc867500f1d983a75827"},
		{"A-law decode", dec[1], "e04788d110e58ff8c70c93b8480190d973e3b67876b6119abbaec766cc75c174"},
	}
	for _, tt := range tests {
		sum := sha256.Sum256(tt.data)
		if got := hex.EncodeToString(sum[:]); got != tt.want {
			t.Errorf("%s: sha256 %s, reference %s", tt.name, got, tt.want)
		}
	}
}
