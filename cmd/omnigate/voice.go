package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/omnigate/omnigate/api"
	"github.com/omnigate/omnigate/media"
	"github.com/omnigate/omnigate/media/webrtc"
	"github.com/omnigate/omnigate/metrics"
	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
	"github.com/omnigate/omnigate/sip"
)

// voice joins the SIP side, the media plane and routing: it is the "Calls" and
// "Media" that sip asks for, and the "Voice" that api asks for. A call's life:
//
//	trunk INVITE → Incoming: a voice interaction is queued, the caller answered and
//	  given queue music (DTMF listened for)
//	routing offers it → a desk-phone agent's phone rings (RingDevice); a browser
//	  agent sees the offer in the desktop
//	accepted (phone answered, or Accept in the desktop) → interaction active →
//	  the caller's leg is bridged to the agent's leg (RTP relay, no transcoding for
//	  G.711 on both sides)
//	hold → bridge stopped, hold music; resume → bridged again
//	either side hangs up → the other is hung up, the interaction goes to wrap-up
//
// Callbacks from sip, media and routing only record what happened and hand work to
// the voice's own goroutines (the notice loop, one per ringing phone or outbound
// call); Run waits for all of them.
type voice struct {
	log   *slog.Logger
	eng   *routing.Engine
	sip   *sip.Server
	pool  *media.PortPool
	gw    *webrtc.Gateway
	mcfg  media.Config
	music *media.Clip // queue and hold music; nil plays the built-in loop
	trunk string      // trunk for outbound calls
	met   *metrics.Voice

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	work   workQueue
	writes keyedWrites // engine writes per interaction, in order, off the notice loop

	mu     sync.Mutex
	rtp    map[string]*rtpEnd   // sip Call.ID → its RTP endpoint
	calls  map[string]*vcall    // interaction id → call
	bySIP  map[string]*vcall    // sip Call.ID (customer or desk-phone leg) → call
	agents map[string]*agentEnd // agent id → softphone leg
}

// rtpEnd is one SIP leg's media: a port pair until SDP says where the far end is,
// then an RTPLeg with its Outbound (one for the leg's whole life, so its stream stays
// continuous across players and bridges).
type rtpEnd struct {
	pair *media.PortPair
	leg  *media.RTPLeg
	out  *media.Outbound
}

type agentEnd struct {
	leg *webrtc.AgentLeg
	out *media.Outbound
}

// vcall is one voice interaction and the legs that serve it.
type vcall struct {
	id         string
	customer   *sip.Call // the caller (inbound) or the callee (outbound)
	agent      string
	device     *sip.Call // the agent's desk phone leg
	ringAgent  string
	ringCancel context.CancelFunc
	player     *media.Player
	bridge     *media.Bridge
	endReason  string // set before we hang up, so Ended reports why
	gone       bool   // the customer's leg has ended
}

func newVoice(log *slog.Logger, eng *routing.Engine, mcfg media.Config, wcfg webrtc.Config, trunk string) (*voice, error) {
	mcfg.Defaults()
	if err := mcfg.Validate(); err != nil {
		return nil, err
	}
	pcfg, err := mcfg.PortPool()
	if err != nil {
		return nil, err
	}
	pool, err := media.NewPortPool(pcfg)
	if err != nil {
		return nil, fmt.Errorf("rtp ports: %w", err)
	}
	var music *media.Clip
	if mcfg.HoldMusic != "" {
		if music, err = media.OpenWAV(mcfg.HoldMusic, media.PCMU); err != nil {
			return nil, fmt.Errorf("hold music: %w", err)
		}
	}
	gw, err := webrtc.New(wcfg, log)
	if err != nil {
		return nil, fmt.Errorf("webrtc: %w", err)
	}
	v := &voice{
		log: log.With("component", "voice"), eng: eng, pool: pool, gw: gw, mcfg: mcfg, music: music, trunk: trunk,
		rtp: map[string]*rtpEnd{}, calls: map[string]*vcall{}, bySIP: map[string]*vcall{}, agents: map[string]*agentEnd{},
	}
	v.ctx, v.cancel = context.WithCancel(context.Background())
	v.work.init()
	v.writes.init(&v.wg)
	return v, nil
}

