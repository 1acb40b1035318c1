package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// frames reads n frames of src and returns them decoded.
func frames(t *testing.T, src CodecSource, n int) [][]int16 {
	t.Helper()
	out := make([][]int16, n)
	buf := make([]byte, FrameSamples)
	for i := range out {
		k, err := src.NextFrame(buf)
		if err != nil || k != FrameSamples {
			t.Fatalf("frame %d: %d, %v", i, k, err)
		}
		out[i] = make([]int16, k)
		Decode(src.Codec(), out[i], buf[:k])
	}
	return out
}

func rms(pcm []int16) float64 {
	var s float64
	for _, x := range pcm {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s / float64(len(pcm)))
}

// goertzel returns the power of frequency hz in pcm, normalised by length.
func goertzel(pcm []int16, hz float64) float64 {
	w := 2 * math.Pi * hz / ClockRate
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, x := range pcm {
		s := float64(x) + c*s1 - s2
		s2, s1 = s1, s
	}
	return (s1*s1 + s2*s2 - c*s1*s2) / float64(len(pcm)*len(pcm))
}

func concat(fs [][]int16) []int16 {
	var out []int16
	for _, f := range fs {
		out = append(out, f...)
	}
	return out
}

func TestRingbackCadence(t *testing.T) {
	tests := []struct {
		r       Ringback
		on, off int // frames
		tones   []float64
	}{
		{RingbackEU, 50, 200, []float64{425}},
		{RingbackUS, 100, 200, []float64{440, 480}},
	}
	for _, tt := range tests {
		for _, c := range []Codec{PCMU, PCMA} {
			src, err := NewRingback(tt.r, c)
			if err != nil {
				t.Fatal(err)
			}
			cycle := tt.on + tt.off
			fs := frames(t, src, cycle+1)
			for i, f := range fs[:cycle] {
				loud := rms(f) > 1000
				if loud != (i < tt.on) {
					t.Fatalf("%v/%v: frame %d rms %.0f: on=%v", tt.r, c, i, rms(f), i < tt.on)
				}
			}
			on := concat(fs[:tt.on])
			off := goertzel(on, 350)
			for _, hz := range tt.tones {
				if p := goertzel(on, hz); p < 100*off {
					t.Errorf("%v/%v: %v Hz power %.0f, 350 Hz %.0f", tt.r, c, hz, p, off)
				}
			}
			if !equalPCM(fs[cycle], fs[0]) {
				t.Errorf("%v/%v: cadence does not loop", tt.r, c)
			}
		}
	}
	if _, err := NewRingback(RingbackEU, TelephoneEvent); !errors.Is(err, ErrUnsupportedCodec) {
		t.Errorf("ringback in telephone-event: %v", err)
	}
	if _, err := NewRingback(Ringback(9), PCMU); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("ringback 9: %v", err)
	}
	for _, s := range []string{"eu", "us"} {
		if r, err := ParseRingback(s); err != nil || r.String() != s {
			t.Errorf("ParseRingback(%q) = %v, %v", s, r, err)
		}
	}
	if _, err := ParseRingback("uk"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("ParseRingback(uk): %v", err)
	}
}

func equalPCM(a, b []int16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestHoldMusic(t *testing.T) {
	src, err := NewHoldMusic(PCMA)
	if err != nil {
		t.Fatal(err)
	}
	const loop = 8 * 50 // frames
	fs := frames(t, src, loop+1)
	all := concat(fs[:loop])
	if r := rms(all); r < 1000 || r > 8000 {
		t.Errorf("rms %.0f: too quiet or too loud", r)
	}
	peak := 0
	for _, x := range all {
		peak = max(peak, abs(int(x)))
	}
	if peak > 20000 {
		t.Errorf("peak %d: risks clipping", peak)
	}
	for i := 0; i < loop; i += 25 { // never more than half a second of silence
		if rms(concat(fs[i:i+25])) < 300 {
			t.Errorf("near-silent half second at frame %d", i)
		}
	}
	// The first chord is C major: C5 carries far more energy than a note outside it.
	c := concat(fs[:100])
	if goertzel(c, 523.25) < 20*goertzel(c, 466.16) {
		t.Error("first chord is not C major")
	}
	// The seam: the loop ends and starts near silence, so it does not click.
	if abs(int(all[0])) > 200 || abs(int(all[len(all)-1])) > 200 {
		t.Errorf("seam %d … %d", all[len(all)-1], all[0])
	}
	if !equalPCM(fs[loop], fs[0]) {
		t.Error("music does not loop")
	}
	shared, _ := NewHoldMusic(PCMA)
	if shared.clip != src.clip {
		t.Error("hold music clip not shared between players")
	}
}

func TestLooperWrapsMidFrame(t *testing.T) {
	pcm := make([]int16, 250) // not a multiple of a frame
	for i := range pcm {
		pcm[i] = int16(i * 100)
	}
	clip, err := NewClip(PCMU, pcm)
	if err != nil {
		t.Fatal(err)
	}
	if clip.Duration() != 31250000 { // 250/8000 s
		t.Errorf("duration %v", clip.Duration())
	}
	l := clip.Loop()
	buf := make([]byte, FrameSamples)
	var got []byte
	for range 5 {
		n, err := l.NextFrame(buf)
		if err != nil || n != FrameSamples {
			t.Fatal(n, err)
		}
		got = append(got, buf[:n]...)
	}
	for i, b := range got {
		if b != clip.data[i%len(clip.data)] {
			t.Fatalf("byte %d: 0x%02x, want 0x%02x", i, b, clip.data[i%len(clip.data)])
		}
	}
	if _, err := l.NextFrame(make([]byte, 10)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("short buffer: %v", err)
	}
	if _, err := NewClip(PCMU, nil); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("empty clip: %v", err)
	}
	if _, err := NewClip(CN, pcm); !errors.Is(err, ErrUnsupportedCodec) {
		t.Errorf("CN clip: %v", err)
	}
}

