package webrtc

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/omnigate/omnigate/media"
	"github.com/pion/ice/v4"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// The gateway is the only offerer (the "impolite" side of perfect negotiation);
// doc.go draws the negotiation states. negMu serialises the steps, so a later change
// (adding a video transceiver) takes negMu, changes the transceivers, and lets the
// owner call Offer.

// Offer returns the SDP offer to send to the browser. While an offer is outstanding
// it returns that one again (the desktop reconnected its WebSocket and asks anew);
// from the stable state it makes a new offer, which is how a later change (a video
// transceiver) is negotiated. It waits for ICE gathering, at most the configured
// GatherTimeout. The SDP carries every candidate: no trickle.
//
// A browser that reloaded has a new PeerConnection and needs a new leg: an offer
// from this one would meet a different DTLS peer.
func (l *AgentLeg) Offer() (string, error) {
	return l.offer(context.Background())
}

func (l *AgentLeg) offer(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, l.gw.cfg.GatherTimeout)
	defer cancel()
	l.negMu.Lock()
	defer l.negMu.Unlock()
	if l.isClosed() {
		return "", media.ErrClosed
	}
	switch st := l.pc.SignalingState(); st {
	case webrtc.SignalingStateHaveLocalOffer:
		return l.pc.LocalDescription().SDP, nil
	case webrtc.SignalingStateStable:
	default:
		return "", fmt.Errorf("offer in signalling state %s: %w", st, ErrNegotiation)
	}
	offer, err := l.pc.CreateOffer(nil)
	if err != nil {
		return "", fmt.Errorf("create offer: %w", err)
	}
	gathered := webrtc.GatheringCompletePromise(l.pc)
	if err := l.pc.SetLocalDescription(offer); err != nil {
		return "", fmt.Errorf("set local offer: %w", err)
	}
	select {
	case <-gathered:
	case <-l.closed:
		return "", media.ErrClosed
	case <-ctx.Done():
		return "", fmt.Errorf("ice gathering: %w", ctx.Err())
	}
	return l.pc.LocalDescription().SDP, nil
}

// Answer applies the browser's answer to the outstanding offer. DTLS-SRTP is the
// only keying: an answer without a fingerprint is refused, and pion checks the
// browser's certificate against it in the handshake (never SDES, never verification
// off).
//
// A refused answer leaves the offer outstanding, so a corrected one can follow. The
// leg checks what pion would only check after changing its signalling state; should
// pion refuse an answer anyway once it has left have-local-offer, the leg cannot be
// negotiated again and reports StateFailed, like a lost connection.
func (l *AgentLeg) Answer(sdpText string) error {
	if len(sdpText) > MaxSDPSize {
		return fmt.Errorf("answer of %d bytes: %w", len(sdpText), ErrBadAnswer)
	}
	l.negMu.Lock()
	defer l.negMu.Unlock()
	if l.isClosed() {
		return media.ErrClosed
	}
	if st := l.pc.SignalingState(); st != webrtc.SignalingStateHaveLocalOffer {
		return fmt.Errorf("answer in signalling state %s: %w", st, ErrNegotiation)
	}
	desc := webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdpText}
	parsed, err := desc.Unmarshal()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadAnswer, err)
	}
	mid := l.tr.Mid()
	md, err := audioSection(parsed, mid)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadAnswer, err)
	}
	if err := preflight(parsed, md); err != nil {
		return fmt.Errorf("%w: %w", ErrBadAnswer, err)
	}
	n, ok := pickCodecs(sectionCodecs(md))
	if !ok {
		return fmt.Errorf("%w: %w", ErrBadAnswer, ErrNoCommonCodec)
	}
	l.send.prefer(n)
	if err := l.pc.SetRemoteDescription(desc); err != nil {
		if l.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer {
			l.log.Warn("answer refused after pion applied it; leg failed", "err", err)
			l.broken.Store(true)
			l.poke()
		}
		return fmt.Errorf("%w: %w", ErrBadAnswer, err)
	}
	l.codec.Store(uint32(n.codec))
	l.dtmfPT.Store(uint32(n.dtmfPT))
	if dir := direction(md); dir != webrtc.RTPTransceiverDirectionSendrecv {
		// The page answered without a microphone on the transceiver: the agent is
		// mute until it renegotiates.
		l.log.Warn("browser answered without sending audio", "direction", dir.String())
	}
	l.log.Info("agent leg negotiated", "codec", n.codec.String(), "dtmf_pt", n.dtmfPT)
	return nil
}

// audioSection finds our audio transceiver's section in an answer: the one with its
// mid, or the first audio section when the transceiver has no mid yet.
func audioSection(sd *sdp.SessionDescription, mid string) (*sdp.MediaDescription, error) {
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" {
			continue
		}
		if m, _ := md.Attribute(sdp.AttrKeyMID); mid != "" && m != mid {
			continue
		}
		if md.MediaName.Port.Value == 0 {
			return nil, fmt.Errorf("audio section %q rejected: %w", mid, ErrNoCommonCodec)
		}
		return md, nil
	}
	return nil, fmt.Errorf("no audio section with mid %q: %w", mid, ErrNoCommonCodec)
}

// preflight checks what pion's SetRemoteDescription checks only after it has
// changed the signalling state: a DTLS fingerprint, ICE credentials, and at least
// one usable candidate when candidates are given. The audio section is the bundle's
// first, so it carries the transport.
func preflight(sd *sdp.SessionDescription, md *sdp.MediaDescription) error {
	attr := func(key string) string {
		if v, ok := sd.Attribute(key); ok && v != "" {
			return v
		}
		v, _ := md.Attribute(key)
		return v
	}
	fp := attr("fingerprint")
	if fp == "" {
		return webrtc.ErrSessionDescriptionNoFingerprint
	}
	if parts := strings.Split(fp, " "); len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return webrtc.ErrSessionDescriptionInvalidFingerprint
	}
	if attr("ice-ufrag") == "" {
		return webrtc.ErrSessionDescriptionMissingIceUfrag
	}
	if attr("ice-pwd") == "" {
		return webrtc.ErrSessionDescriptionMissingIcePwd
	}
	var candErr error
	for _, a := range md.Attributes {
		if !a.IsICECandidate() {
			continue
		}
		_, err := ice.UnmarshalCandidate(a.Value)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, ice.ErrUnknownCandidateTyp), errors.Is(err, ice.ErrDetermineNetworkType):
			// pion skips these too
		default:
			candErr = err
		}
	}
	if candErr != nil {
		return fmt.Errorf("no usable candidate: %w", candErr)
	}
	return nil
}

// direction returns a section's direction attribute, sendrecv when absent (RFC 8866
// §6.7).
func direction(md *sdp.MediaDescription) webrtc.RTPTransceiverDirection {
	for _, a := range md.Attributes {
		if d := webrtc.NewRTPTransceiverDirection(a.Key); d != webrtc.RTPTransceiverDirectionUnknown {
			return d
		}
	}
	return webrtc.RTPTransceiverDirectionSendrecv
}