// start subscribes to routing and runs the notice loop until close.
func (v *voice) start() (unsubscribe func()) {
	unsub := v.eng.Subscribe(func(n routing.Notice) {
		if n.Interaction != nil && (n.Interaction.Channel == session.Voice || n.Interaction.Channel == session.Video) {
			v.work.push(func() { v.onNotice(n) })
		}
	})
	v.wg.Go(func() { v.work.run(v.ctx) })

	return unsub
}

// close ends every call's media and waits for the voice's goroutines.
func (v *voice) close() {
	v.cancel()
	v.wg.Wait()
	v.mu.Lock()
	for _, vc := range v.calls {
		v.stopMediaLocked(vc)
	}
	for id, a := range v.agents {
		_ = a.leg.Close()
		delete(v.agents, id)
	}
	for id, e := range v.rtp {
		v.releaseEnd(e)
		delete(v.rtp, id)
	}
	v.mu.Unlock()
	_ = v.gw.Close()
}

func newCallID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "call-" + hex.EncodeToString(b[:])
}

// ---- sip.Media ----

// Allocate implements sip.Media.
func (v *voice) Allocate(_ context.Context, callID string) (netip.AddrPort, error) {
	pair, err := v.pool.Allocate()
	if err != nil {
		return netip.AddrPort{}, err
	}
	v.mu.Lock()
	v.rtp[callID] = &rtpEnd{pair: pair}
	v.mu.Unlock()
	return pair.LocalAddr(), nil
}

// Connect implements sip.Media.
func (v *voice) Connect(callID string, remote netip.AddrPort, codec string, dtmfPT uint8) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	e := v.rtp[callID]
	if e == nil {
		return fmt.Errorf("call %s has no media endpoint", callID)
	}
	if e.leg != nil {
		if remote.Addr().IsValid() && !remote.Addr().IsUnspecified() {
			e.leg.SetRemote(remote)
			e.leg.SetMediaTimeout(v.mcfg.MediaTimeout)
		} else {
			e.leg.SetMediaTimeout(-1) // on hold: the far end may send nothing
		}
		return nil
	}
	c := media.ParseCodec(codec, media.ClockRate)
	if remote.Addr().IsUnspecified() {
		remote = netip.AddrPort{}
	}
	leg, err := media.NewRTPLeg(e.pair, media.RTPLegConfig{
		ID: callID, Codec: c, DTMFPayloadType: dtmfPT, Remote: remote, MediaTimeout: v.mcfg.MediaTimeout,
		OnTimeout: func() { v.work.push(func() { v.mediaTimeout(callID) }) },
		OnDTMF:    func(d byte) { v.work.push(func() { v.legDTMF(callID, d) }) },
		Logger:    v.log.With("sip_leg", callID),
	})
	if err != nil {
		return err
	}
	e.leg, e.out = leg, media.NewOutbound(leg)
	return nil
}

// Release implements sip.Media.
func (v *voice) Release(callID string) {
	v.mu.Lock()
	e := v.rtp[callID]
	delete(v.rtp, callID)
	if vc := v.bySIP[callID]; vc != nil {
		v.stopMediaLocked(vc) // nothing may read or write a leg being closed
		v.legReportLocked(callID, e)
	}
	v.mu.Unlock()
	if e != nil {
		v.releaseEnd(e)
	}
}

