package webrtc

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate/internal/testkit"

	"github.com/chromedp/chromedp"
	"github.com/omnigate/omnigate/media"
	"github.com/pion/rtp"
)

// signal carries an SDP between the gateway and the desktop: an
// RTCSessionDescriptionInit ({type, sdp}) plus the leg it belongs to, the shape of
// api's POST /agents/{id}/softphone/offer and /answer (see doc.go).
type signal struct {
	Type  string `json:"type"`
	SDP   string `json:"sdp"`
	LegID string `json:"leg_id"`
}

// agentPage is the least a desktop does: take the gateway's offer, put the
// microphone on the offered audio transceiver, answer without trickle, and play
// what the gateway sends.
const agentPage = `<!doctype html>
<html><body><audio id="remote" autoplay></audio><pre id="log"></pre>
<script>
const log = (m) => { document.getElementById('log').textContent += m + '\n'; };
window.agent = { state: 'starting' };
async function start() {
  const msg = await (await fetch('/offer', { method: 'POST' })).json(); // {type:'offer', sdp, leg_id}
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  window.pc = pc;
  pc.onconnectionstatechange = () => { window.agent.state = pc.connectionState; log(pc.connectionState); };
  pc.ontrack = (e) => {
    const el = document.getElementById('remote');
    el.srcObject = new MediaStream([e.track]);
    el.play().catch((err) => log('play: ' + err));
  };
  await pc.setRemoteDescription({ type: msg.type, sdp: msg.sdp });
  const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
  const tr = pc.getTransceivers().find((t) => t.receiver.track.kind === 'audio');
  await tr.sender.replaceTrack(mic.getAudioTracks()[0]);
  tr.direction = 'sendrecv';
  await pc.setLocalDescription(await pc.createAnswer());
  if (pc.iceGatheringState !== 'complete') {
    await new Promise((resolve) => pc.addEventListener('icegatheringstatechange',
      () => { if (pc.iceGatheringState === 'complete') resolve(); }));
  }
  const res = await fetch('/answer', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'answer', sdp: pc.localDescription.sdp, leg_id: msg.leg_id }) });
  if (!res.ok) throw new Error('answer refused: ' + await res.text());
  window.agent.state = 'answered';
}
start().catch((err) => { window.agent.state = 'error: ' + err; log(String(err)); });

// inbound returns what the page measured of the gateway's audio.
window.inbound = async () => {
  const out = { packetsReceived: 0, audioLevel: 0, totalAudioEnergy: 0, mimeType: '', sentMimeType: '', packetsSent: 0 };
  if (!window.pc) return out;
  const stats = await window.pc.getStats();
  stats.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      out.packetsReceived = s.packetsReceived || 0;
      out.audioLevel = s.audioLevel || 0;
      out.totalAudioEnergy = s.totalAudioEnergy || 0;
      const c = stats.get(s.codecId);
      out.mimeType = c ? c.mimeType : '';
    }
    if (s.type === 'outbound-rtp' && s.kind === 'audio') {
      out.packetsSent = s.packetsSent || 0;
      const c = stats.get(s.codecId);
      out.sentMimeType = c ? c.mimeType : '';
    }
  });
  return out;
};
</script></body></html>`

type pageStats struct {
	PacketsReceived  int     `json:"packetsReceived"`
	AudioLevel       float64 `json:"audioLevel"`
	TotalAudioEnergy float64 `json:"totalAudioEnergy"`
	MimeType         string  `json:"mimeType"`
	SentMimeType     string  `json:"sentMimeType"`
	PacketsSent      int     `json:"packetsSent"`
}

// chromium starts headless Chromium with a fake microphone and returns a tab.
func chromium(t *testing.T) context.Context { return testkit.Chromium(t) }

// tone440 is one second of a 440 Hz sine at about −12 dBFS: 440 whole cycles, so it
// loops without a click.
func tone440(t *testing.T) *media.Clip {
	t.Helper()
	pcm := make([]int16, media.ClockRate)
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/media.ClockRate))
	}
	c, err := media.NewClip(media.PCMU, pcm)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Headless Chromium as the agent's browser: it answers the gateway's offer with its
