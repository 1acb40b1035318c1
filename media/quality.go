package media

import "time"

// EstimateMOS is a simplified ITU-T G.107 E-model for G.711, in the reduced form of
// Cole & Rosenbluth (2001):
//
//	R     = 93.2 − Id − Ie,eff
//	d     = 20 ms packetisation + 2 × jitter (a playout buffer twice the jitter) + rtt/2
//	Id    = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3)          (d in ms, H the step)
//	Ie,eff = Ie + (95 − Ie)·Ppl / (Ppl + Bpl)                (Ppl loss in %, random loss)
//	Ie = 0 and Bpl = 25.1 for G.711 with packet-loss concealment (G.113 Appendix I)
//	MOS   = 1 + 0.035·R + 7·10⁻⁶·R·(R − 60)·(100 − R)        clamped to [1, 4.5]
//
// lossFraction is 0–1; rtt is 0 when unknown (a plain RTP leg sends no SR, so it
// cannot measure it). A clean call scores about 4.4; 1 % random loss about 4.3, 5 %
// about 3.9. It estimates; it does not replace listening (or P.863).
func EstimateMOS(lossFraction float64, jitter, rtt time.Duration) float64 {
	return MOSFromR(RFactor(lossFraction, jitter, rtt))
}

// RFactor returns the E-model transmission rating R of EstimateMOS.
func RFactor(lossFraction float64, jitter, rtt time.Duration) float64 {
	const (
		r0  = 93.2
		bpl = 25.1
	)
	d := 20 + 2*float64(jitter)/float64(time.Millisecond) + float64(rtt)/float64(time.Millisecond)/2
	id := 0.024 * d
	if d > 177.3 {
		id += 0.11 * (d - 177.3)
	}
	ppl := min(max(lossFraction, 0), 1) * 100
	ie := 95 * ppl / (ppl + bpl)
	return r0 - id - ie
}

// MOSFromR maps an E-model R to a MOS (G.107 Annex B).
func MOSFromR(r float64) float64 {
	switch {
	case r <= 0:
		return 1
	case r >= 100:
		return 4.5
	}
	return min(4.5, max(1, 1+0.035*r+7e-6*r*(r-60)*(100-r)))
}
