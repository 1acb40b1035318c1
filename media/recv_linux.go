//go:build linux

package media

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// recvBatch is how many datagrams one recvmmsg call may take from a leg's socket. A
// leg gets a packet every 20 ms, so one is the common case; room for two lets a call
// that returns one prove the socket empty without another syscall, and takes a
// backlog after a stall two at a time. The second buffer is the only one the reader
// adds to the PacketQueue's (whose invariant allows the producer to hold extra ones).
const recvBatch = 2

// mmsgReader reads a leg's RTP socket with recvmmsg(2) from inside the runtime
// poller's readiness callback (syscall.RawConn.Read). The callback keeps the
// goroutine parked in the poller between packets and reads what is queued in one
// call, so a packet costs one receive syscall. The plain loop over
// ReadFromUDPAddrPort costs two: the read that returns the packet, then one that
// finds the socket empty (EAGAIN) before the goroutine parks.
type mmsgReader struct {
	rc    syscall.RawConn
	bufs  [recvBatch]*PacketBuf
	hdrs  [recvBatch]unix.Mmsghdr
	iovs  [recvBatch]unix.Iovec
	names [recvBatch]unix.RawSockaddrInet6 // large enough for either family

	deliver func(*PacketBuf) *PacketBuf // set for the duration of read
	fn      func(fd uintptr) bool
	err     error
}

func newDatagramReader(conn *net.UDPConn, first *PacketBuf) datagramReader {
	rc, err := conn.SyscallConn()
	if err != nil {
		return &singleReader{conn: conn, buf: first}
	}
	r := &mmsgReader{rc: rc}
	for i := range recvBatch {
		b := first
		if i > 0 {
			b = new(PacketBuf)
		}
		r.set(i, b)
		r.hdrs[i].Hdr.Name = (*byte)(unsafe.Pointer(&r.names[i]))
		r.hdrs[i].Hdr.Iov = &r.iovs[i]
		r.hdrs[i].Hdr.SetIovlen(1)
	}
	r.fn = r.readable
	return r
}

func (r *mmsgReader) set(i int, b *PacketBuf) {
	r.bufs[i] = b
	r.iovs[i].Base = &b.Data[0]
	r.iovs[i].SetLen(len(b.Data))
}

// read waits for datagrams and hands each to deliver, until the read deadline, a
// socket error or Close; it returns that error.
func (r *mmsgReader) read(deliver func(*PacketBuf) *PacketBuf) error {
	r.deliver, r.err = deliver, nil
	err := r.rc.Read(r.fn)
	r.deliver = nil
	if err == nil {
		err = r.err
	}
	return err
}

// readable runs when the poller says the socket is readable. It returns false to park
// until the next datagram, true to leave read with r.err.
func (r *mmsgReader) readable(fd uintptr) bool {
	for {
		for i := range recvBatch {
			r.hdrs[i].Hdr.Namelen = uint32(unsafe.Sizeof(r.names[i]))
			r.hdrs[i].Hdr.Flags = 0
		}
		// MSG_DONTWAIT: it never blocks, so the raw form (no scheduler hand-off) is safe.
		n, _, errno := unix.RawSyscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.hdrs[0])), recvBatch, unix.MSG_DONTWAIT, 0, 0)
		switch errno {
		case 0:
		case unix.EAGAIN:
			return false
		case unix.EINTR:
			continue
		default:
			// An ICMP error surfaced by the kernel, say: the caller logs it and
			// reads on.
			r.err = errno
			return true
		}
		for i := range int(n) {
			b := r.bufs[i]
			b.N = int(r.hdrs[i].Len)
			if r.hdrs[i].Hdr.Flags&unix.MSG_TRUNC != 0 {
				b.N = len(b.Data) // longer than a leg accepts: ingest rejects it
			}
			b.From = sockaddrToAddrPort(&r.names[i], r.hdrs[i].Hdr.Namelen)
			if nb := r.deliver(b); nb != b {
				r.set(i, nb)
			}
		}
		if int(n) < recvBatch {
			return false
		}
	}
}