// legReport puts a closing leg's media figures on its interaction's timeline and in
// the metrics. The caller holds v.mu.
func (v *voice) legReportLocked(callID string, e *rtpEnd) {
	vc := v.bySIP[callID]
	if e == nil || e.leg == nil || vc == nil {
		return
	}
	kind := "customer"
	if vc.device != nil && vc.device.ID == callID {
		kind = "desk-phone"
	}
	v.report(vc.id, kind, e.leg.Stats())
}

func (v *voice) report(id, kind string, st media.LegStats) {
	loss := 0.0
	if st.Expected > 0 && st.Lost > 0 {
		loss = float64(st.Lost) / float64(st.Expected)
	}
	if v.met != nil {
		v.met.Leg(kind, st.PacketsIn, st.PacketsOut, loss, st.Jitter.Seconds(), st.MOS)
	}
	data := map[string]string{
		"leg": kind, "packets_in": strconv.FormatUint(st.PacketsIn, 10), "packets_out": strconv.FormatUint(st.PacketsOut, 10),
		"lost": strconv.FormatInt(st.Lost, 10), "jitter_ms": strconv.FormatFloat(float64(st.Jitter)/float64(time.Millisecond), 'f', 2, 64),
		"mos": strconv.FormatFloat(st.MOS, 'f', 2, 64),
	}
	v.record(id, "system", "interaction.media-stats", kind+" leg", data)
}

// record puts an event on an interaction's timeline, through the writes queue: in
// order with the call's other writes, and without holding up the notice loop.
func (v *voice) record(id, actor, typ, reason string, data map[string]string) {
	v.writes.push(id, func() {
		if err := v.eng.RecordEvent(v.ctx, id, actor, typ, reason, data); err != nil {
			v.log.Warn("record event", "interaction_id", id, "type", typ, "err", err)
		}
	})
}

// VoiceStats implements metrics.VoiceSource.
func (v *voice) VoiceStats() metrics.VoiceSnapshot {
	s := metrics.VoiceSnapshot{ActiveCalls: map[string]int{}, Calls: map[[2]string]uint64{}, WebRTCLegs: map[string]int{},
		PortsInUse: v.pool.InUse(), PortsTotal: v.pool.Size() + v.pool.InUse()}
	if v.sip != nil {
		st := v.sip.Stats()
		s.Registrations, s.Refused, s.AuthFailures = st.Registrations, st.Refused, st.AuthFailures
		for d, n := range st.ActiveCalls {
			s.ActiveCalls[d.String()] = n
		}
		for k, n := range st.Calls {
			s.Calls[[2]string{k.Direction.String(), k.Outcome.String()}] = n
		}
	}
	v.mu.Lock()
	for _, a := range v.agents {
		s.WebRTCLegs[a.leg.State().String()]++
	}
	v.mu.Unlock()
	return s
}

func (v *voice) releaseEnd(e *rtpEnd) {
	if e.leg != nil {
		_ = e.leg.Close()
		return
	}
	_ = e.pair.Release()
}

func (v *voice) mediaTimeout(callID string) {
	v.mu.Lock()
	vc := v.bySIP[callID]
	if vc != nil && vc.customer != nil && vc.customer.ID == callID {
		vc.endReason = "media timeout"
	}
	v.mu.Unlock()
	if vc == nil {
		return
	}
	c := vc.customer
	if vc.device != nil && vc.device.ID == callID {
		c = vc.device
	}
	v.log.Warn("media timeout: hanging up", "interaction_id", vc.id, "sip_leg", callID)
	if c != nil {
		_ = v.sip.Hangup(c, nil)
	}
}

// ---- sip.Calls ----

