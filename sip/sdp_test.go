package sip

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func sdpLines(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n") + "\r\n") }

var sdpHead = []string{"v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0"}

func offerWith(lines ...string) []byte {
	return sdpLines(append(append([]string{}, sdpHead...), lines...)...)
}

func TestNegotiateOffer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		body   []byte
		codec  codec
		dtmf   uint8
		dir    direction
		held   bool
		remote string
		err    error
	}{
		{"PCMU preferred over PCMA whatever the order",
			offerWith("m=audio 4000 RTP/AVP 8 0 101", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15"),
			codecPCMU, 101, dirSendRecv, false, "192.0.2.1:4000", nil},
		{"PCMA only", offerWith("m=audio 4000 RTP/AVP 8"), codecPCMA, 0, dirSendRecv, false, "192.0.2.1:4000", nil},
		{"telephone-event on a static type is ignored", offerWith("m=audio 4000 RTP/AVP 0 13", "a=rtpmap:13 telephone-event/8000"), codecPCMU, 0, dirSendRecv, false, "192.0.2.1:4000", nil},
		{"no common codec (G.729 only)", offerWith("m=audio 4000 RTP/AVP 18", "a=rtpmap:18 G729/8000"), 0, 0, 0, false, "", ErrNoCommonCodec},
		{"static type remapped to another codec is not that codec",
			offerWith("m=audio 4000 RTP/AVP 0", "a=rtpmap:0 G722/8000"), 0, 0, 0, false, "", ErrNoCommonCodec},
		{"SRTP only is refused", offerWith("m=audio 4000 RTP/SAVP 0"), 0, 0, 0, false, "", ErrNoCommonCodec},
		{"hold: sendonly", offerWith("m=audio 4000 RTP/AVP 0", "a=sendonly"), codecPCMU, 0, dirSendOnly, true, "192.0.2.1:4000", nil},
		{"hold: inactive at session level", sdpLines(append(append([]string{}, sdpHead...), "a=inactive", "m=audio 4000 RTP/AVP 0")...), codecPCMU, 0, dirInactive, true, "192.0.2.1:4000", nil},
		{"media direction overrides the session's", sdpLines(append(append([]string{}, sdpHead...), "a=inactive", "m=audio 4000 RTP/AVP 0", "a=sendrecv")...), codecPCMU, 0, dirSendRecv, false, "192.0.2.1:4000", nil},
		{"recvonly is not hold", offerWith("m=audio 4000 RTP/AVP 0", "a=recvonly"), codecPCMU, 0, dirRecvOnly, false, "192.0.2.1:4000", nil},
		{"RFC 2543 hold: c=0.0.0.0", sdpLines("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 0.0.0.0", "t=0 0", "m=audio 4000 RTP/AVP 0"), codecPCMU, 0, dirSendRecv, true, "0.0.0.0:4000", nil},
		{"video refused, audio taken, media-level c=", sdpLines("v=0", "o=- 1 1 IN IP6 2001:db8::1", "s=-", "t=0 0",
			"m=video 5000 RTP/AVP 96", "c=IN IP6 2001:db8::1", "a=rtpmap:96 VP8/90000",
			"m=audio 4000 RTP/AVP 0", "c=IN IP4 192.0.2.7"), codecPCMU, 0, dirSendRecv, false, "192.0.2.7:4000", nil},
		{"IPv6 audio", sdpLines("v=0", "o=- 1 1 IN IP6 2001:db8::1", "s=-", "c=IN IP6 2001:db8::1", "t=0 0", "m=audio 4000 RTP/AVP 0"), codecPCMU, 0, dirSendRecv, false, "[2001:db8::1]:4000", nil},
		{"a refused audio stream (port 0) is skipped", offerWith("m=audio 0 RTP/AVP 0", "m=audio 4002 RTP/AVP 8"), codecPCMA, 0, dirSendRecv, false, "192.0.2.1:4002", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parseSDP(tc.body)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			a, err := negotiateOffer(s, codecPCMU)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Codec != tc.codec || a.DTMF != tc.dtmf || a.Dir != tc.dir || a.Held() != tc.held || a.Remote.String() != tc.remote {
				t.Fatalf("got %+v held=%v", a, a.Held())
			}
		})
	}
}

