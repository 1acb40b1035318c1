package postgres_test

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/omnigate/omnigate/internal/testkit"
	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/store/postgres"
	"github.com/omnigate/omnigate/store/storetest"
)

// baseURL is the server the tests use; each test gets its own schema in it.
func baseURL() string {
	if u := os.Getenv("OMNIGATE_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "host=/var/run/postgresql dbname=omnigate_test"
}

// withSearchPath adds a search_path to a connection string of either form.
func withSearchPath(conn, schema string) string {
	if !strings.Contains(conn, "://") {
		return conn + " search_path=" + schema
	}
	u, err := url.Parse(conn)
	if err != nil {
		return conn // Open reports the unparsable string
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// freshSchema creates an empty schema, dropped when the test ends, and returns
// a connection string that works in it. It skips (or fails in CI) without a server.
func freshSchema(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, baseURL())
	testkit.RequirePeer(t, "postgres", err)
	schema := "omnigate_test_" + strings.ToLower(rand.Text()[:12])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		conn.Close(ctx)
		t.Fatal(err)
	}
	conn.Close(ctx)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, baseURL())
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(baseURL(), schema)
}

func open(t testing.TB, conn string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) routing.Store { return open(t, freshSchema(t)) })
}

// TestConcurrentOpen is two nodes starting at once on an empty database: the
// advisory lock lets exactly one of them migrate.
func TestConcurrentOpen(t *testing.T) {
	conn := freshSchema(t)
	errs := make(chan error, 4)
	for range cap(errs) {
		go func() {
			s, err := postgres.Open(t.Context(), conn, nil)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range cap(errs) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	c, err := pgx.Connect(t.Context(), conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(t.Context())
	var n int
	if err := c.QueryRow(t.Context(), "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n != 1 {
		t.Errorf("schema_migrations has %d rows (%v), want 1", n, err)
	}
}

func BenchmarkCommit(b *testing.B) {
	storetest.BenchCommit(b, open(b, freshSchema(b)))
}

func TestWithSearchPath(t *testing.T) {
	for in, want := range map[string]string{
		"host=/tmp dbname=x":                "host=/tmp dbname=x search_path=s",
		"postgres://u@h/db":                 "postgres://u@h/db?search_path=s",
		"postgres://u@h/db?sslmode=disable": "postgres://u@h/db?search_path=s&sslmode=disable",
	} {
		if got := withSearchPath(in, "s"); got != want {
			t.Errorf("withSearchPath(%q) = %q, want %q", in, got, want)
		}
	}
}
