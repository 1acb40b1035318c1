package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// WAV format tags (RFC 2361 appendix A).
const (
	wavPCM        = 0x0001
	wavALaw       = 0x0006
	wavMuLaw      = 0x0007
	wavExtensible = 0xFFFE
)

// maxWAVData caps what one file may hold (about 35 minutes of 16-bit 8 kHz audio), so
// a header that claims gigabytes cannot make us allocate them.
const maxWAVData = 32 << 20

// OpenWAV reads a WAV file into a clip in codec c; see ReadWAV.
func OpenWAV(path string, c Codec) (*Clip, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open wav %s: %w", path, err)
	}
	defer f.Close()
	clip, err := ReadWAV(f, c)
	if err != nil {
		return nil, fmt.Errorf("read wav %s: %w", path, err)
	}
	return clip, nil
}

// ReadWAV reads a RIFF/WAVE stream into a clip in codec c (PCMU or PCMA). The stream
// must be 8000 Hz mono: 16-bit PCM, 8-bit µ-law or 8-bit A-law (plain or
// WAVE_FORMAT_EXTENSIBLE). Anything else fails with an error that says what the file
// holds, wrapping ErrWAVFormat. A data chunk cut short is accepted as far as it goes.
func ReadWAV(r io.Reader, c Codec) (*Clip, error) {
	if !c.IsAudio() {
		return nil, fmt.Errorf("wav to %v: %w", c, ErrUnsupportedCodec)
	}
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("wav: short RIFF header: %w", ErrWAVFormat)
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, fmt.Errorf("wav: not a RIFF/WAVE stream: %w", ErrWAVFormat)
	}
	var f *wavFormat
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return nil, fmt.Errorf("wav: no data chunk: %w", ErrWAVFormat)
		}
		id, size := string(ch[0:4]), binary.LittleEndian.Uint32(ch[4:8])
		switch id {
		case "fmt ":
			if f != nil {
				return nil, fmt.Errorf("wav: two fmt chunks: %w", ErrWAVFormat)
			}
			var err error
			if f, err = readWAVFormat(r, size); err != nil {
				return nil, err
			}
		case "data":
			if f == nil {
				return nil, fmt.Errorf("wav: data before fmt: %w", ErrWAVFormat)
			}
			return readWAVData(r, size, f, c)
		default: // LIST, fact, cue …: skip, with the RIFF pad byte
			if _, err := io.CopyN(io.Discard, r, int64(size)+int64(size&1)); err != nil {
				return nil, fmt.Errorf("wav: chunk %q cut short: %w", id, ErrWAVFormat)
			}
		}
	}
}

type wavFormat struct {
	tag      uint16
	channels uint16
	rate     uint32
	bits     uint16
}

func (f *wavFormat) String() string {
	name := fmt.Sprintf("format 0x%04x", f.tag)
	switch f.tag {
	case wavPCM:
		name = "PCM"
	case wavMuLaw:
		name = "µ-law"
	case wavALaw:
		name = "A-law"
	}
	return fmt.Sprintf("%d Hz, %d channel(s), %d-bit %s", f.rate, f.channels, f.bits, name)
}

func readWAVFormat(r io.Reader, size uint32) (*wavFormat, error) {
	if size < 16 || size > 1024 {
		return nil, fmt.Errorf("wav: fmt chunk of %d bytes: %w", size, ErrWAVFormat)
	}
	b := make([]byte, size+size&1)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("wav: fmt chunk cut short: %w", ErrWAVFormat)
	}
	f := &wavFormat{
		tag:      binary.LittleEndian.Uint16(b[0:2]),
		channels: binary.LittleEndian.Uint16(b[2:4]),
		rate:     binary.LittleEndian.Uint32(b[4:8]),
		bits:     binary.LittleEndian.Uint16(b[14:16]),
	}
	if f.tag == wavExtensible {
		// cbSize(2) validBits(2) channelMask(4) then the sub-format GUID, whose first
		// two bytes are the plain format tag.
		if size < 40 {
			return nil, fmt.Errorf("wav: extensible fmt chunk of %d bytes: %w", size, ErrWAVFormat)
		}
		f.tag = binary.LittleEndian.Uint16(b[24:26])
	}
	ok := f.rate == ClockRate && f.channels == 1 &&
		(f.tag == wavPCM && f.bits == 16 || (f.tag == wavMuLaw || f.tag == wavALaw) && f.bits == 8)
	if !ok {
		return nil, fmt.Errorf("wav: %v: %w (want 8000 Hz mono 16-bit PCM, µ-law or A-law)", f, ErrWAVFormat)
	}
	return f, nil
}

func readWAVData(r io.Reader, size uint32, f *wavFormat, c Codec) (*Clip, error) {
	if size > maxWAVData {
		// Streamed writers put 0xFFFFFFFF here; read up to the cap and refuse more.
		size = maxWAVData + 1
	}
	raw, err := io.ReadAll(io.LimitReader(r, int64(size)))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("wav: read data: %w", err)
	}
	if len(raw) > maxWAVData {
		return nil, fmt.Errorf("wav: more than %d bytes of audio: %w", maxWAVData, ErrWAVFormat)
	}
	var data []byte
	switch f.tag {
	case wavPCM:
		pcm := make([]int16, len(raw)/2)
		for i := range pcm {
			pcm[i] = int16(binary.LittleEndian.Uint16(raw[2*i:]))
		}
		data = make([]byte, len(pcm))
		Encode(c, data, pcm)
	case wavMuLaw:
		data = raw
		Transcode(PCMU, c, data)
	case wavALaw:
		data = raw
		Transcode(PCMA, c, data)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("wav: no audio samples: %w", ErrWAVFormat)
	}
	return &Clip{codec: c, data: data}, nil
}