// Incoming implements sip.Calls: the call becomes a queued voice interaction in the
// caller's session, and the caller hears queue music.
func (v *voice) Incoming(ctx context.Context, c *sip.Call) error {
	vc := &vcall{id: newCallID(), customer: c}
	v.mu.Lock()
	v.calls[vc.id] = vc
	v.bySIP[c.ID] = vc
	v.mu.Unlock()
	_, err := v.eng.CreateInteraction(ctx, routing.NewInteraction{
		ID: vc.id, Channel: session.Voice, Direction: session.Inbound, Queue: c.Queue,
		Customer: routing.CustomerInfo{Phone: c.Caller}, SourceNumber: c.DID,
	})
	if err != nil {
		v.forget(vc)
		if errors.Is(err, routing.ErrQueueFull) {
			c.Log.Info("queue full: caller answered busy", "err", err)
			return fmt.Errorf("%v: %w", err, sip.ErrBusy)
		}
		c.Log.Error("queue call", "err", err)
		if errors.Is(err, routing.ErrNotFound) {
			return fmt.Errorf("queue %s: %w", c.Queue, sip.ErrNotFound)
		}
		return fmt.Errorf("queue call: %v: %w", err, sip.ErrUnavailable)
	}
	if err := v.sip.Answer(c); err != nil {
		c.Log.Warn("answer", "err", err)
		return nil // Ended follows and abandons the interaction
	}
	v.mu.Lock()
	if vc.bridge == nil && !vc.gone {
		v.playLocked(vc, v.queueMusic)
	}
	v.mu.Unlock()
	return nil
}

// Ended implements sip.Calls.
func (v *voice) Ended(c *sip.Call, reason string) {
	v.work.push(func() { v.ended(c, reason) })
}

func (v *voice) ended(c *sip.Call, reason string) {
	v.mu.Lock()
	vc := v.bySIP[c.ID]
	if vc == nil {
		v.mu.Unlock()
		return
	}
	delete(v.bySIP, c.ID)
	if vc.device != nil && vc.device.ID == c.ID {
		// The agent's desk phone hung up: the conversation is over.
		vc.device = nil
		v.stopMediaLocked(vc)
		agent := vc.agent
		if agent == "" {
			agent = vc.ringAgent // hung up before the accept's notice came back
		}
		v.mu.Unlock()
		// The engine's answer comes back as a notice; the notice loop does not wait for
		// the write (each would cost it a store sync).
		v.writes.push(vc.id, func() { v.deskPhoneHungUp(vc.id, agent) })
		return
	}
	vc.gone = true
	if vc.endReason != "" {
		reason = vc.endReason
	}
	v.stopMediaLocked(vc)
	dev := vc.device
	if vc.ringCancel != nil {
		vc.ringCancel()
	}
	v.mu.Unlock()
	if dev != nil {
		_ = v.sip.Hangup(dev, nil)
	}
	if reason == sip.ReasonHangup {
		reason = "agent hung up" // we hung up because the interaction ended
	}
	v.writes.push(vc.id, func() {
		if _, err := v.eng.CustomerLeft(v.ctx, vc.id, "caller: "+reason); err != nil && !errors.Is(err, routing.ErrNotFound) && !errors.Is(err, session.ErrInvalidTransition) {
			v.log.Warn("customer left", "interaction_id", vc.id, "err", err)
		}
		v.forgetIfDone(vc)
	})
}

// Hold implements sip.Calls: the far end put us on hold; it goes on the timeline.
func (v *voice) Hold(c *sip.Call, held bool) {
	v.work.push(func() {
		v.mu.Lock()
		vc := v.bySIP[c.ID]
		v.mu.Unlock()
		if vc == nil {
			return
		}
		typ := "interaction.remote-hold"
		if !held {
			typ = "interaction.remote-resume"
		}
		v.record(vc.id, "customer", typ, "far end re-INVITE/UPDATE", nil)
	})
}

// ---- routing notices ----

func (v *voice) onNotice(n routing.Notice) {
	it := n.Interaction
	v.mu.Lock()
	vc := v.calls[it.ID]
	v.mu.Unlock()
	if vc == nil {
		return
	}
	switch n.Kind {
	case routing.NoticeOffer:
		agent := n.Agents[0]
		if a, err := v.eng.Agent(agent); err == nil && a.Device == "sip" {
			v.ringDesk(vc, agent)
		}
	case routing.NoticeOfferRevoked:
		v.mu.Lock()
		if vc.ringCancel != nil && vc.device == nil {
			vc.ringCancel() // CANCEL towards the desk phone
		}
		v.mu.Unlock()
	case routing.NoticeInteraction:
		v.follow(vc, it)
	}
}

