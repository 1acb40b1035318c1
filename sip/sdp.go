package sip

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// SDP (RFC 4566) as far as a G.711 gateway needs it, with offer/answer (RFC 3264).
// The parser is strict: it rejects what it does not understand instead of guessing,
// because a guessed media address is one-way audio at best and a relay to a third
// party at worst. Limits keep a hostile body cheap.
const (
	maxSDPSize       = 8 << 10 // bytes
	maxSDPLines      = 256
	maxSDPMedia      = 8
	maxSDPFormats    = 32
	maxSDPLineLength = 1024
)

// codec is an audio codec we can carry; its value is its static RTP payload type.
type codec uint8

const (
	codecPCMU codec = 0
	codecPCMA codec = 8
)

func (c codec) String() string {
	switch c {
	case codecPCMU:
		return "PCMU"
	case codecPCMA:
		return "PCMA"
	}
	return "unknown"
}

// codecByName finds a codec by its Media name ("PCMU", "PCMA").
func codecByName(name string) (codec, bool) {
	switch strings.ToUpper(name) {
	case "PCMU":
		return codecPCMU, true
	case "PCMA":
		return codecPCMA, true
	}
	return 0, false
}

// ourCodecs is our preference when we answer or offer: PCMU, then PCMA.
var ourCodecs = []codec{codecPCMU, codecPCMA}

// ourDTMFPayloadType is the telephone-event payload type we offer.
const ourDTMFPayloadType = 101

// direction is an SDP stream direction attribute.
type direction uint8

const (
	dirSendRecv direction = iota
	dirSendOnly
	dirRecvOnly
	dirInactive
)

func (d direction) String() string {
	switch d {
	case dirSendOnly:
		return "sendonly"
	case dirRecvOnly:
		return "recvonly"
	case dirInactive:
		return "inactive"
	}
	return "sendrecv"
}

// reverse is the direction an answer takes for an offered direction (RFC 3264 §6.1).
func (d direction) reverse() direction {
	switch d {
	case dirSendOnly:
		return dirRecvOnly
	case dirRecvOnly:
		return dirSendOnly
	}
	return d
}

func parseDirection(s string) (direction, bool) {
	switch s {
	case "sendrecv":
		return dirSendRecv, true
	case "sendonly":
		return dirSendOnly, true
	case "recvonly":
		return dirRecvOnly, true
	case "inactive":
		return dirInactive, true
	}
	return 0, false
}

type rtpMap struct {
	name     string
	rate     int
	channels int
}

type sdpOrigin struct {
	user, sessID, sessVersion, netType, addrType, addr string
}

type sdpMedia struct {
	typ     string // audio, video, …
	port    int
	proto   string
	formats []string
	conn    netip.Addr // media-level c=, else the session's
	dir     direction  // media-level attribute, else the session's
	rtpmap  map[uint8]rtpMap
	fmtp    map[uint8]string
	ptime   int
}

type sdpSession struct {
	origin sdpOrigin
	name   string
	conn   netip.Addr
	dir    direction
	media  []sdpMedia
}

// sdpErr wraps ErrBadSDP with what was wrong.
func sdpErr(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrBadSDP)
}

