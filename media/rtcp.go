package media

import "encoding/binary"

// RTCP packet types (RFC 3550 §12.1).
const (
	rtcpSR = 200
	rtcpRR = 201
)

// rtcpReport is what we keep of a far end's RTCP: its view of our stream.
type rtcpReport struct {
	fractionLost uint8  // 8-bit fixed point, /256
	jitter       uint32 // clock units
}

// isRTCP tells an RTCP packet muxed on the RTP port (RFC 5761 §4): its second byte is
// a packet type 192–223, which as RTP would be marker + payload type 64–95, a range no
// RTP profile assigns.
func isRTCP(b []byte) bool {
	return len(b) >= 2 && b[1] >= 192 && b[1] <= 223
}

// parseRTCP walks a compound RTCP packet and returns the first report block of its
// first SR or RR. It does not allocate and never reads past b: every length field is
// checked before use. ok is false when the packet holds no report block.
func parseRTCP(b []byte) (rep rtcpReport, ok bool) {
	for len(b) >= 4 {
		if b[0]>>6 != 2 {
			return rep, false
		}
		count := int(b[0] & 0x1F)
		pt := b[1]
		size := (int(binary.BigEndian.Uint16(b[2:4])) + 1) * 4
		if size > len(b) {
			return rep, false
		}
		body := b[4:size]
		b = b[size:]
		var blocks []byte
		switch pt {
		case rtcpSR:
			if len(body) < 4+20 {
				continue
			}
			blocks = body[24:] // sender SSRC + sender info
		case rtcpRR:
			if len(body) < 4 {
				continue
			}
			blocks = body[4:]
		default:
			continue
		}
		if count == 0 || len(blocks) < 24 {
			continue
		}
		// Report block: SSRC(4) fraction(1) cumulative lost(3) ext. highest seq(4)
		// jitter(4) LSR(4) DLSR(4).
		return rtcpReport{fractionLost: blocks[4], jitter: binary.BigEndian.Uint32(blocks[12:16])}, true
	}
	return rep, false
}
