package webrtc

import (
	"fmt"
	"sync"

	"github.com/omnigate/omnigate/media"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// sendTrack is the leg's outgoing audio: what the agent hears. It plays the part of
// pion's TrackLocalStaticRTP (the packet goes out with our sequence numbers and
// timestamps; pion sets only the SSRC), with one difference that matters to a
// contact centre: TrackLocalStaticRTP stamps every packet with the bound codec's
// payload type, so a telephone-event packet relayed from a SIP caller would reach the
// browser as a burst of µ-law noise. sendTrack keeps the payload type the caller set,
// provided the negotiation bound it: the audio codec or telephone-event.
type sendTrack struct {
	id, streamID string

	mu      sync.RWMutex
	bindID  string // "" while unbound
	ssrc    uint32
	audioPT uint8 // what the leg calls the audio codec (its static type) …
	outPT   uint8 // … and what the binding sends it as
	dtmfPT  uint8 // the leg's telephone-event payload type, 0 if none
	outDTMF uint8 // the binding's telephone-event payload type
	want    media.Codec
	chosen  bool // prefer has run: want, audioPT and dtmfPT come from the answer
	w       webrtc.TrackLocalWriter
	hdr     rtp.Header // scratch copy, so the caller's packet is left as it was
}

var _ webrtc.TrackLocal = (*sendTrack)(nil)

func newSendTrack(id, streamID string) *sendTrack {
	return &sendTrack{id: id, streamID: streamID, want: media.PCMU}
}

// prefer sets the codec the next Bind should choose and the payload types the leg
// will write: the outcome of reading the browser's answer.
func (t *sendTrack) prefer(n negotiated) {
	t.mu.Lock()
	t.want, t.chosen = n.codec, true
	t.audioPT, _ = n.codec.StaticPayloadType()
	t.dtmfPT = n.dtmfPT
	t.mu.Unlock()
}

// Bind is called by pion when the sender starts (after DTLS is up). It picks the
// codec the answer chose, or failing that the first G.711 law pion negotiated.
func (t *sendTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var audio, dtmf *webrtc.RTPCodecParameters
	params := ctx.CodecParameters()
	for i := range params {
		switch c := codecOf(params[i].RTPCodecCapability); {
		case c == t.want:
			audio = &params[i]
		case c.IsAudio() && audio == nil:
			audio = &params[i]
		case c == media.TelephoneEvent && dtmf == nil:
			dtmf = &params[i]
		}
	}
	if audio == nil {
		return webrtc.RTPCodecParameters{}, fmt.Errorf("bind %s: %w", t.id, webrtc.ErrUnsupportedCodec)
	}
	t.bindID = ctx.ID()
	t.ssrc = uint32(ctx.SSRC())
	t.outPT = uint8(audio.PayloadType)
	t.outDTMF = 0
	if dtmf != nil {
		t.outDTMF = uint8(dtmf.PayloadType)
	}
	if !t.chosen {
		// Bound before any answer was read (cannot happen through Answer, but pion
		// decides when Bind runs): speak what was bound.
		t.want = codecOf(audio.RTPCodecCapability)
		t.audioPT, _ = t.want.StaticPayloadType()
	}
	t.w = ctx.WriteStream()
	return *audio, nil
}

// Unbind is called by pion when the sender stops.
func (t *sendTrack) Unbind(ctx webrtc.TrackLocalContext) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.bindID != ctx.ID() {
		return webrtc.ErrUnbindFailed
	}
	t.bindID, t.w = "", nil
	return nil
}

func (t *sendTrack) ID() string                { return t.id }
func (t *sendTrack) RID() string               { return "" }
func (t *sendTrack) StreamID() string          { return t.streamID }
func (t *sendTrack) Kind() webrtc.RTPCodecType { return webrtc.RTPCodecTypeAudio }

// writeRTP sends p with the binding's SSRC and payload type and returns the bytes
// put on the wire before SRTP. It does not change p. Before pion has bound the
// track (negotiation or DTLS not finished) it returns media.ErrNoRemote.
func (t *sendTrack) writeRTP(p *rtp.Packet) (int, error) {
	t.mu.Lock() // the scratch header is shared
	defer t.mu.Unlock()
	if t.w == nil {
		return 0, media.ErrNoRemote
	}
	t.hdr = p.Header
	switch pt := p.PayloadType; {
	case pt == t.audioPT:
		t.hdr.PayloadType = t.outPT
	case t.dtmfPT != 0 && pt == t.dtmfPT && t.outDTMF != 0:
		t.hdr.PayloadType = t.outDTMF
	default:
		return 0, fmt.Errorf("payload type %d on %s: %w", pt, t.id, media.ErrUnsupportedCodec)
	}
	t.hdr.SSRC = t.ssrc
	// The padding length lives on the packet; the writer takes header and payload
	// apart, as TrackLocalStaticRTP notes too.
	if p.PaddingSize != 0 && t.hdr.PaddingSize == 0 {
		t.hdr.PaddingSize = p.PaddingSize
	}
	return t.w.WriteRTP(&t.hdr, p.Payload)
}
