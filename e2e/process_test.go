package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/omnigate/omnigate/internal/testkit"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "omnigate-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "omnigate")
	build := exec.Command("go", "build", "-o", binary, "../cmd/omnigate")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build omnigate:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func requirePeer(t *testing.T, what string, err error) { testkit.RequirePeer(t, what, err) }

// server is one running omnigate process.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	done chan struct{}
	mu   sync.Mutex
	out  bytes.Buffer
}

var urlLine = regexp.MustCompile(`Agent desktop:\s+(http://\S+)/desktop/`)

// start runs the binary with its data in dataDir: the demo, unless env holds a
// "--config=FILE" flag (entries starting with "--" are flags, the rest variables).
func start(t *testing.T, dataDir string, env ...string) *server {
	t.Helper()
	s := &server{t: t, done: make(chan struct{})}
	var args []string
	for _, e := range env {
		if strings.HasPrefix(e, "--") { // a flag, not a variable
			args = append(args, e)
		}
	}
	s.cmd = exec.Command(binary, args...)
	s.cmd.Env = append(os.Environ(), "OMNIGATE_HTTP_ADDR=127.0.0.1:0", "OMNIGATE_SIP_ADDR=127.0.0.1:0", "OMNIGATE_STORE_DATA_DIR="+dataDir, "OMNIGATE_LOG_LEVEL=warn")
	for _, e := range env {
		if !strings.HasPrefix(e, "--") {
			s.cmd.Env = append(s.cmd.Env, e)
		}
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stderr = &lockedWriter{s: s}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.out.WriteString(line + "\n")
			s.mu.Unlock()
			if m := urlLine.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		_ = s.cmd.Wait()
	}()
	t.Cleanup(func() { s.kill(syscall.SIGKILL) })
	select {
	case s.base = <-found:
	case <-s.done:
		t.Fatalf("omnigate exited before serving:\n%s", s.output())
	case <-time.After(60 * time.Second):
		t.Fatalf("omnigate did not start:\n%s", s.output())
	}
	return s
}

type lockedWriter struct{ s *server }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.out.Write(p)
}

func (s *server) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// kill sends sig and waits for the process to go.
func (s *server) kill(sig syscall.Signal) {
	if s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// call makes one API request and decodes the JSON answer into out (if not nil).
func (s *server) call(method, path, token string, body any, out any) int {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			s.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	if resp.StatusCode >= 300 && out != nil {
		s.t.Logf("%s %s → %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	return resp.StatusCode
}

func (s *server) login(user string) string {
	s.t.Helper()
	var r struct {
		Token string `json:"token"`
	}
	if code := s.call("POST", "/api/v1/login", "", map[string]string{"username": user, "password": user}, &r); code != 200 {
		s.t.Fatalf("login %s: %d", user, code)
	}
	return r.Token
}

// waitOutput waits until the process has printed want (bounded), and reports whether it did.
func (s *server) waitOutput(want string) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.output(), want) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond) // polling the captured output, bounded above
	}
	return true
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

func readAll(r io.Reader) ([]byte, error) { return io.ReadAll(r) }