// follow makes the media match the interaction's state.
func (v *voice) follow(vc *vcall, it *session.Interaction) {
	v.mu.Lock()
	switch it.State {
	case session.Active:
		vc.agent = it.AgentID
		if vc.bridge == nil {
			v.connectLocked(vc)
		}
		v.mu.Unlock()
	case session.Held:
		if vc.bridge != nil {
			vc.bridge.Stop()
			vc.bridge = nil
		}
		if !vc.gone {
			v.playLocked(vc, v.queueMusic)
		}
		v.mu.Unlock()
	case session.Wrapup, session.Done, session.Abandoned, session.Closed:
		if vc.bridge != nil && vc.device == nil {
			if a := v.agents[vc.agent]; a != nil {
				v.report(vc.id, "webrtc", a.leg.Stats()) // the shift's leg: its counters so far
			}
		}
		v.stopMediaLocked(vc)
		if vc.ringCancel != nil {
			vc.ringCancel()
		}
		cust, dev := vc.customer, vc.device
		hang := !vc.gone && cust != nil
		if hang {
			vc.endReason = "agent hung up"
		}
		v.mu.Unlock()
		if hang {
			_ = v.sip.Hangup(cust, nil)
		}
		if dev != nil {
			_ = v.sip.Hangup(dev, nil)
		}
		if it.State.Final() {
			v.forgetIfDone(vc)
		}
	default:
		v.mu.Unlock()
	}
}

// connectLocked bridges the customer to the agent's leg (desk phone or softphone).
func (v *voice) connectLocked(vc *vcall) {
	if vc.customer == nil {
		return // outbound, not answered yet: bridged on answer
	}
	ce := v.rtp[vc.customer.ID]
	if ce == nil || ce.leg == nil {
		return
	}
	var agentOut *media.Outbound
	if vc.device != nil {
		if de := v.rtp[vc.device.ID]; de != nil && de.leg != nil {
			agentOut = de.out
		}
	} else if a := v.agents[vc.agent]; a != nil {
		agentOut = a.out
	}
	if agentOut == nil {
		if vc.ringCancel == nil || vc.ringAgent != vc.agent {
			v.log.Warn("agent has no audio leg: start the softphone or register the desk phone", "interaction_id", vc.id, "agent_id", vc.agent)
		}
		return // a ringing desk phone connects when it is answered
	}
	v.stopPlayLocked(vc)
	id := vc.id
	vc.bridge = media.StartBridge(ce.out, agentOut, media.BridgeConfig{
		Logger: v.log.With("interaction_id", id),
		OnDTMF: func(from media.Leg, digit byte) {
			if _, sipLeg := from.(*media.RTPLeg); sipLeg {
				return // reported by the leg itself (legDTMF)
			}
			v.work.push(func() { v.dtmf(id, "agent", digit) })
		},
	})
}

// legDTMF records a key press a SIP leg's far end sent: the customer's, or the
// agent's on a desk phone.
func (v *voice) legDTMF(callID string, digit byte) {
	v.mu.Lock()
	vc := v.bySIP[callID]
	who := "customer"
	if vc != nil && vc.device != nil && vc.device.ID == callID {
		who = "agent"
	}
	v.mu.Unlock()
	if vc != nil {
		v.dtmf(vc.id, who, digit)
	}
}

// dtmf records a key press on the interaction's timeline.
func (v *voice) dtmf(id, who string, digit byte) {
	v.record(id, who, "interaction.dtmf", "RFC 4733", map[string]string{"digit": string(digit)})
}