// wavSpec describes a WAV file for makeWAV.
type wavSpec struct {
	tag        uint16
	channels   uint16
	rate       uint32
	bits       uint16
	extensible bool
	listChunk  bool // an odd-sized LIST chunk before the data
	dataSize   int  // -1: the real size
}

func makeWAV(s wavSpec, data []byte) []byte {
	var fmtChunk bytes.Buffer
	le := binary.LittleEndian
	tag := s.tag
	if s.extensible {
		tag = wavExtensible
	}
	block := s.channels * s.bits / 8
	_ = binary.Write(&fmtChunk, le, struct {
		Tag, Channels   uint16
		Rate, ByteRate  uint32
		BlockAlign, Bit uint16
	}{tag, s.channels, s.rate, s.rate * uint32(block), block, s.bits})
	if s.extensible {
		_ = binary.Write(&fmtChunk, le, struct {
			CbSize, Valid uint16
			Mask          uint32
			Sub           uint16
			Rest          [14]byte
		}{22, s.bits, 4, s.tag, [14]byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}})
	}
	var body bytes.Buffer
	body.WriteString("WAVE")
	chunk := func(id string, b []byte, size int) {
		body.WriteString(id)
		_ = binary.Write(&body, le, uint32(size))
		body.Write(b)
		if len(b)%2 == 1 {
			body.WriteByte(0)
		}
	}
	chunk("fmt ", fmtChunk.Bytes(), fmtChunk.Len())
	if s.listChunk {
		chunk("LIST", []byte("INFOx"), 5)
	}
	size := len(data)
	if s.dataSize >= 0 {
		size = s.dataSize
	}
	chunk("data", data, size)
	var out bytes.Buffer
	out.WriteString("RIFF")
	_ = binary.Write(&out, le, uint32(body.Len()))
	out.Write(body.Bytes())
	return out.Bytes()
}

func sinePCM(n int, hz, amp float64) []int16 {
	pcm := make([]int16, n)
	for i := range pcm {
		pcm[i] = int16(amp * math.Sin(2*math.Pi*hz*float64(i)/ClockRate))
	}
	return pcm
}

func TestReadWAV(t *testing.T) {
	pcm := sinePCM(800, 1000, 12000)
	pcmBytes := make([]byte, 2*len(pcm))
	for i, x := range pcm {
		binary.LittleEndian.PutUint16(pcmBytes[2*i:], uint16(x))
	}
	ulaw := make([]byte, len(pcm))
	Encode(PCMU, ulaw, pcm)
	alaw := make([]byte, len(pcm))
	Encode(PCMA, alaw, pcm)

	tests := []struct {
		name string
		spec wavSpec
		data []byte
	}{
		{"16-bit PCM", wavSpec{tag: wavPCM, channels: 1, rate: 8000, bits: 16, dataSize: -1}, pcmBytes},
		{"16-bit PCM, extensible, LIST chunk", wavSpec{tag: wavPCM, channels: 1, rate: 8000, bits: 16, extensible: true, listChunk: true, dataSize: -1}, pcmBytes},
		{"µ-law", wavSpec{tag: wavMuLaw, channels: 1, rate: 8000, bits: 8, dataSize: -1}, ulaw},
		{"A-law", wavSpec{tag: wavALaw, channels: 1, rate: 8000, bits: 8, dataSize: -1}, alaw},
		{"streamed: data size 0xFFFFFFFF", wavSpec{tag: wavMuLaw, channels: 1, rate: 8000, bits: 8, dataSize: 0x7FFFFFFF}, ulaw},
	}
	for _, tt := range tests {
		for _, c := range []Codec{PCMU, PCMA} {
			clip, err := ReadWAV(bytes.NewReader(makeWAV(tt.spec, tt.data)), c)
			if err != nil {
				t.Fatalf("%s → %v: %v", tt.name, c, err)
			}
			if clip.Codec() != c || len(clip.data) != len(pcm) {
				t.Fatalf("%s → %v: %v, %d bytes", tt.name, c, clip.Codec(), len(clip.data))
			}
			got := make([]int16, len(clip.data))
			Decode(c, got, clip.data)
			for i := range pcm {
				// Two quantisations at most (file law, then ours).
				if d := abs(int(got[i]) - int(pcm[i])); d > 2*g711Bound(c, int(pcm[i])) {
					t.Fatalf("%s → %v: sample %d: %d, want %d", tt.name, c, i, got[i], pcm[i])
				}
			}
		}
	}
}