// sockaddrToAddrPort decodes what recvmmsg wrote as the source address.
func sockaddrToAddrPort(sa *unix.RawSockaddrInet6, n uint32) netip.AddrPort {
	switch sa.Family {
	case unix.AF_INET:
		if n < unix.SizeofSockaddrInet4 {
			return netip.AddrPort{}
		}
		sa4 := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa4.Addr), portFromNetwork(sa4.Port))
	case unix.AF_INET6:
		if n < unix.SizeofSockaddrInet6 {
			return netip.AddrPort{}
		}
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), portFromNetwork(sa.Port))
	}
	return netip.AddrPort{}
}

// portFromNetwork turns the sockaddr's port field (network byte order in memory) into
// a port number.
func portFromNetwork(p uint16) uint16 {
	var b [2]byte
	*(*uint16)(unsafe.Pointer(&b[0])) = p
	return binary.BigEndian.Uint16(b[:])
}

// rtcpPolled: the leg's reader drains the RTCP socket at each of its periodic checks
// (pollRTCP) instead of keeping a goroutine blocked on it for the call's life. RTCP
// comes every few seconds; the socket holds it until the next check.
const rtcpPolled = true

// pollRTCP reads every datagram waiting on conn without blocking and hands each to
// handle.
func pollRTCP(conn *net.UDPConn, buf []byte, handle func([]byte, netip.AddrPort)) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return
	}
	var name unix.RawSockaddrInet6 // large enough for either family
	_ = rc.Read(func(fd uintptr) bool {
		for range 64 { // bounded: a flood waits for the next check
			namelen := uint32(unsafe.Sizeof(name))
			n, _, errno := unix.RawSyscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)),
				unix.MSG_DONTWAIT, uintptr(unsafe.Pointer(&name)), uintptr(unsafe.Pointer(&namelen)))
			if errno == unix.EINTR {
				continue
			}
			if errno != 0 {
				return true // EAGAIN: drained; anything else: try at the next check
			}
			handle(buf[:n], sockaddrToAddrPort(&name, namelen))
		}
		return true
	})
}

// rawSender sends a leg's RTP with sendto(2) from inside the runtime poller's write
// callback (syscall.RawConn.Write), which keeps the descriptor from being closed
// under it, as a raw syscall: the socket is non-blocking, so the scheduler need not
// be told. A full send buffer drops the datagram (EAGAIN), as the kernel would drop
// it further on; RTP does not wait.
type rawSender struct {
	rc     syscall.RawConn
	fn     func(fd uintptr) bool
	v6sock bool // an AF_INET6 socket: every destination as IPv6 (IPv4 v4-mapped)
	buf    []byte
	sa4    unix.RawSockaddrInet4
	sa6    unix.RawSockaddrInet6
	v6     bool
	err    error
}

func newSender(conn *net.UDPConn) sender {
	rc, err := conn.SyscallConn()
	la, ok := conn.LocalAddr().(*net.UDPAddr)
	if err != nil || !ok {
		return udpSender{conn}
	}
	s := &rawSender{rc: rc, v6sock: la.IP.To4() == nil}
	s.fn = s.writable
	return s
}

// send is called with the leg's write lock held.
func (s *rawSender) send(b []byte, to netip.AddrPort) error {
	s.buf, s.err = b, nil
	a := to.Addr()
	switch {
	case s.v6sock:
		s.v6 = true
		s.sa6 = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: a.As16()} // As16 maps IPv4
		s.sa6.Port = portToNetwork(to.Port())
	case a.Is4() || a.Is4In6():
		s.v6 = false
		s.sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: a.Unmap().As4()}
		s.sa4.Port = portToNetwork(to.Port())
	default:
		return fmt.Errorf("send to %v: an IPv4 socket cannot reach an IPv6 address", to)
	}
	if err := s.rc.Write(s.fn); err != nil {
		return err
	}
	return s.err
}

func (s *rawSender) writable(fd uintptr) bool {
	p, n := unsafe.Pointer(&s.sa4), uintptr(unix.SizeofSockaddrInet4)
	if s.v6 {
		p, n = unsafe.Pointer(&s.sa6), uintptr(unix.SizeofSockaddrInet6)
	}
	for {
		_, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&s.buf[0])), uintptr(len(s.buf)), unix.MSG_DONTWAIT, uintptr(p), n)
		switch errno {
		case 0:
		case unix.EINTR:
			continue
		default:
			s.err = errno
		}
		return true
	}
}

// portToNetwork is portFromNetwork's inverse.
func portToNetwork(port uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], port)
	return *(*uint16)(unsafe.Pointer(&b[0]))
}
