package media

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
)

// PortPoolConfig is the RTP port range of the SIP side.
type PortPoolConfig struct {
	// IP is the local address RTP sockets bind to; the zero value means 127.0.0.1.
	IP netip.Addr
	// Min is the first port of the range (inclusive); an odd value is rounded up.
	Min int
	// Max ends the range (exclusive): a pair (p, p+1) is used only if p+1 < Max.
	Max int
}

// Validate reports a range that holds no even/odd pair or lies outside 1–65535.
func (c PortPoolConfig) Validate() error {
	lo := c.Min + c.Min&1
	if c.Min < 1 || c.Max > 65536 || lo+1 >= c.Max {
		return fmt.Errorf("rtp port range [%d,%d) holds no even/odd pair: %w", c.Min, c.Max, ErrInvalidConfig)
	}
	if c.IP.IsValid() && !c.IP.Is4() && !c.IP.Is6() {
		return fmt.Errorf("rtp ip %v: %w", c.IP, ErrInvalidConfig)
	}
	return nil
}

// PortPool hands out RTP/RTCP socket pairs on even ports (RFC 3550 §11: RTP even, RTCP
// the next odd port; some gateways misroute media sent to an odd one). Both sockets are
// bound so that nothing else can take the RTCP port. Ports bound by someone else are
// skipped. A released port goes to the back of the free list, so it rests for a whole
// turn of the range before reuse and stray packets of the old call find it closed
// rather than delivered to a new one. Safe for concurrent use.
type PortPool struct {
	ip netip.Addr
	mu sync.Mutex
	// free is a FIFO ring of even ports; every port of the range is either in it or
	// held by exactly one PortPair.
	free  []int
	head  int
	count int
	inUse int
}

// NewPortPool builds the free list of the range; nothing is bound until Allocate.
func NewPortPool(cfg PortPoolConfig) (*PortPool, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ip := cfg.IP
	if !ip.IsValid() {
		ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	p := &PortPool{ip: ip.Unmap()}
	for port := cfg.Min + cfg.Min&1; port+1 < cfg.Max; port += 2 {
		p.free = append(p.free, port)
	}
	p.count = len(p.free)
	return p, nil
}

// IP returns the address the pool binds.
func (p *PortPool) IP() netip.Addr { return p.ip }

// InUse returns how many pairs are allocated (for metrics).
func (p *PortPool) InUse() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inUse
}

// Size returns the number of pairs in the range.
func (p *PortPool) Size() int { return len(p.free) }

func (p *PortPool) pop() (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.count == 0 {
		return 0, false
	}
	port := p.free[p.head]
	p.head = (p.head + 1) % len(p.free)
	p.count--
	return port, true
}

// push puts a port at the back of the ring; held tells whether it was allocated.
func (p *PortPool) push(port int, held bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.free[(p.head+p.count)%len(p.free)] = port
	p.count++
	if held {
		p.inUse--
	}
}

// Allocate binds the next free even port and the odd one above it. It tries each free
// port at most once and fails with ErrPortsExhausted (saying why the last bind failed,
// if one did) when none can be bound.
func (p *PortPool) Allocate() (*PortPair, error) {
	var lastErr error
	for range len(p.free) {
		port, ok := p.pop()
		if !ok {
			break
		}
		rtpConn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, uint16(port))))
		if err != nil {
			lastErr = err
			p.push(port, false)
			continue
		}
		rtcpConn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.ip, uint16(port+1))))
		if err != nil {
			lastErr = err
			rtpConn.Close()
			p.push(port, false)
			continue
		}
		p.mu.Lock()
		p.inUse++
		p.mu.Unlock()
		return &PortPair{RTP: rtpConn, RTCP: rtcpConn, port: port, pool: p}, nil
	}
	if lastErr != nil {
		return nil, fmt.Errorf("%w (last bind: %v)", ErrPortsExhausted, lastErr)
	}
	return nil, ErrPortsExhausted
}

// PortPair is an allocated RTP socket (even port) and its RTCP socket (port+1).
type PortPair struct {
	RTP  *net.UDPConn
	RTCP *net.UDPConn
	port int
	pool *PortPool
	once sync.Once
}

// Port returns the RTP port; RTCP is Port()+1.
func (pp *PortPair) Port() int { return pp.port }

// LocalAddr returns the RTP socket's address, the one to put in SDP.
func (pp *PortPair) LocalAddr() netip.AddrPort {
	return netip.AddrPortFrom(pp.pool.ip, uint16(pp.port))
}

// Release closes both sockets and returns the port to the back of the free list. It is
// idempotent.
func (pp *PortPair) Release() error {
	var err error
	pp.once.Do(func() {
		err = pp.RTP.Close()
		if e := pp.RTCP.Close(); err == nil {
			err = e
		}
		pp.pool.push(pp.port, true)
	})
	return err
}