func (v *voice) queueMusic(c media.Codec) (media.Source, error) {
	if v.music != nil {
		return v.music.Loop(), nil
	}
	return media.NewHoldMusic(c)
}

func (v *voice) ringback(c media.Codec) (media.Source, error) {
	r := media.RingbackEU
	if v.mcfg.Ringback == "us" {
		r = media.RingbackUS
	}
	return media.NewRingback(r, c)
}

// playLocked plays a source to the customer.
func (v *voice) playLocked(vc *vcall, src func(media.Codec) (media.Source, error)) {
	if vc.customer == nil || vc.player != nil {
		return
	}
	e := v.rtp[vc.customer.ID]
	if e == nil || e.leg == nil {
		return
	}
	s, err := src(e.leg.Codec())
	if err != nil {
		v.log.Warn("music", "err", err)
		return
	}
	if vc.player, err = media.StartPlayer(e.out, s); err != nil {
		v.log.Warn("player", "err", err)
		vc.player = nil
	}
}

func (v *voice) stopPlayLocked(vc *vcall) {
	if vc.player != nil {
		vc.player.Stop()
		vc.player = nil
	}
}

func (v *voice) stopMediaLocked(vc *vcall) {
	v.stopPlayLocked(vc)
	if vc.bridge != nil {
		vc.bridge.Stop()
		vc.bridge = nil
	}
}

// ringDesk rings the agent's desk phone; answering it accepts the offer (R4). A
// refusal declines it; no answer is left to routing's offer timeout (RONA), whose
// revoke cancels the ringing.
func (v *voice) ringDesk(vc *vcall, agent string) {
	ctx, cancel := context.WithCancel(v.ctx)
	v.mu.Lock()
	if vc.ringCancel != nil {
		vc.ringCancel()
	}
	vc.ringAgent, vc.ringCancel = agent, cancel
	cust := vc.customer
	v.mu.Unlock()
	v.wg.Go(func() {
		defer cancel()
		b, err := v.sip.RingDevice(ctx, agent, cust)
		actor := routing.Actor{ID: agent, Role: routing.ActorAgent}
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sip.ErrNoAnswer) {
				return // revoked, or no answer: routing's timer decides (RONA)
			}
			v.log.Info("desk phone refused the offer", "interaction_id", vc.id, "agent_id", agent, "err", err)
			if _, derr := v.eng.Decline(v.ctx, vc.id, actor, "desk phone: "+err.Error()); derr != nil {
				v.log.Warn("decline", "interaction_id", vc.id, "err", derr)
			}
			return
		}
		v.mu.Lock()
		if vc.gone {
			v.mu.Unlock()
			_ = v.sip.Hangup(b, nil)
			return
		}
		vc.device = b
		v.bySIP[b.ID] = vc
		v.mu.Unlock()
		_, err = v.eng.Accept(v.ctx, vc.id, actor)
		if err == nil {
			v.mu.Lock()
			hungUp := vc.device != b
			v.mu.Unlock()
			if hungUp {
				// The phone hung up while the accept was being stored: its End may have
				// come too early to apply.
				v.deskPhoneHungUp(vc.id, agent)
			}
			return
		}
		// Already taken from the desktop while the phone rang: the phone is now
		// the agent's audio.
		if it, gerr := v.eng.Interaction(v.ctx, vc.id); gerr == nil && it.AgentID == agent && (it.State == session.Active || it.State == session.Held) {
			v.mu.Lock()
			vc.agent = agent
			if vc.bridge == nil && it.State == session.Active {
				v.connectLocked(vc)
			}
			v.mu.Unlock()
			return
		}
		v.log.Warn("accept after desk phone answered", "interaction_id", vc.id, "err", err)
		v.mu.Lock()
		vc.device = nil
		delete(v.bySIP, b.ID)
		v.mu.Unlock()
		_ = v.sip.Hangup(b, nil)
	})
}

