package webrtc

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/omnigate/omnigate/media"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// attrRTPMap is the SDP attribute naming a payload type (RFC 8866 §6.6).
const attrRTPMap = "rtpmap"

// mimeTelephoneEvent is RFC 4733 DTMF; pion has no constant for it.
const mimeTelephoneEvent = "audio/telephone-event"

// audioCodecs are the only codecs a leg offers, in order of preference: G.711 both
// ways means a SIP call is relayed to the agent without transcoding (GATEWAY.md §0),
// and with Opus absent from the MediaEngine a browser cannot pick it. No CN: the
// relay would only drop it.
var audioCodecs = []webrtc.RTPCodecParameters{
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: media.ClockRate}, PayloadType: webrtc.PayloadType(media.PCMU)},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: media.ClockRate}, PayloadType: webrtc.PayloadType(media.PCMA)},
	{RTPCodecCapability: webrtc.RTPCodecCapability{MimeType: mimeTelephoneEvent, ClockRate: media.ClockRate, SDPFmtpLine: "0-16"}, PayloadType: webrtc.PayloadType(media.DefaultDTMFPayloadType)},
}

// newMediaEngine registers audioCodecs and nothing else.
func newMediaEngine() (*webrtc.MediaEngine, error) {
	m := &webrtc.MediaEngine{}
	for _, c := range audioCodecs {
		if err := m.RegisterCodec(c, webrtc.RTPCodecTypeAudio); err != nil {
			return nil, fmt.Errorf("register %s: %w", c.MimeType, err)
		}
	}
	return m, nil
}

// negotiated is what one negotiation settled for the audio transceiver.
type negotiated struct {
	codec  media.Codec // PCMU or PCMA
	dtmfPT uint8       // 0: the browser did not accept telephone-event
}

// codecOf maps a pion codec to ours: PCMU, PCMA, TelephoneEvent or CodecUnknown.
func codecOf(c webrtc.RTPCodecCapability) media.Codec {
	name, ok := strings.CutPrefix(strings.ToLower(c.MimeType), "audio/")
	if !ok {
		return media.CodecUnknown
	}
	return media.ParseCodec(name, c.ClockRate)
}

// pickCodecs chooses from a negotiated codec list, which is in the answerer's order
// of preference: the first G.711 law is what the browser sends, so it is what we
// send too.
func pickCodecs(params []webrtc.RTPCodecParameters) (negotiated, bool) {
	var n negotiated
	found := false
	for _, p := range params {
		switch c := codecOf(p.RTPCodecCapability); {
		case c.IsAudio() && !found:
			n.codec, found = c, true
		case c == media.TelephoneEvent && n.dtmfPT == 0 && validDTMFPT(uint8(p.PayloadType)):
			n.dtmfPT = uint8(p.PayloadType)
		}
	}
	return n, found
}

// validDTMFPT reports whether pt is a dynamic payload type (RFC 3551 §3), as
// telephone-event's must be.
func validDTMFPT(pt uint8) bool { return pt >= 96 && pt <= 127 }

// sectionCodecs lists the codecs of an answer's audio section in the answer's
// order, payload types as the answer numbers them. This is our reading of the
// browser's SDP rather than pion's negotiated state, so the choice is known when
// Answer returns (pion binds the sending track only once DTLS is up).
func sectionCodecs(md *sdp.MediaDescription) []webrtc.RTPCodecParameters {
	rtpmap := map[uint8]webrtc.RTPCodecCapability{}
	for _, a := range md.Attributes {
		if a.Key != attrRTPMap {
			continue
		}
		if pt, c, ok := parseRTPMap(a.Value); ok {
			rtpmap[pt] = c
		}
	}
	var out []webrtc.RTPCodecParameters
	for _, f := range md.MediaName.Formats {
		pt, err := strconv.ParseUint(f, 10, 7)
		if err != nil {
			continue
		}
		c, ok := rtpmap[uint8(pt)]
		if !ok {
			// RFC 3551 static payload types may come without an rtpmap.
			switch media.Codec(pt) {
			case media.PCMU:
				c = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: media.ClockRate}
			case media.PCMA:
				c = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMA, ClockRate: media.ClockRate}
			default:
				continue
			}
		}
		out = append(out, webrtc.RTPCodecParameters{RTPCodecCapability: c, PayloadType: webrtc.PayloadType(pt)})
	}
	return out
}

// parseRTPMap reads an a=rtpmap value: "101 telephone-event/8000" or
// "0 PCMU/8000/1".
func parseRTPMap(v string) (uint8, webrtc.RTPCodecCapability, bool) {
	ptStr, enc, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok {
		return 0, webrtc.RTPCodecCapability{}, false
	}
	pt, err := strconv.ParseUint(ptStr, 10, 7)
	if err != nil {
		return 0, webrtc.RTPCodecCapability{}, false
	}
	name, rest, _ := strings.Cut(strings.TrimSpace(enc), "/")
	clockStr, _, _ := strings.Cut(rest, "/")
	clock, err := strconv.ParseUint(clockStr, 10, 32)
	if name == "" || err != nil {
		return 0, webrtc.RTPCodecCapability{}, false
	}
	return uint8(pt), webrtc.RTPCodecCapability{MimeType: "audio/" + name, ClockRate: uint32(clock)}, true
}
