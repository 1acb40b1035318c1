package media

import (
	"fmt"
	"io"
	"time"
)

// Source produces 20 ms frames of G.711 audio in the codec chosen when it was created.
// A Source is used by one goroutine (a Player) at a time.
type Source interface {
	// NextFrame writes the next frame (FrameSamples bytes) into dst and returns its
	// length. io.EOF ends a source that does not loop.
	NextFrame(dst []byte) (int, error)
}

// CodecSource is a Source that says which codec its frames are in; a Player uses it to
// transcode when the leg speaks the other G.711 law.
type CodecSource interface {
	Source
	Codec() Codec
}

// Clip is immutable G.711 audio in one codec. One Clip (a ringback cadence, the hold
// music, a prompt read from a WAV file) is shared by every call that plays it; each
// player reads it through its own Looper.
type Clip struct {
	codec Codec
	data  []byte
}

// NewClip encodes linear 8 kHz samples into a clip of codec c (PCMU or PCMA).
func NewClip(c Codec, pcm []int16) (*Clip, error) {
	if !c.IsAudio() {
		return nil, fmt.Errorf("clip in %v: %w", c, ErrUnsupportedCodec)
	}
	if len(pcm) == 0 {
		return nil, fmt.Errorf("clip: no samples: %w", ErrInvalidConfig)
	}
	data := make([]byte, len(pcm))
	Encode(c, data, pcm)
	return &Clip{codec: c, data: data}, nil
}

// Codec returns the codec of the clip's bytes.
func (c *Clip) Codec() Codec { return c.codec }

// Duration returns the clip's length.
func (c *Clip) Duration() time.Duration {
	return time.Duration(len(c.data)) * time.Second / ClockRate
}

// Loop returns a Source that plays the clip from its start, forever.
func (c *Clip) Loop() *Looper { return &Looper{clip: c} }

// Looper plays a Clip round and round: a frame that crosses the clip's end continues
// from its start, so a clip of any length loops without a click.
type Looper struct {
	clip *Clip
	pos  int
}

// Codec returns the clip's codec.
func (l *Looper) Codec() Codec { return l.clip.codec }

// NextFrame copies the next FrameSamples bytes of the clip into dst.
func (l *Looper) NextFrame(dst []byte) (int, error) {
	if len(dst) < FrameSamples {
		return 0, io.ErrShortBuffer
	}
	data := l.clip.data
	n := 0
	for n < FrameSamples {
		c := copy(dst[n:FrameSamples], data[l.pos:])
		n += c
		l.pos += c
		if l.pos == len(data) {
			l.pos = 0
		}
	}
	return n, nil
}