// parseSDP parses a session description. Lines may end in CRLF or LF.
func parseSDP(body []byte) (*sdpSession, error) {
	if len(body) == 0 {
		return nil, sdpErr("empty body")
	}
	if len(body) > maxSDPSize {
		return nil, sdpErr("body of %d bytes is over %d", len(body), maxSDPSize)
	}
	if bytes.IndexByte(body, 0) >= 0 {
		return nil, sdpErr("NUL byte")
	}
	text := strings.TrimRight(string(body), "\r\n")
	lines := strings.Split(text, "\n")
	if len(lines) > maxSDPLines {
		return nil, sdpErr("%d lines is over %d", len(lines), maxSDPLines)
	}
	s := &sdpSession{}
	var (
		haveV, haveO, haveS, haveT bool
		sessDir                    *direction
		cur                        *sdpMedia
		mediaDir                   []*direction
	)
	for i, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		if len(line) > maxSDPLineLength {
			return nil, sdpErr("line %d is over %d bytes", i+1, maxSDPLineLength)
		}
		if len(line) < 2 || line[1] != '=' {
			return nil, sdpErr("line %d is not type=value", i+1)
		}
		if strings.ContainsAny(line, "\r") {
			return nil, sdpErr("line %d has a bare CR", i+1)
		}
		typ, val := line[0], line[2:]
		if i == 0 && typ != 'v' {
			return nil, sdpErr("first line is not v=")
		}
		switch typ {
		case 'v':
			if haveV || val != "0" {
				return nil, sdpErr("bad or repeated v=%q", val)
			}
			haveV = true
		case 'o':
			if haveO || cur != nil {
				return nil, sdpErr("misplaced o=")
			}
			f := strings.Fields(val)
			if len(f) != 6 || f[3] != "IN" || (f[4] != "IP4" && f[4] != "IP6") {
				return nil, sdpErr("bad o=%q", val)
			}
			s.origin = sdpOrigin{f[0], f[1], f[2], f[3], f[4], f[5]}
			haveO = true
		case 's':
			if haveS || cur != nil {
				return nil, sdpErr("misplaced s=")
			}
			s.name = val
			haveS = true
		case 't':
			if cur != nil {
				return nil, sdpErr("t= inside a media section")
			}
			f := strings.Fields(val)
			if len(f) != 2 {
				return nil, sdpErr("bad t=%q", val)
			}
			for _, x := range f {
				if _, err := strconv.ParseUint(x, 10, 64); err != nil {
					return nil, sdpErr("bad t=%q", val)
				}
			}
			haveT = true
		case 'c':
			addr, err := parseConnection(val)
			if err != nil {
				return nil, err
			}
			if cur == nil {
				if s.conn.IsValid() {
					return nil, sdpErr("repeated session c=")
				}
				s.conn = addr
			} else {
				if cur.conn.IsValid() {
					return nil, sdpErr("more than one c= in a media section")
				}
				cur.conn = addr
			}
		case 'm':
			if !haveO || !haveS || !haveT {
				return nil, sdpErr("m= before o=, s= and t=")
			}
			if len(s.media) == maxSDPMedia {
				return nil, sdpErr("more than %d media sections", maxSDPMedia)
			}
			m, err := parseMediaLine(val)
			if err != nil {
				return nil, err
			}
			s.media = append(s.media, m)
			cur = &s.media[len(s.media)-1]
			mediaDir = append(mediaDir, nil)
		case 'a':
			name, value, _ := strings.Cut(val, ":")
			if d, ok := parseDirection(name); ok {
				if cur == nil {
					if sessDir != nil {
						return nil, sdpErr("repeated session direction")
					}
					sessDir = &d
				} else {
					if mediaDir[len(mediaDir)-1] != nil {
						return nil, sdpErr("repeated media direction")
					}
					mediaDir[len(mediaDir)-1] = &d
				}
				continue
			}
			if cur == nil {
				continue // session attributes we do not use
			}
			cur.attribute(name, value)
		case 'i', 'u', 'e', 'p', 'b', 'r', 'z', 'k':
			// Known and irrelevant to us.
		default:
			// RFC 4566 §5: a description with a type letter we do not know is to be
			// ignored as a whole, which for us means rejected.
			return nil, sdpErr("unknown line type %q", typ)
		}
	}
	if !haveV || !haveO || !haveS || !haveT {
		return nil, sdpErr("missing v=, o=, s= or t=")
	}
	if len(s.media) == 0 {
		return nil, sdpErr("no media")
	}
	if sessDir != nil {
		s.dir = *sessDir
	}
	for i := range s.media {
		m := &s.media[i]
		if mediaDir[i] != nil {
			m.dir = *mediaDir[i]
		} else {
			m.dir = s.dir
		}
		if !m.conn.IsValid() {
			m.conn = s.conn
		}
		if !m.conn.IsValid() && m.port != 0 {
			return nil, sdpErr("media %d has no connection address", i)
		}
	}
	return s, nil
}

