package testkit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Dial opens a WebSocket to url (ws:// or wss://), sending Origin unless origin is
// empty; the connection is dropped at the test's cleanup. The error and the
// response are returned for the test to judge: a refused upgrade is often the point.
func Dial(t testing.TB, url, origin string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	conn, res, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		return nil, res, err
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return conn, res, nil
}

// WantClose reads and drops messages until the socket ends, and fails the test
// unless the peer closed it with want within Timeout.
func WantClose(t testing.TB, conn *websocket.Conn, want websocket.StatusCode) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	for {
		_, _, err := conn.Read(ctx)
		if err == nil {
			continue
		}
		if got := websocket.CloseStatus(err); got != want {
			t.Fatalf("socket ended with %v, want close status %v", err, want)
		}
		return
	}
}

// ReadJSON reads the next message within d and decodes it into v; it returns the
// message as read, for failure messages.
func ReadJSON(conn *websocket.Conn, d time.Duration, v any) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, b, err := conn.Read(ctx)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return b, fmt.Errorf("decode %s: %w", b, err)
	}
	return b, nil
}
