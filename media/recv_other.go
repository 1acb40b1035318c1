//go:build !linux

package media

import (
	"net"
	"net/netip"
)

func newDatagramReader(conn *net.UDPConn, first *PacketBuf) datagramReader {
	return &singleReader{conn: conn, buf: first}
}

// rtcpPolled false: the leg reads RTCP on a goroutine of its own (rtcpLoop).
const rtcpPolled = false

func pollRTCP(*net.UDPConn, []byte, func([]byte, netip.AddrPort)) {}

func newSender(conn *net.UDPConn) sender { return udpSender{conn} }