func TestReadWAVErrors(t *testing.T) {
	ok := wavSpec{tag: wavPCM, channels: 1, rate: 8000, bits: 16, dataSize: -1}
	data := make([]byte, 320)
	mod := func(f func(*wavSpec)) []byte {
		s := ok
		f(&s)
		return makeWAV(s, data)
	}
	tests := []struct {
		name string
		file []byte
		say  string // the error must say what the file is
	}{
		{"44.1 kHz", mod(func(s *wavSpec) { s.rate = 44100 }), "44100 Hz"},
		{"stereo", mod(func(s *wavSpec) { s.channels = 2 }), "2 channel"},
		{"8-bit PCM", mod(func(s *wavSpec) { s.bits = 8 }), "8-bit PCM"},
		{"24-bit PCM", mod(func(s *wavSpec) { s.bits = 24 }), "24-bit PCM"},
		{"MP3", mod(func(s *wavSpec) { s.tag = 0x55 }), "format 0x0055"},
		{"extensible float", mod(func(s *wavSpec) { s.tag = 3; s.extensible = true; s.bits = 32 }), "format 0x0003"},
		{"not RIFF", []byte("ID3\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00"), "not a RIFF"},
		{"short header", []byte("RIFF"), "short RIFF"},
		{"no data chunk", makeWAV(ok, data)[:36], "no data chunk"},
		{"empty data", makeWAV(ok, nil), "no audio"},
		{"data before fmt", []byte("RIFF\x10\x00\x00\x00WAVEdata\x00\x00\x00\x00"), "data before fmt"},
		{"tiny fmt", []byte("RIFF\x10\x00\x00\x00WAVEfmt \x02\x00\x00\x00\x01\x00"), "fmt chunk of 2 bytes"},
		{"skipped chunk cut short", []byte("RIFF\x10\x00\x00\x00WAVEjunk\xff\x00\x00\x00ab"), "cut short"},
	}
	for _, tt := range tests {
		_, err := ReadWAV(bytes.NewReader(tt.file), PCMU)
		if !errors.Is(err, ErrWAVFormat) || !strings.Contains(err.Error(), tt.say) {
			t.Errorf("%s: %v; want ErrWAVFormat saying %q", tt.name, err, tt.say)
		}
	}
	if _, err := ReadWAV(bytes.NewReader(makeWAV(ok, data)), TelephoneEvent); !errors.Is(err, ErrUnsupportedCodec) {
		t.Errorf("to telephone-event: %v", err)
	}
	// Cut short inside the data chunk: what is there plays.
	if clip, err := ReadWAV(bytes.NewReader(makeWAV(ok, data)[:44+100]), PCMU); err != nil || len(clip.data) != 50 {
		t.Errorf("truncated data: %v", err)
	}
}

func TestOpenWAV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prompt.wav")
	pcm := sinePCM(1600, 440, 8000)
	raw := make([]byte, 2*len(pcm))
	for i, x := range pcm {
		binary.LittleEndian.PutUint16(raw[2*i:], uint16(x))
	}
	if err := os.WriteFile(path, makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 8000, bits: 16, dataSize: -1}, raw), 0o600); err != nil {
		t.Fatal(err)
	}
	clip, err := OpenWAV(path, PCMU)
	if err != nil {
		t.Fatal(err)
	}
	if clip.Duration().Milliseconds() != 200 {
		t.Errorf("duration %v", clip.Duration())
	}
	fs := frames(t, clip.Loop(), 11)
	if !equalPCM(fs[10], fs[0]) {
		t.Error("WAV clip does not loop")
	}
	if _, err := OpenWAV(filepath.Join(t.TempDir(), "missing.wav"), PCMU); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