// deskPhoneHungUp ends the interaction because the agent's desk phone hung up; an
// interaction no longer (or not yet) active is left alone.
func (v *voice) deskPhoneHungUp(id, agent string) {
	actor := routing.Actor{ID: agent, Role: routing.ActorAgent}
	if _, err := v.eng.End(v.ctx, id, actor, "agent hung up"); err != nil && !errors.Is(err, session.ErrInvalidTransition) {
		v.log.Warn("end after desk phone hang-up", "interaction_id", id, "err", err)
	}
}

func (v *voice) forget(vc *vcall) {
	v.mu.Lock()
	delete(v.calls, vc.id)
	if vc.customer != nil {
		delete(v.bySIP, vc.customer.ID)
	}
	v.mu.Unlock()
}

func (v *voice) forgetIfDone(vc *vcall) {
	it, err := v.eng.Interaction(v.ctx, vc.id)
	v.mu.Lock()
	defer v.mu.Unlock()
	if err == nil && !it.State.Final() && !vc.gone {
		return
	}
	if vc.gone && vc.device == nil {
		delete(v.calls, vc.id)
	}
}

// ---- api.Voice ----

// SoftphoneOffer implements api.Voice: a new WebRTC leg for the agent (a reload
// replaces the old one; a call in progress moves to the new leg).
func (v *voice) SoftphoneOffer(ctx context.Context, agentID string) (string, error) {
	leg, err := v.gw.NewAgentLeg(ctx, agentID)
	if err != nil {
		return "", err
	}
	sdp, err := leg.Offer()
	if err != nil {
		_ = leg.Close()
		return "", err
	}
	v.mu.Lock()
	old := v.agents[agentID]
	v.agents[agentID] = &agentEnd{leg: leg, out: media.NewOutbound(leg)}
	for _, vc := range v.calls {
		if vc.agent == agentID && vc.device == nil && vc.bridge != nil {
			vc.bridge.Stop()
			vc.bridge = nil
			v.connectLocked(vc)
		}
	}
	v.mu.Unlock()
	if old != nil {
		_ = old.leg.Close()
	}
	return sdp, nil
}

// SoftphoneAnswer implements api.Voice.
func (v *voice) SoftphoneAnswer(_ context.Context, agentID, sdp string) error {
	v.mu.Lock()
	a := v.agents[agentID]
	v.mu.Unlock()
	if a == nil {
		return fmt.Errorf("agent %s has no softphone offer: %w", agentID, routing.ErrConflict)
	}
	if err := a.leg.Answer(sdp); err != nil {
		if errors.Is(err, webrtc.ErrBadAnswer) || errors.Is(err, webrtc.ErrNoCommonCodec) {
			return fmt.Errorf("%v: %w", err, session.ErrInvalid)
		}
		if errors.Is(err, webrtc.ErrNegotiation) {
			return fmt.Errorf("%v: %w", err, routing.ErrConflict)
		}
		return err
	}
	return nil
}

// SoftphoneClose implements api.Voice.
func (v *voice) SoftphoneClose(_ context.Context, agentID string) error {
	v.mu.Lock()
	a := v.agents[agentID]
	delete(v.agents, agentID)
	for _, vc := range v.calls {
		if vc.agent == agentID && vc.device == nil && vc.bridge != nil {
			vc.bridge.Stop()
			vc.bridge = nil
		}
	}
	v.mu.Unlock()
	if a != nil {
		return a.leg.Close()
	}
	return nil
}

