package e2e

import (
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A real Prometheus scrapes Omnigate with the shipped rules: the queue depth it
// stores follows a work item being queued, and the recording rules load.
func TestPrometheusScrapesOmnigate(t *testing.T) {
	bin := lookPeer(t, "prometheus")
	s := start(t, t.TempDir())
	dir := t.TempDir()
	rules, _ := filepath.Abs(filepath.Join("..", "deploy", "prometheus", "omnigate.rules.yml"))
	target := strings.TrimPrefix(s.base, "http://")
	cfg := "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [\"" + rules + "\"]\nscrape_configs:\n  - job_name: omnigate\n    static_configs:\n      - targets: [\"" + target + "\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	port := freePort(t, false)
	prom := exec.CommandContext(t.Context(), bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address=127.0.0.1:"+strconv.Itoa(port))
	out := &strings.Builder{}
	prom.Stdout, prom.Stderr = out, out
	if err := prom.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = prom.Process.Kill(); _ = prom.Wait() })

	admin := s.login("admin")
	if code := s.call("POST", "/api/v1/interactions", admin, map[string]any{"channel": "email", "queue": "support", "subject": "Invoice",
		"customer": map[string]string{"email": "x@example.com"}}, nil); code != 201 {
		t.Fatalf("create: %d", code)
	}
	query := func(q string) (string, bool) {
		body, err := httpGet("http://127.0.0.1:" + strconv.Itoa(port) + "/api/v1/query?query=" + url.QueryEscape(q))
		if err != nil {
			return "", false
		}
		var r struct {
			Data struct {
				Result []struct {
					Value []any `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		if json.Unmarshal([]byte(body), &r) != nil || len(r.Data.Result) == 0 {
			return "", false
		}
		v, _ := r.Data.Result[0].Value[1].(string)
		return v, true
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if v, ok := query(`omnigate_queue_depth{queue="support"}`); ok && v == "1" {
			break
		}
		if time.Now().After(deadline) {
			v, _ := query(`up{job="omnigate"}`)
			t.Fatalf("Prometheus never stored queue depth 1 (up=%s):\n%s", v, out.String())
		}
		time.Sleep(200 * time.Millisecond) // polling, bounded by the deadline
	}
	for !strings.Contains(out.String(), "Server is ready") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	rulesBody, err := httpGet("http://127.0.0.1:" + strconv.Itoa(port) + "/api/v1/rules")
	if err != nil || !strings.Contains(rulesBody, "omnigate:service_level:ratio_rate15m") || strings.Contains(rulesBody, `"health":"err"`) {
		t.Fatalf("rules not loaded or unhealthy: %v %s", err, rulesBody)
	}
}
