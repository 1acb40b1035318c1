//go:build !linux

package media

import "net"

func newDatagramReader(conn *net.UDPConn, first *PacketBuf) datagramReader {
	return &singleReader{conn: conn, buf: first}
}
