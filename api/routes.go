package api

import (
	"net/http"
	"slices"
)

// handlerFunc serves one route. p is nil on public routes. A returned error is
// answered by statusOf; a handler that has written its answer returns nil.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p *principal) error

// route is one endpoint. The table below is the API: the mux is built from it and a
// test holds api/openapi.yaml to it in both directions.
type route struct {
	method    string
	path      string // net/http ServeMux syntax: /api/v1/agents/{id}
	public    bool   // no credentials needed
	roles     []Role // nil: any logged-in user; handlers may narrow further ("self")
	websocket bool   // an upgrade: Origin checked first, ?ticket= and ?access_token= accepted
	handle    handlerFunc
}

func (rt route) allows(r Role) bool { return rt.roles == nil || slices.Contains(rt.roles, r) }

var (
	agentsOnly = []Role{RoleAgent}
	agentsSups = []Role{RoleAgent, RoleSupervisor}
	supsAdmins = []Role{RoleSupervisor, RoleAdmin}
)

func (s *Server) routeTable() []route {
	const v1 = "/api/v1"
	rs := []route{
		{method: "POST", path: v1 + "/login", public: true, handle: s.login},
		{method: "POST", path: v1 + "/logout", handle: s.logout},
		{method: "GET", path: v1 + "/me", handle: s.me},
		{method: "POST", path: v1 + "/ws-ticket", handle: s.wsTicket},

		{method: "GET", path: v1 + "/agents", handle: s.listAgents},
		{method: "GET", path: v1 + "/agents/{id}", handle: s.getAgent},
		{method: "POST", path: v1 + "/agents/{id}/state", handle: s.setAgentState},
		{method: "POST", path: v1 + "/agents/{id}/extra-contact", roles: agentsOnly, handle: s.extraContact},
		{method: "GET", path: v1 + "/agents/{id}/events", roles: agentsSups, websocket: true, handle: s.agentEvents},
		{method: "POST", path: v1 + "/agents/{id}/softphone", roles: agentsOnly, handle: s.softphoneOffer},
		{method: "POST", path: v1 + "/agents/{id}/softphone/answer", roles: agentsOnly, handle: s.softphoneAnswer},
		{method: "DELETE", path: v1 + "/agents/{id}/softphone", roles: agentsOnly, handle: s.softphoneClose},
		{method: "POST", path: v1 + "/agents/{id}/dial", roles: agentsOnly, handle: s.dial},

		{method: "POST", path: v1 + "/interactions", roles: supsAdmins, handle: s.createInteraction},
		{method: "GET", path: v1 + "/interactions", handle: s.listInteractions},
		{method: "GET", path: v1 + "/interactions/{id}", handle: s.getInteraction},
		{method: "GET", path: v1 + "/interactions/{id}/messages", handle: s.listMessages},
		{method: "POST", path: v1 + "/interactions/{id}/messages", roles: agentsOnly, handle: s.postMessage},
		{method: "POST", path: v1 + "/interactions/{id}/wrapup", roles: agentsOnly, handle: s.wrapUp},
		{method: "POST", path: v1 + "/interactions/{id}/transfer", roles: agentsSups, handle: s.transfer},
		{method: "POST", path: v1 + "/interactions/{id}/force-close", roles: supsAdmins, handle: s.forceClose},

		{method: "GET", path: v1 + "/sessions/{id}", handle: s.getSession},
		{method: "GET", path: v1 + "/sessions/{id}/events", handle: s.sessionEvents},

		{method: "GET", path: v1 + "/queues", handle: s.listQueues},
		{method: "GET", path: v1 + "/dispositions", handle: s.listDispositions},
		{method: "GET", path: v1 + "/reasons", handle: s.listReasons},
		{method: "GET", path: v1 + "/transfer-options", roles: agentsSups, handle: s.transferOptions},

		{method: "GET", path: v1 + "/openapi.yaml", public: true, handle: s.openAPI},
		{method: "GET", path: "/healthz", public: true, handle: s.health},
		{method: "GET", path: "/metrics", public: true, handle: s.metrics},
	}
	for _, a := range agentActions {
		rs = append(rs, route{method: "POST", path: v1 + "/interactions/{id}/" + a.name, roles: agentsOnly, handle: s.interactionAction(a)})
	}
	return rs
}
