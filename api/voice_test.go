package api

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

// fakeVoice records what the API asked of the voice gateway.
type fakeVoice struct {
	eng   *routing.Engine
	mu    sync.Mutex
	calls []string
}

func (f *fakeVoice) log(s string) {
	f.mu.Lock()
	f.calls = append(f.calls, s)
	f.mu.Unlock()
}

func (f *fakeVoice) SoftphoneOffer(_ context.Context, agent string) (string, error) {
	f.log("offer " + agent)
	return "v=0\r\n", nil
}

func (f *fakeVoice) SoftphoneAnswer(_ context.Context, agent, sdp string) error {
	f.log("answer " + agent + " " + sdp)
	return nil
}

func (f *fakeVoice) SoftphoneClose(_ context.Context, agent string) error {
	f.log("close " + agent)
	return nil
}

func (f *fakeVoice) Dial(ctx context.Context, agent, number, queue string) (*session.Interaction, error) {
	if number == "486" {
		return nil, fmt.Errorf("busy: %w", ErrVoiceFailed)
	}
	f.log("dial " + agent + " " + number)
	return f.eng.StartOutbound(ctx, agent, routing.NewInteraction{Channel: session.Voice, Queue: queue, Customer: routing.CustomerInfo{Phone: number}})
}

func TestVoiceEndpointsWithoutGateway(t *testing.T) {
	e := newEnv(t)
	alice := e.login("alice")
	e.wantError("POST", "/api/v1/agents/alice/softphone", alice, nil, http.StatusNotFound)
	e.wantError("POST", "/api/v1/agents/alice/dial", alice, map[string]any{"number": "123", "queue": "sales"}, http.StatusNotFound)
}

func TestVoiceEndpoints(t *testing.T) {
	fv := &fakeVoice{}
	e := newEnv(t, func(_ *Config, o *Options) { o.Voice = fv })
	fv.eng = e.eng
	alice, bob, sue := e.login("alice"), e.login("bob"), e.login("sue")

	var offer sdpJSON
	e.call("POST", "/api/v1/agents/alice/softphone", alice, nil, http.StatusOK, &offer)
	if offer.Type != "offer" || offer.SDP != "v=0\r\n" {
		t.Fatalf("offer = %+v", offer)
	}
	e.wantError("POST", "/api/v1/agents/alice/softphone", bob, nil, http.StatusForbidden)
	e.wantError("POST", "/api/v1/agents/alice/softphone", sue, nil, http.StatusForbidden)
	e.wantError("POST", "/api/v1/agents/alice/softphone", "", nil, http.StatusUnauthorized)
	e.call("POST", "/api/v1/agents/alice/softphone/answer", alice, map[string]any{"type": "answer", "sdp": "v=0 answer"}, http.StatusNoContent, nil)
	e.wantError("POST", "/api/v1/agents/alice/softphone/answer", alice, map[string]any{"sdp": ""}, http.StatusBadRequest)
	e.wantError("POST", "/api/v1/agents/alice/softphone/answer", alice, map[string]any{"type": "offer", "sdp": "x"}, http.StatusBadRequest)
	e.wantError("POST", "/api/v1/agents/alice/softphone/answer", alice, `{"sdp":"x","extra":1}`, http.StatusBadRequest)

	e.wantError("POST", "/api/v1/agents/alice/dial", alice, map[string]any{"number": "12ab", "queue": "sales"}, http.StatusBadRequest)
	e.wantError("POST", "/api/v1/agents/alice/dial", alice, map[string]any{"number": "123"}, http.StatusBadRequest)
	e.wantError("POST", "/api/v1/agents/alice/dial", alice, map[string]any{"number": "486", "queue": "sales"}, http.StatusBadGateway)
	e.setState(alice, "alice", "available")
	var it interactionJSON
	e.call("POST", "/api/v1/agents/alice/dial", alice, map[string]any{"number": "+3225550100", "queue": "sales"}, http.StatusCreated, &it)
	if it.State != "active" || it.Channel != "voice" || it.Direction != "outbound" || it.AgentID != "alice" {
		t.Fatalf("dialled: %+v", it)
	}
	e.call("DELETE", "/api/v1/agents/alice/softphone", alice, nil, http.StatusNoContent, nil)

	fv.mu.Lock()
	defer fv.mu.Unlock()
	want := []string{"offer alice", "answer alice v=0 answer", "dial alice +3225550100", "close alice"}
	if fmt.Sprint(fv.calls) != fmt.Sprint(want) {
		t.Fatalf("gateway calls = %q, want %q", fv.calls, want)
	}
}
