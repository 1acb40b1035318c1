package webrtc

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/omnigate/omnigate/media"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v4"
)

// qualityEvery is how often Stats asks pion for the receive-side quality: its
// GetStats builds a whole report, which is fine for a metrics scrape but not for a
// caller in a loop.
const qualityEvery = time.Second

// legCounters are the leg's own counts, kept by its goroutines.
type legCounters struct {
	packetsIn, bytesIn   atomic.Uint64
	packetsOut, bytesOut atomic.Uint64
	rejected, rtcpIn     atomic.Uint64
	lastIn               atomic.Int64 // unix ns; 0 before the first packet

	mu          sync.Mutex
	remote      rtcp.ReceptionReport // the browser's last report on our stream
	haveRemote  bool
	quality     quality
	qualityTime time.Time
}

// quality is pion's view of the browser's stream (the stats interceptor's RFC 3550
// counters).
type quality struct {
	received uint64
	lost     int64
	jitter   time.Duration
}

// rtcpLoop reads one RTCP direction until the transceiver stops. Reading is what
// drives pion's interceptors (the receiver-report generator needs the browser's SRs
// to fill LSR/DLSR, so the browser can measure the round trip); the sender side also
// carries the browser's receiver reports on what we send.
func (l *AgentLeg) rtcpLoop(side string, read func([]byte) (int, interceptor.Attributes, error)) {
	defer l.wg.Done()
	buf := make([]byte, media.MaxPacketSize)
	errs := 0
	for {
		n, _, err := read(buf)
		if err != nil {
			if l.isClosed() || errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) {
				return
			}
			if errs++; errs >= maxReadErrors {
				l.log.Warn("rtcp read failing, stopped", "side", side, "err", err)
				return
			}
			continue
		}
		errs = 0
		l.stats.rtcpIn.Add(1)
		l.rtcpIn(buf[:n])
	}
}

// rtcpIn keeps the browser's latest report block about our stream.
func (l *AgentLeg) rtcpIn(b []byte) {
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		return
	}
	l.send.mu.RLock()
	ssrc := l.send.ssrc
	l.send.mu.RUnlock()
	for _, p := range pkts {
		var reports []rtcp.ReceptionReport
		switch r := p.(type) {
		case *rtcp.ReceiverReport:
			reports = r.Reports
		case *rtcp.SenderReport:
			reports = r.Reports
		}
		for _, rep := range reports {
			if rep.SSRC != ssrc {
				continue
			}
			l.stats.mu.Lock()
			l.stats.remote, l.stats.haveRemote = rep, true
			l.stats.mu.Unlock()
		}
	}
}

// quality returns pion's receive statistics for the browser's audio, refreshed at
// most every qualityEvery; a closed leg keeps its last figures.
func (l *AgentLeg) quality(now time.Time) quality {
	l.stats.mu.Lock()
	if l.isClosed() || !l.stats.qualityTime.IsZero() && now.Sub(l.stats.qualityTime) < qualityEvery {
		q := l.stats.quality
		l.stats.mu.Unlock()
		return q
	}
	l.stats.mu.Unlock()

	var q quality
	for _, s := range l.pc.GetStats() {
		in, ok := s.(webrtc.InboundRTPStreamStats)
		if !ok || in.Kind != "audio" {
			continue
		}
		q.received += uint64(in.PacketsReceived)
		q.lost += int64(in.PacketsLost)
		q.jitter = max(q.jitter, time.Duration(in.Jitter*float64(time.Second)))
	}
	l.stats.mu.Lock()
	l.stats.quality, l.stats.qualityTime = q, now
	l.stats.mu.Unlock()
	return q
}

// Stats returns the leg's counters and quality estimate (see media.LegStats).
// PacketsIn counts the browser's packets the leg accepted; Expected, Lost and Jitter
// are pion's RFC 3550 receive statistics for the browser's stream; the Remote fields
// are the browser's last receiver report on ours. Ignored is always 0: ICE, not
// latching, decides who may send.
func (l *AgentLeg) Stats() media.LegStats {
	now := time.Now()
	s := media.LegStats{
		PacketsIn:  l.stats.packetsIn.Load(),
		BytesIn:    l.stats.bytesIn.Load(),
		PacketsOut: l.stats.packetsOut.Load(),
		BytesOut:   l.stats.bytesOut.Load(),
		Rejected:   l.stats.rejected.Load(),
		Dropped:    l.rx.Dropped(),
		RTCPIn:     l.stats.rtcpIn.Load(),
	}
	if ns := l.stats.lastIn.Load(); ns != 0 {
		s.LastPacket = time.Unix(0, ns)
	}
	if q := l.quality(now); q.received > 0 {
		s.Expected = uint64(max(int64(q.received)+q.lost, 0))
		s.Lost = q.lost
		s.Jitter = q.jitter
	}
	l.stats.mu.Lock()
	if l.stats.haveRemote {
		rep := l.stats.remote
		s.RemoteFractionLost = float64(rep.FractionLost) / 256
		s.RemoteJitter = time.Duration(rep.Jitter) * time.Second / time.Duration(l.Codec().ClockRate())
	}
	l.stats.mu.Unlock()
	loss := 0.0
	if s.Expected > 0 && s.Lost > 0 {
		loss = float64(s.Lost) / float64(s.Expected)
	}
	s.MOS = media.EstimateMOS(loss, s.Jitter, 0)
	return s
}