// fake microphone, DTLS-SRTP comes up on the gateway's one loopback port, the
// browser's audio reaches ReadRTP, and the 440 Hz tone the gateway plays is decoded
// by the browser as PCMU with a non-zero level.
func TestChromiumAgentLeg(t *testing.T) {
	ctx := chromium(t)
	g := newTestGateway(t)
	l := newTestLeg(t, g, "alice")

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, agentPage)
	})
	mux.HandleFunc("POST /offer", func(w http.ResponseWriter, _ *http.Request) {
		sdp, err := l.Offer()
		if err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(signal{Type: "offer", SDP: sdp, LegID: l.ID()})
	})
	answered := make(chan error, 1)
	mux.HandleFunc("POST /answer", func(w http.ResponseWriter, r *http.Request) {
		var msg signal
		err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 2*MaxSDPSize)).Decode(&msg)
		switch {
		case err != nil:
		case msg.Type != "answer" || msg.LegID != l.ID():
			err = errors.New("unexpected message " + msg.Type + " for " + msg.LegID)
		default:
			err = l.Answer(msg.SDP)
		}
		select {
		case answered <- err:
		default:
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	step, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(step, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	select {
	case err := <-answered:
		if err != nil {
			t.Fatalf("answer: %v", err)
		}
	case <-time.After(20 * time.Second):
		st, _ := chromedp.Run(step, chromedp.Evaluate[string](`window.agent.state`))
		t.Fatalf("no answer from the page (state %q)", st)
	}
	eventually(t, "leg connected to chromium", func() bool { return l.State() == StateConnected })
	if l.Codec() != media.PCMU {
		t.Fatalf("negotiated %v", l.Codec())
	}

	player, err := media.StartPlayer(media.NewOutbound(l), tone440(t).Loop())
	if err != nil {
		t.Fatal(err)
	}
	defer player.Stop()

	// The browser's fake microphone reaches ReadRTP.
	var (
		p   rtp.Packet
		buf [1500]byte
		n   int
	)
	_ = l.SetReadDeadline(time.Now().Add(10 * time.Second))
	for n < 50 {
		if err := l.ReadRTP(&p, buf[:]); err != nil {
			t.Fatalf("ReadRTP after %d packets: %v", n, err)
		}
		if p.PayloadType == uint8(media.PCMU) && len(p.Payload) > 0 {
			n++
		}
	}
	_ = l.SetReadDeadline(time.Time{})

	// The gateway's tone is received, decoded and heard by the browser.
	var last pageStats
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		s, err := chromedp.Run(c, chromedp.Evaluate[pageStats](`window.inbound()`, chromedp.EvalAwaitPromise))
		cancel()
		if err != nil {
			t.Fatalf("getStats: %v", err)
		}
		last = s
		if s.PacketsReceived >= 50 && (s.AudioLevel > 0 || s.TotalAudioEnergy > 0) && s.MimeType != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("browser inbound audio: %+v", s)
		}
		time.Sleep(100 * time.Millisecond) // polling the page, bounded by the deadline
	}
	if !strings.EqualFold(last.MimeType, "audio/PCMU") || !strings.EqualFold(last.SentMimeType, "audio/PCMU") {
		t.Fatalf("codecs in the browser: received %q, sent %q", last.MimeType, last.SentMimeType)
	}
	if s := l.Stats(); s.PacketsOut < 50 {
		t.Fatalf("gateway stats %+v", s)
	}
	// Chrome reports on audio every few seconds; its report on our stream arrives.
	eventually(t, "the browser's receiver report", func() bool {
		l.stats.mu.Lock()
		defer l.stats.mu.Unlock()
		return l.stats.haveRemote
	})
	t.Logf("browser: %+v; gateway: %+v", last, l.Stats())
}
