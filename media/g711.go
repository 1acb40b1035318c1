package media

// G.711 (ITU-T G.711, 11/88) written from the segment description in the
// Recommendation: µ-law with a bias of 33 on 14-bit magnitudes, A-law with 13-bit
// magnitudes and even-bit inversion (0x55). Decoding is a 256-entry table lookup;
// encoding is a table lookup indexed by the top bits of the linear sample, the tables
// being filled at start-up by the segment arithmetic below. Transcoding PCMU↔PCMA is a
// direct 256-byte table, so a relay that transcodes costs one lookup per byte.

var (
	ulawToLinear [256]int16
	alawToLinear [256]int16
	// linearToULaw is indexed by the 14 most significant bits of a sample (x >> 2),
	// which is all µ-law looks at.
	linearToULaw [1 << 14]byte
	// linearToALaw is indexed by the 13 most significant bits of a sample (x >> 3).
	linearToALaw [1 << 13]byte
	ulawToALaw   [256]byte
	alawToULaw   [256]byte
)

func init() {
	for i := range 256 {
		ulawToLinear[i] = ulawDecode(byte(i))
		alawToLinear[i] = alawDecode(byte(i))
	}
	for i := range 1 << 14 {
		// i is the unsigned index of the signed 14-bit value x>>2.
		linearToULaw[i] = ulawEncode(int16(uint16(i) << 2))
	}
	for i := range 1 << 13 {
		linearToALaw[i] = alawEncode(int16(uint16(i) << 3))
	}
	for i := range 256 {
		ulawToALaw[i] = linearToALaw[uint16(ulawToLinear[i])>>3]
		alawToULaw[i] = linearToULaw[uint16(alawToLinear[i])>>2]
	}
}

// ulawEncode is the µ-law segment arithmetic on the 14-bit magnitude.
func ulawEncode(x int16) byte {
	const (
		bias = 0x21 // 33: 0x84 in 16-bit terms
		clip = 8159 // 8191 - bias: the largest magnitude that still fits segment 7
	)
	v := int(x) >> 2
	mask := byte(0xFF)
	if v < 0 {
		v = -v
		mask = 0x7F
	}
	if v > clip {
		v = clip
	}
	v += bias
	seg := 0
	for t := v >> 6; t != 0; t >>= 1 { // segment s ≥ 1 holds biased magnitudes [32<<s, 64<<s)
		seg++
	}
	if seg > 7 { // only the clipped maximum lands here
		return 0x7F ^ mask
	}
	return byte(seg<<4|(v>>(seg+1))&0x0F) ^ mask
}

func ulawDecode(u byte) int16 {
	u = ^u
	t := (int(u&0x0F)<<3 + 0x84) << ((u & 0x70) >> 4)
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

// alawEncode is the A-law segment arithmetic on the 13-bit magnitude.
func alawEncode(x int16) byte {
	v := int(x) >> 3
	mask := byte(0xD5) // sign bit set for positive values, even bits inverted
	if v < 0 {
		v = -v - 1
		mask = 0x55
	}
	seg := 0
	for t := v >> 5; t != 0 && seg < 7; t >>= 1 { // segment s ≥ 1 holds [16<<s, 32<<s)
		seg++
	}
	if v >= 0x1000 { // beyond segment 7: clip
		return 0x7F ^ mask
	}
	var a int
	if seg < 2 {
		a = seg<<4 | (v>>1)&0x0F
	} else {
		a = seg<<4 | (v>>seg)&0x0F
	}
	return byte(a) ^ mask
}

func alawDecode(a byte) int16 {
	a ^= 0x55
	t := int(a&0x0F) << 4
	switch seg := (a & 0x70) >> 4; seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t = (t + 0x108) << (seg - 1)
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// ULawEncode returns the µ-law code of a 16-bit linear sample.
func ULawEncode(x int16) byte { return linearToULaw[uint16(x)>>2] }

// ULawDecode returns the 16-bit linear value of a µ-law code.
func ULawDecode(u byte) int16 { return ulawToLinear[u] }

// ALawEncode returns the A-law code of a 16-bit linear sample.
func ALawEncode(x int16) byte { return linearToALaw[uint16(x)>>3] }

// ALawDecode returns the 16-bit linear value of an A-law code.
func ALawDecode(a byte) int16 { return alawToLinear[a] }

// Encode writes the G.711 codes of pcm into dst (len(dst) ≥ len(pcm)) and returns the
// number written. It returns 0 for a codec that is not G.711.
func Encode(c Codec, dst []byte, pcm []int16) int {
	if len(dst) < len(pcm) {
		return 0
	}
	dst = dst[:len(pcm)]
	switch c {
	case PCMU:
		for i, x := range pcm {
			dst[i] = linearToULaw[uint16(x)>>2]
		}
	case PCMA:
		for i, x := range pcm {
			dst[i] = linearToALaw[uint16(x)>>3]
		}
	default:
		return 0
	}
	return len(pcm)
}

// Decode writes the linear samples of the G.711 payload src into dst
// (len(dst) ≥ len(src)) and returns the number written, 0 for a codec that is not G.711.
func Decode(c Codec, dst []int16, src []byte) int {
	if len(dst) < len(src) {
		return 0
	}
	var t *[256]int16
	switch c {
	case PCMU:
		t = &ulawToLinear
	case PCMA:
		t = &alawToLinear
	default:
		return 0
	}
	dst = dst[:len(src)]
	for i, b := range src {
		dst[i] = t[b]
	}
	return len(src)
}

// Transcode rewrites a G.711 payload in place from one law to the other. Same codecs,
// or codecs that are not G.711, leave it untouched and return false.
func Transcode(from, to Codec, payload []byte) bool {
	var t *[256]byte
	switch {
	case from == PCMU && to == PCMA:
		t = &ulawToALaw
	case from == PCMA && to == PCMU:
		t = &alawToULaw
	default:
		return false
	}
	for i, b := range payload {
		payload[i] = t[b]
	}
	return true
}

// silenceByte returns the G.711 code for linear zero.
func silenceByte(c Codec) byte {
	if c == PCMA {
		return 0xD5
	}
	return 0xFF
}