// parseConnection reads "IN IP4 192.0.2.1" (or IP6). Multicast and names are refused:
// a gateway relays unicast RTP to an address it can check.
func parseConnection(val string) (netip.Addr, error) {
	f := strings.Fields(val)
	if len(f) != 3 || f[0] != "IN" {
		return netip.Addr{}, sdpErr("bad c=%q", val)
	}
	host, _, _ := strings.Cut(f[2], "/") // TTL and count only exist for multicast
	addr, err := netip.ParseAddr(host)
	if err != nil || addr.Zone() != "" {
		return netip.Addr{}, sdpErr("c= address %q is not an IP address", f[2])
	}
	switch f[1] {
	case "IP4":
		if !addr.Is4() {
			return netip.Addr{}, sdpErr("c= IP4 with %q", host)
		}
	case "IP6":
		if !addr.Is6() {
			return netip.Addr{}, sdpErr("c= IP6 with %q", host)
		}
	default:
		return netip.Addr{}, sdpErr("c= address type %q", f[1])
	}
	if addr.IsMulticast() {
		return netip.Addr{}, sdpErr("multicast c= %s", addr)
	}
	return addr, nil
}

func parseMediaLine(val string) (sdpMedia, error) {
	f := strings.Fields(val)
	if len(f) < 4 {
		return sdpMedia{}, sdpErr("bad m=%q", val)
	}
	if len(f)-3 > maxSDPFormats {
		return sdpMedia{}, sdpErr("more than %d formats", maxSDPFormats)
	}
	portStr, count, hasCount := strings.Cut(f[1], "/")
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return sdpMedia{}, sdpErr("bad m= port %q", f[1])
	}
	if hasCount && count != "1" {
		return sdpMedia{}, sdpErr("m= port count %q", count)
	}
	for _, tok := range f {
		if !sdpToken(tok) {
			return sdpMedia{}, sdpErr("bad m= token %q", tok)
		}
	}
	return sdpMedia{typ: f[0], port: int(port), proto: f[2], formats: f[3:]}, nil
}

// sdpToken accepts the characters m= fields are made of, so that what we echo from an
// offer into our answer cannot smuggle anything else.
func sdpToken(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '/' || c == '_' || c == '+') {
			return false
		}
	}
	return s != ""
}

// attribute records the rtpmap, fmtp and ptime attributes of a media section. A
// malformed one is ignored, as attributes we do not understand are (RFC 4566 §5.13):
// RFC 4475's own example SDP carries "a=rtpmap:31 LPC" on a video stream, and refusing
// the whole call over an attribute of a stream we never use helps nobody. A second
// rtpmap for a payload type is ignored too: the first one stands.
func (m *sdpMedia) attribute(name, value string) {
	_ = m.parseAttribute(name, value)
}

func (m *sdpMedia) parseAttribute(name, value string) error {
	switch name {
	case "rtpmap":
		ptStr, rest, ok := strings.Cut(value, " ")
		pt, err := strconv.ParseUint(ptStr, 10, 7)
		if !ok || err != nil {
			return sdpErr("bad rtpmap %q", value)
		}
		parts := strings.Split(strings.TrimSpace(rest), "/")
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" {
			return sdpErr("bad rtpmap %q", value)
		}
		rate, err := strconv.ParseUint(parts[1], 10, 32)
		if err != nil || rate == 0 {
			return sdpErr("bad rtpmap rate %q", value)
		}
		ch := 1
		if len(parts) == 3 {
			c, err := strconv.ParseUint(parts[2], 10, 8)
			if err != nil || c == 0 {
				return sdpErr("bad rtpmap channels %q", value)
			}
			ch = int(c)
		}
		if m.rtpmap == nil {
			m.rtpmap = map[uint8]rtpMap{}
		}
		if _, dup := m.rtpmap[uint8(pt)]; dup {
			return sdpErr("repeated rtpmap for %d", pt)
		}
		if len(m.rtpmap) >= maxSDPFormats {
			return sdpErr("too many rtpmap lines")
		}
		m.rtpmap[uint8(pt)] = rtpMap{name: parts[0], rate: int(rate), channels: ch}
	case "fmtp":
		ptStr, rest, ok := strings.Cut(value, " ")
		pt, err := strconv.ParseUint(ptStr, 10, 7)
		if !ok || err != nil {
			return sdpErr("bad fmtp %q", value)
		}
		if m.fmtp == nil {
			m.fmtp = map[uint8]string{}
		}
		if _, dup := m.fmtp[uint8(pt)]; dup || len(m.fmtp) >= maxSDPFormats {
			return sdpErr("repeated or too many fmtp")
		}
		m.fmtp[uint8(pt)] = strings.TrimSpace(rest)
	case "ptime":
		p, err := strconv.ParseUint(value, 10, 16)
		if err != nil || p == 0 {
			return sdpErr("bad ptime %q", value)
		}
		m.ptime = int(p)
	}
	return nil
}

