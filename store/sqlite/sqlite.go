package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/store/internal/sqlstore"
)

// FileName is the database file Open creates in the data directory.
const FileName = "omnigate.db"

// Store is the embedded routing.Store (see that interface for what each method
// promises). It is safe for concurrent use.
type Store struct {
	*queries // every routing.Store method but Close

	w, r *sql.DB
	st   *stmts // the commit's statements, prepared on w
}

// queries is an alias so the embedded field stays unexported.
type queries = sqlstore.Store

var _ routing.Store = (*Store)(nil)

// dsn options every connection shares: wait for locks instead of failing, and
// bind time.Time as Unix microseconds, the precision codec keeps.
const common = "_pragma=busy_timeout(10000)&_time_integer_format=unix_micro"

// Open opens (creating if needed) dataDir/omnigate.db and migrates its schema.
func Open(ctx context.Context, dataDir string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	path := filepath.Join(dataDir, FileName)
	if strings.Contains(path, "?") {
		// The driver would take everything after it for options and open another file.
		return nil, fmt.Errorf("sqlite: open %s: the path may not contain '?'", path)
	}
	// The writer keeps 32 MiB of pages (SQLite's default is 2 MiB): the pages a
	// commit touches stay in memory instead of being read back from the file.
	w, err := sql.Open("sqlite", path+"?"+common+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=cache_size(-32768)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// One writer: SQLite allows no more, and queueing in database/sql is cheaper
	// than spinning on the file lock.
	w.SetMaxOpenConns(1)
	if err := sqlstore.Migrate(ctx, newDB(w, nil), "", migrations, log); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: migrate %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	log.Info("store opened", "backend", "sqlite", "path", path)
	st, err := prepareWrites(ctx, w)
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlite: prepare %s: %w", path, err)
	}
	return &Store{queries: sqlstore.New("sqlite", newDB(w, st), newDB(r, nil)), w: w, r: r, st: st}, nil
}

// Close closes the database; a clean close also checkpoints the WAL into the file.
func (s *Store) Close() error {
	s.st.close()
	if err := errors.Join(s.r.Close(), s.w.Close()); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}