func TestParseSDPRejects(t *testing.T) {
	for name, body := range map[string][]byte{
		"empty":                    nil,
		"no v=":                    sdpLines("o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0", "m=audio 4000 RTP/AVP 0"),
		"v=1":                      sdpLines("v=1", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "m=audio 4000 RTP/AVP 0"),
		"no t=":                    sdpLines("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "m=audio 4000 RTP/AVP 0"),
		"unknown type letter":      offerWith("x=what", "m=audio 4000 RTP/AVP 0"),
		"no media":                 offerWith(),
		"no connection":            sdpLines("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0", "m=audio 4000 RTP/AVP 0"),
		"host name in c=":          sdpLines("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 media.example.com", "t=0 0", "m=audio 4000 RTP/AVP 0"),
		"IP6 tag with IPv4":        sdpLines("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP6 192.0.2.1", "t=0 0", "m=audio 4000 RTP/AVP 0"),
		"multicast":                sdpLines("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 224.2.1.1/127", "t=0 0", "m=audio 4000 RTP/AVP 0"),
		"port count":               offerWith("m=audio 4000/2 RTP/AVP 0"),
		"port out of range":        offerWith("m=audio 70000 RTP/AVP 0"),
		"no formats":               offerWith("m=audio 4000 RTP/AVP"),
		"two directions":           offerWith("m=audio 4000 RTP/AVP 0", "a=sendonly", "a=recvonly"),
		"NUL":                      append(offerWith("m=audio 4000 RTP/AVP 0"), 0),
		"not type=value":           offerWith("m=audio 4000 RTP/AVP 0", "hello"),
		"m= before o=":             sdpLines("v=0", "m=audio 4000 RTP/AVP 0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0"),
		"control char in m= proto": offerWith("m=audio 4000 RTP/\x01AVP 0"),
		"too large":                offerWith("m=audio 4000 RTP/AVP 0", "a=x:"+strings.Repeat("y", maxSDPSize)),
		"too many lines":           offerWith(append([]string{"m=audio 4000 RTP/AVP 0"}, strings.Split(strings.Repeat("a=x\n", maxSDPLines), "\n")...)...),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parseSDP(body); !errors.Is(err, ErrBadSDP) {
				t.Fatalf("err = %v, want ErrBadSDP", err)
			}
		})
	}
}

// Malformed attributes are ignored, not fatal: the RFC 4475 example SDP has one.
func TestSDPIgnoresMalformedAttributes(t *testing.T) {
	s, err := parseSDP(offerWith("m=audio 4000 RTP/AVP 0 12", "a=rtpmap:0 PCMU", "a=rtpmap:200 X/1", "m=video 3227 RTP/AVP 31", "a=rtpmap:31 LPC"))
	if err != nil {
		t.Fatal(err)
	}
	if a, err := negotiateOffer(s, codecPCMU); err != nil || a.Codec != codecPCMU {
		t.Fatalf("%+v %v", a, err)
	}
	// The first rtpmap of a payload type stands.
	s, _ = parseSDP(offerWith("m=audio 4000 RTP/AVP 0", "a=rtpmap:0 G722/8000", "a=rtpmap:0 PCMU/8000"))
	if _, err := negotiateOffer(s, codecPCMU); !errors.Is(err, ErrNoCommonCodec) {
		t.Fatalf("second rtpmap overrode the first: %v", err)
	}
}

