package sip

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/emiago/sipgo"
)

// The sip package is an adapter: it reaches the business side and the media plane only
// through the interfaces it declares (STYLE.md), never by importing them.
func TestImportsStayInTheirLane(t *testing.T) {
	forbidden := []string{"routing", "session", "media", "store", "api", "channels", "metrics", "cmd"}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range file.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			for _, p := range forbidden {
				if path == "github.com/omnigate/omnigate/"+p || strings.HasPrefix(path, "github.com/omnigate/omnigate/"+p+"/") {
					t.Errorf("%s imports %s", f, path)
				}
			}
		}
	}
}

func TestDIDLookup(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.DIDs = map[string]string{"+31201234567": "sales", "2000": "support"} })
	p := newPeer(t, "udp")
	ctx := testCtx(t)
	for _, tc := range []struct{ dialled, queue string }{{"31201234567", "sales"}, {"+31201234567", "sales"}, {"+2000", "support"}} {
		sess, err := p.invite(ctx, e.udpAddr(), tc.dialled, offerSDP("127.0.0.1:30000"))
		if err != nil {
			t.Fatal(err)
		}
		call := recv(t, e.calls.incoming, "Incoming")
		if call.Queue != tc.queue || call.DID != tc.dialled {
			t.Fatalf("%s: %+v", tc.dialled, call)
		}
		e.srv.Hangup(call, ErrBusy)
		sess.WaitAnswer(ctx, sipgo.AnswerOptions{})
		sess.Close()
		recv(t, e.calls.ended, "Ended")
	}
	if res := inviteStatus(t, p, e.udpAddr(), "3120", offerSDP("127.0.0.1:30000")); res.StatusCode != 404 {
		t.Fatalf("unknown DID: %d", res.StatusCode)
	}
}