// Dial implements api.Voice: an outbound call from a browser agent through the
// trunk; the agent hears ringback until the far end answers.
func (v *voice) Dial(ctx context.Context, agentID, number, queue string) (*session.Interaction, error) {
	v.mu.Lock()
	a := v.agents[agentID]
	v.mu.Unlock()
	if a == nil {
		return nil, fmt.Errorf("agent %s has no softphone: start it before dialling: %w", agentID, routing.ErrConflict)
	}
	vc := &vcall{id: newCallID(), agent: agentID}
	v.mu.Lock()
	v.calls[vc.id] = vc
	v.mu.Unlock()
	it, err := v.eng.StartOutbound(ctx, agentID, routing.NewInteraction{
		ID: vc.id, Channel: session.Voice, Queue: queue, Customer: routing.CustomerInfo{Phone: number}, SourceNumber: v.trunk,
	})
	if err != nil {
		v.forget(vc)
		return nil, err
	}
	dctx, cancel := context.WithCancel(v.ctx)
	v.mu.Lock()
	vc.ringCancel = cancel
	if rb, err := v.ringback(a.leg.Codec()); err == nil {
		vc.player, _ = media.StartPlayer(a.out, rb)
	}
	v.mu.Unlock()
	v.wg.Go(func() {
		defer cancel()
		c, err := v.sip.Dial(dctx, v.trunk, number, agentID)
		v.mu.Lock()
		if vc.player != nil {
			vc.player.Stop()
			vc.player = nil
		}
		if err != nil {
			vc.gone = true
			v.mu.Unlock()
			reason := "call failed: " + err.Error()
			if dctx.Err() != nil {
				reason = "cancelled by the agent"
			}
			if _, eerr := v.eng.End(v.ctx, vc.id, routing.System, reason); eerr != nil && !errors.Is(eerr, session.ErrInvalidTransition) {
				v.log.Warn("end failed call", "interaction_id", vc.id, "err", eerr)
			}
			v.forgetIfDone(vc)
			return
		}
		vc.customer = c
		v.bySIP[c.ID] = vc
		v.connectLocked(vc)
		v.mu.Unlock()
	})
	return it, nil
}

var _ api.Voice = (*voice)(nil)
var _ sip.Calls = (*voice)(nil)
var _ sip.Media = (*voice)(nil)

// workQueue is an unbounded FIFO of jobs run by one goroutine: callbacks from
// routing, sip and media push without ever blocking their caller.
type workQueue struct {
	mu    sync.Mutex
	jobs  []func()
	ready chan struct{}
}

func (q *workQueue) init() { q.ready = make(chan struct{}, 1) }

func (q *workQueue) push(job func()) {
	q.mu.Lock()
	q.jobs = append(q.jobs, job)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// keyedWrites runs the engine writes of each interaction in the order they were
// queued, on a goroutine that lives while that interaction has writes pending; writes
// of different interactions run side by side, so the group commit can share their
// store writes. Close waits for them through the voice's WaitGroup.
type keyedWrites struct {
	wg      *sync.WaitGroup
	mu      sync.Mutex
	pending map[string][]func() // a key is present while its goroutine runs
}

func (k *keyedWrites) init(wg *sync.WaitGroup) {
	k.wg, k.pending = wg, map[string][]func(){}
}

func (k *keyedWrites) push(key string, job func()) {
	k.mu.Lock()
	q, running := k.pending[key]
	k.pending[key] = append(q, job)
	k.mu.Unlock()
	if !running {
		k.wg.Go(func() { k.drain(key) })
	}
}

func (k *keyedWrites) drain(key string) {
	for {
		k.mu.Lock()
		q := k.pending[key]
		if len(q) == 0 {
			delete(k.pending, key)
			k.mu.Unlock()
			return
		}
		job := q[0]
		k.pending[key] = q[1:]
		k.mu.Unlock()
		job()
	}
}

// flush runs the queued jobs in order until none is left.
func (q *workQueue) flush() {
	for {
		q.mu.Lock()
		if len(q.jobs) == 0 {
			q.mu.Unlock()
			return
		}
		job := q.jobs[0]
		q.jobs = q.jobs[1:]
		q.mu.Unlock()
		job()
	}
}

func (q *workQueue) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-q.ready:
		}
		q.flush()
	}
}