func TestBuildAnswer(t *testing.T) {
	offer, err := parseSDP(sdpLines("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
		"m=video 5000 RTP/AVP 96", "a=rtpmap:96 VP8/90000",
		"m=audio 4000 RTP/AVP 8 101", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15", "a=sendonly"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := negotiateOffer(offer, codecPCMU)
	if err != nil {
		t.Fatal(err)
	}
	local := localSDP{addr: netip.MustParseAddrPort("198.51.100.9:20000"), sessID: 42, version: 3}
	body := buildAnswer(offer, a, local)
	for _, want := range []string{"o=omnigate 42 3 IN IP4 198.51.100.9", "c=IN IP4 198.51.100.9", "m=video 0 RTP/AVP 96", "m=audio 20000 RTP/AVP 8 101",
		"a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15", "a=recvonly"} {
		if !strings.Contains(string(body), want+"\r\n") {
			t.Errorf("answer lacks %q:\n%s", want, body)
		}
	}
	// Our answer is itself valid SDP that says the same thing.
	ans, err := parseSDP(body)
	if err != nil {
		t.Fatalf("our answer does not parse: %v\n%s", err, body)
	}
	back, err := negotiateAnswer(ans)
	if err != nil || back.Codec != codecPCMA || back.DTMF != 101 || back.Remote != local.addr || back.Dir != dirRecvOnly {
		t.Fatalf("answer reads back as %+v, %v", back, err)
	}
}

func TestBuildOfferRoundTrip(t *testing.T) {
	local := localSDP{addr: netip.MustParseAddrPort("[2001:db8::5]:30000"), sessID: 1, version: 1}
	body := buildOffer(local, codecPCMA, dirSendRecv)
	s, err := parseSDP(body)
	if err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	a, err := negotiateOffer(s, codecPCMA)
	if err != nil || a.Codec != codecPCMA || a.DTMF != ourDTMFPayloadType || a.Remote != local.addr {
		t.Fatalf("%+v %v", a, err)
	}
	if !strings.HasPrefix(string(s.media[0].formats[0]), "8") {
		t.Fatalf("preferred codec not first: %v", s.media[0].formats)
	}
}

func TestNegotiateAnswerTakesFirstOfOurs(t *testing.T) {
	s, err := parseSDP(offerWith("m=audio 4000 RTP/AVP 8 0", "a=rtpmap:96 telephone-event/8000"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := negotiateAnswer(s)
	if err != nil || a.Codec != codecPCMA || a.DTMF != 0 {
		t.Fatalf("%+v %v", a, err)
	}
}

func TestAnswerDoesNotEchoHostileFmtp(t *testing.T) {
	offer, err := parseSDP(offerWith("m=audio 4000 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15;evil=\"x\""))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := negotiateOffer(offer, codecPCMU)
	body := string(buildAnswer(offer, a, localSDP{addr: netip.MustParseAddrPort("192.0.2.9:1000")}))
	if strings.Contains(body, "evil") || !strings.Contains(body, "a=fmtp:101 0-16") {
		t.Fatalf("answer:\n%s", body)
	}
}

// FuzzParseSDP checks invariants, not only the absence of panics: whatever parses has
// a connection address for every live stream; whatever negotiates names one of our
// codecs and gives an answer that parses back to the same choice.
func FuzzParseSDP(f *testing.F) {
	f.Add(offerSDP("192.0.2.1:4000"))
	f.Add(offerWith("m=audio 4000 RTP/AVP 8", "a=sendonly"))
	f.Add(sdpLines("v=0", "o=- 1 1 IN IP6 ::1", "s=-", "t=0 0", "m=video 1 RTP/AVP 96", "c=IN IP6 ::1", "m=audio 2 RTP/AVP 0", "c=IN IP4 0.0.0.0"))
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := parseSDP(body)
		if err != nil {
			if !errors.Is(err, ErrBadSDP) {
				t.Fatalf("error %v is not ErrBadSDP", err)
			}
			return
		}
		if len(s.media) == 0 || len(s.media) > maxSDPMedia {
			t.Fatalf("%d media", len(s.media))
		}
		for _, m := range s.media {
			if m.port != 0 && !m.conn.IsValid() {
				t.Fatal("live stream without a connection address")
			}
		}
		a, err := negotiateOffer(s, codecPCMU)
		if err != nil {
			if !errors.Is(err, ErrNoCommonCodec) {
				t.Fatalf("negotiate: %v", err)
			}
			return
		}
		if a.Codec != codecPCMU && a.Codec != codecPCMA {
			t.Fatalf("codec %v", a.Codec)
		}
		local := localSDP{addr: netip.MustParseAddrPort("192.0.2.200:20000"), sessID: 1, version: 1}
		ans, err := parseSDP(buildAnswer(s, a, local))
		if err != nil {
			t.Fatalf("our answer does not parse: %v", err)
		}
		back, err := negotiateAnswer(ans)
		if err != nil || back.Codec != a.Codec || back.Remote != local.addr || back.DTMF != a.DTMF {
			t.Fatalf("answer reads back as %+v (%v), chose %+v", back, err, a)
		}
	})
}
