package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type openAPIDocument struct {
	OpenAPI    string                           `yaml:"openapi"`
	Paths      map[string]map[string]yaml.Node  `yaml:"paths"`
	Components struct{ Schemas map[string]any } `yaml:"components"`
	Security   []map[string][]string            `yaml:"security"`
}

type openAPIOp struct {
	OperationID string                 `yaml:"operationId"`
	Security    *[]map[string][]string `yaml:"security"`
	Responses   map[string]any         `yaml:"responses"`
	RequestBody any                    `yaml:"requestBody"`
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// TestOpenAPIMatchesRoutes holds openapi.yaml to the route table in both directions:
// every route is documented with the method, and every documented operation is
// served. It also checks that each operation says who may call it and how it fails.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc openAPIDocument
	if err := yaml.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.yaml does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0") {
		t.Fatalf("openapi version %q, want 3.0.x", doc.OpenAPI)
	}
	e := newEnv(t, func(_ *Config, o *Options) {
		// cmd mounts the customer chat here; the document covers it too.
		o.Handlers = map[string]http.Handler{"GET /api/v1/chat": http.NotFoundHandler()}
	})

	served := map[string]route{}
	for _, rt := range e.srv.routes {
		served[strings.ToLower(rt.method)+" "+rt.path] = rt
	}
	for pattern := range e.srv.opt.Handlers {
		method, path, _ := strings.Cut(pattern, " ")
		served[strings.ToLower(method)+" "+path] = route{method: method, path: path, public: true}
	}
	documented := map[string]openAPIOp{}
	ids := map[string]bool{}
	for path, item := range doc.Paths {
		for method, node := range item {
			if !slices.Contains(httpMethods, method) {
				continue // path-level parameters
			}
			var op openAPIOp
			if err := node.Decode(&op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			documented[method+" "+path] = op
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("%s %s: missing or repeated operationId %q", method, path, op.OperationID)
			}
			ids[op.OperationID] = true
		}
	}
	for k := range served {
		if _, ok := documented[k]; !ok {
			t.Errorf("served but not documented: %s", k)
		}
	}
	for k := range documented {
		if _, ok := served[k]; !ok {
			t.Errorf("documented but not served: %s", k)
		}
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearer"] == nil {
		t.Errorf("the document's default security must be bearer: %v", doc.Security)
	}
	for k, op := range documented {
		rt, ok := served[k]
		if !ok {
			continue
		}
		public := op.Security != nil && len(*op.Security) == 0
		if public != rt.public {
			t.Errorf("%s: documented public=%v, served public=%v", k, public, rt.public)
		}
		if len(op.Responses) == 0 {
			t.Errorf("%s: no responses", k)
		}
		if !rt.public && op.Responses["401"] == nil {
			t.Errorf("%s: needs a token but documents no 401", k)
		}
		if rt.roles != nil && op.Responses["403"] == nil {
			t.Errorf("%s: is limited to %v but documents no 403", k, rt.roles)
		}
		if rt.method == "POST" && rt.path != "/api/v1/login" && !rt.public && op.RequestBody == nil {
			t.Errorf("%s: POST without a documented request body", k)
		}
	}
	for _, name := range []string{"Error", "Agent", "Interaction", "Message", "Session", "Event", "Queue", "Offer", "AgentEvent"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("schema %s is missing", name)
		}
	}
}