// rtpAVP reports whether the stream is plain RTP we can relay. SRTP (SAVP) would need
// SDES keys, which we do not do on the SIP side.
func (m *sdpMedia) rtpAVP() bool {
	return m.proto == "RTP/AVP" || m.proto == "RTP/AVPF"
}

// codecPT finds the payload type the stream uses for c: its static number, provided the
// stream lists it and does not map it to something else.
func (m *sdpMedia) codecPT(c codec) (uint8, bool) {
	want := strconv.Itoa(int(c))
	for _, f := range m.formats {
		if f != want {
			continue
		}
		if rm, ok := m.rtpmap[uint8(c)]; ok && (!strings.EqualFold(rm.name, c.String()) || rm.rate != 8000 || rm.channels != 1) {
			return 0, false
		}
		return uint8(c), true
	}
	return 0, false
}

// dtmfPT finds a telephone-event/8000 payload type in the stream's formats; it is
// dynamic (96–127) by definition, and a static number is not taken for one.
func (m *sdpMedia) dtmfPT() (uint8, string, bool) {
	for _, f := range m.formats {
		pt, err := strconv.ParseUint(f, 10, 7)
		if err != nil || pt < 96 {
			continue
		}
		if rm, ok := m.rtpmap[uint8(pt)]; ok && strings.EqualFold(rm.name, "telephone-event") && rm.rate == 8000 {
			return uint8(pt), m.fmtp[uint8(pt)], true
		}
	}
	return 0, "", false
}

// audioParams is the audio stream an offer/answer exchange settled on.
type audioParams struct {
	index    int // the m= line in the offer
	Remote   netip.AddrPort
	Codec    codec
	DTMF     uint8 // 0: the far end has no telephone-event
	dtmfFmtp string
	Dir      direction // as the far end wrote it
	Ptime    int
}

// Held reports whether the far end's description puts the call on hold: it will not
// receive (sendonly, inactive) or asks us not to send to it (c=0.0.0.0, RFC 2543).
func (a audioParams) Held() bool {
	return a.Dir == dirSendOnly || a.Dir == dirInactive || a.Remote.Addr().IsUnspecified()
}

// negotiateOffer picks the first audio stream we can take from an offer, with our
// codec preference (prefer first when it is offered, e.g. the codec already in use).
func negotiateOffer(s *sdpSession, prefer codec) (audioParams, error) {
	order := ourCodecs
	if prefer != codecPCMU {
		order = []codec{prefer, codecPCMU}
	}
	for i := range s.media {
		m := &s.media[i]
		if !m.usableAudio() {
			continue
		}
		for _, c := range order {
			if _, ok := m.codecPT(c); ok {
				return m.params(i, c), nil
			}
		}
	}
	return audioParams{}, ErrNoCommonCodec
}

// negotiateAnswer reads the answer to one of our offers: the first audio stream the far
// end accepted, with the first of our codecs it kept.
func negotiateAnswer(s *sdpSession) (audioParams, error) {
	for i := range s.media {
		m := &s.media[i]
		if !m.usableAudio() {
			continue
		}
		for _, f := range m.formats {
			c, ours := ourCodecNumbered(f)
			if !ours {
				continue
			}
			if _, ok := m.codecPT(c); ok {
				return m.params(i, c), nil
			}
		}
	}
	return audioParams{}, ErrNoCommonCodec
}

// usableAudio: an RTP/AVP audio stream that was not refused (port 0).
func (m *sdpMedia) usableAudio() bool { return m.typ == "audio" && m.port != 0 && m.rtpAVP() }

// params is what we take from stream i of the far end's description with codec c.
func (m *sdpMedia) params(i int, c codec) audioParams {
	a := audioParams{index: i, Remote: netip.AddrPortFrom(m.conn, uint16(m.port)), Codec: c, Dir: m.dir, Ptime: m.ptime}
	if pt, fmtp, ok := m.dtmfPT(); ok {
		a.DTMF, a.dtmfFmtp = pt, fmtp
	}
	return a
}

// ourCodecNumbered is the codec of ours whose payload type the format f names.
func ourCodecNumbered(f string) (codec, bool) {
	for _, c := range ourCodecs {
		if f == strconv.Itoa(int(c)) {
			return c, true
		}
	}
	return 0, false
}

// localSDP is what we put in our own descriptions.
type localSDP struct {
	addr    netip.AddrPort // our RTP address
	sessID  uint64
	version uint64
}

func writeSessionHeader(b *strings.Builder, l localSDP) {
	ipv := "IP4"
	if l.addr.Addr().Is6() && !l.addr.Addr().Is4In6() {
		ipv = "IP6"
	}
	addr := l.addr.Addr().Unmap().String()
	fmt.Fprintf(b, "v=0\r\no=omnigate %d %d IN %s %s\r\ns=omnigate\r\nc=IN %s %s\r\nt=0 0\r\n", l.sessID, l.version, ipv, addr, ipv, addr)
}

// buildAnswer answers offer: the chosen audio stream with our address, codec and
// direction, every other stream refused with port 0 (RFC 3264 §6).
func buildAnswer(offer *sdpSession, a audioParams, l localSDP) []byte {
	var b strings.Builder
	writeSessionHeader(&b, l)
	dir := a.Dir.reverse()
	if a.Remote.Addr().IsUnspecified() && dir == dirSendRecv {
		dir = dirRecvOnly // RFC 2543 hold: they will not listen
	}
	for i, m := range offer.media {
		if i != a.index {
			fmt.Fprintf(&b, "m=%s 0 %s %s\r\n", m.typ, m.proto, m.formats[0])
			continue
		}
		if a.DTMF != 0 {
			fmt.Fprintf(&b, "m=audio %d RTP/AVP %d %d\r\n", l.addr.Port(), a.Codec, a.DTMF)
		} else {
			fmt.Fprintf(&b, "m=audio %d RTP/AVP %d\r\n", l.addr.Port(), a.Codec)
		}
		fmt.Fprintf(&b, "a=rtpmap:%d %s/8000\r\n", a.Codec, a.Codec)
		if a.DTMF != 0 {
			fmtp := a.dtmfFmtp
			if fmtp == "" || !validFmtp(fmtp) {
				fmtp = "0-16"
			}
			fmt.Fprintf(&b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d %s\r\n", a.DTMF, a.DTMF, fmtp)
		}
		fmt.Fprintf(&b, "a=ptime:20\r\na=%s\r\n", dir)
	}
	return []byte(b.String())
}

// validFmtp accepts the telephone-event event list syntax ("0-15,16"), which is all we
// ever echo back: anything else from the offer stays out of our answer.
func validFmtp(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '-' || c == ',') {
			return false
		}
	}
	return true
}

// buildOffer makes our offer: PCMU and PCMA (prefer first) plus telephone-event.
func buildOffer(l localSDP, prefer codec, dir direction) []byte {
	second := codecPCMA
	if prefer == codecPCMA {
		second = codecPCMU
	}
	var b strings.Builder
	writeSessionHeader(&b, l)
	fmt.Fprintf(&b, "m=audio %d RTP/AVP %d %d %d\r\n", l.addr.Port(), prefer, second, ourDTMFPayloadType)
	fmt.Fprintf(&b, "a=rtpmap:%d %s/8000\r\na=rtpmap:%d %s/8000\r\n", prefer, prefer, second, second)
	fmt.Fprintf(&b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n", ourDTMFPayloadType, ourDTMFPayloadType)
	fmt.Fprintf(&b, "a=ptime:20\r\na=%s\r\n", dir)
	return []byte(b.String())
}
