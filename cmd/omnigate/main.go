// Command omnigate runs the Omnigate contact-center engine. With no configuration it
// starts the built-in demo (SPEC §8).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/crypto/bcrypt"

	"github.com/omnigate/omnigate/api"
	"github.com/omnigate/omnigate/channels/webchat"
	"github.com/omnigate/omnigate/metrics"
	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/sip"
	"github.com/omnigate/omnigate/store/postgres"
	"github.com/omnigate/omnigate/store/sqlite"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("omnigate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (YAML); none starts the demo")
	check := fs.String("check-config", "", "validate a configuration file and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *check != "" {
		c, _, err := loadConfig(*check)
		if err == nil {
			_, err = users(c, bcrypt.MinCost)
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: invalid configuration:\n%v\n", *check, err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: configuration OK (%d queues, %d agents, %d users)\n", *check, len(c.Queues), len(c.Agents), len(c.Users))
		return 0
	}
	c, isDemo, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "omnigate: %v\n", err)
		return 1
	}
	log := newLogger(c, stderr)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := serve(ctx, c, isDemo, log, stdout); err != nil {
		log.Error("omnigate stopped", "err", err)
		return 1
	}
	return 0
}

func newLogger(c fileConfig, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Log.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func openStore(ctx context.Context, c fileConfig, log *slog.Logger) (routing.Store, string, error) {
	if c.Store.URL != "" {
		s, err := postgres.Open(ctx, c.Store.URL, log)
		return s, "postgresql", err
	}
	s, err := sqlite.Open(ctx, c.Store.DataDir, log)
	return s, "embedded (" + c.Store.DataDir + ")", err
}

// serve runs until ctx ends, then drains: no new offers, HTTP finishes what is in
// flight, sockets close, the store is closed last so every write lands.
func serve(ctx context.Context, c fileConfig, isDemo bool, log *slog.Logger, stdout io.Writer) error {
	st, where, err := openStore(ctx, c, log)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()

	rc, err := c.routing()
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var eng *routing.Engine
	m, err := metrics.New(reg, statsFunc(func() routing.Stats { return eng.Stats() }))
	if err != nil {
		return err
	}
	eng, err = routing.New(rc, st, routing.Options{Logger: log, Observer: m})
	if err != nil {
		return err
	}
	if err := eng.Start(ctx); err != nil {
		return err
	}

	cost := bcrypt.DefaultCost
	if isDemo {
		cost = bcrypt.MinCost // demo passwords are public anyway; start fast
	}
	us, err := users(c, cost)
	if err != nil {
		return err
	}
	var dispositions []api.Disposition
	for _, d := range c.Dispositions {
		label := d.Label
		if label == "" {
			label = d.Code
		}
		dispositions = append(dispositions, api.Disposition{Code: d.Code, Label: label})
	}
	mc, err := c.media()
	if err != nil {
		return err
	}
	wc, err := c.webrtc()
	if err != nil {
		return err
	}
	sc, err := c.sip()
	if err != nil {
		return err
	}
	vc, err := newVoice(log, eng, mc, wc, c.SIP.OutboundTrunk)
	if err != nil {
		return err
	}
	defer vc.close()
	sipSrv, err := sip.New(sc, vc, vc, sip.Options{Logger: log})
	if err != nil {
		return err
	}
	vc.sip = sipSrv
	if vc.met, err = metrics.NewVoice(reg, vc); err != nil {
		return err
	}
	sipOn := true
	if err := sipSrv.Listen(); err != nil {
		if !isDemo {
			return err
		}
		// The demo must start with no other step: without its SIP port (another
		// SIP server has it) it runs without trunk calls and says so.
		log.Warn("SIP is off: its port is taken; set OMNIGATE_SIP_ADDR to another", "err", err)
		sipOn = false
	}
	unsubscribe := vc.start()
	defer unsubscribe()

	chat := webchat.New(webchat.Config{Queue: c.Webchat.Queue, AllowedOrigins: c.HTTP.AllowedOrigins, Secret: []byte(c.Webchat.Secret), ReturnWindow: c.Webchat.ReturnWindow}, eng, log)
	srv, err := api.New(api.Config{
		Users: us, TokenTTL: c.Auth.TokenTTL, AllowedOrigins: c.HTTP.AllowedOrigins,
		Dispositions: dispositions, Reasons: c.Reasons,
	}, eng, api.Options{
		Logger:   log,
		Metrics:  promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}),
		Health:   func() error { return nil },
		Handlers: map[string]http.Handler{"GET /api/v1/chat": chat},
		Voice:    vc,
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", c.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", c.HTTP.Addr, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	base := c.HTTP.PublicURL
	if base == "" {
		base = "http://" + displayAddr(ln.Addr())
	}
	banner(stdout, base, where, isDemo, c, sipSrv.Addr("udp"), vc.gw.LocalAddr())
	log.Info("omnigate serving", "addr", ln.Addr().String(), "store", where)

	var wg sync.WaitGroup
	runCtx, cancelRun := context.WithCancel(context.Background())
	defer cancelRun()
	wg.Go(func() { _ = eng.Run(runCtx) })
	sipCtx, cancelSIP := context.WithCancel(context.Background())
	defer cancelSIP()
	sipDone := make(chan struct{})
	wg.Go(func() {
		defer close(sipDone)
		if !sipOn {
			return
		}
		if err := sipSrv.Run(sipCtx); err != nil {
			log.Error("sip", "err", err)
		}
	})
	errc := make(chan error, 1)
	wg.Go(func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	})

	select {
	case <-ctx.Done():
	case err = <-errc:
	case <-eng.Failed():
		// A store write failed: the engine's memory may be ahead of the store and it
		// takes no more work. Stop, so that a restart rebuilds from the store.
		err = eng.Err()
		log.Error("store write failed; stopping so that a restart recovers from the store", "err", err)
	}
	log.Info("draining")
	eng.Drain()
	sipSrv.Drain()
	sctx, cancel := context.WithTimeout(context.Background(), c.Shutdown.Timeout)
	defer cancel()
	chat.Close()
	srv.Close()
	if e := hs.Shutdown(sctx); e != nil {
		log.Warn("http shutdown", "err", e)
	}
	cancelSIP() // ends every call: BYE to answered ones, 503 to the rest
	<-sipDone
	cancelRun()
	wg.Wait()
	log.Info("stopped cleanly")
	return err
}

type statsFunc func() routing.Stats

func (f statsFunc) Stats() routing.Stats { return f() }

func users(c fileConfig, cost int) ([]api.User, error) {
	var out []api.User
	for _, u := range c.Users {
		h := []byte(u.PasswordHash)
		if u.Password != "" {
			var err error
			if h, err = bcrypt.GenerateFromPassword([]byte(u.Password), cost); err != nil {
				return nil, fmt.Errorf("user %s: %w", u.Username, err)
			}
		} else if _, err := bcrypt.Cost(h); err != nil {
			return nil, fmt.Errorf("user %s: password_hash is not a bcrypt hash: %w", u.Username, err)
		}
		out = append(out, api.User{Username: u.Username, Role: api.Role(u.Role), AgentID: u.AgentID, PasswordHash: h})
	}
	return out, nil
}

func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func banner(w io.Writer, base, where string, isDemo bool, c fileConfig, sipAddr, iceAddr netip.AddrPort) {
	fmt.Fprintf(w, "Omnigate is running (store: %s)\n", where)
	sipText := "off (its port is taken)"
	if sipAddr.IsValid() {
		sipText = sipAddr.String()
	}
	fmt.Fprintf(w, "  SIP (UDP, TCP):   %s   WebRTC ICE (UDP): %s\n", sipText, iceAddr)
	fmt.Fprintf(w, "  Agent desktop:    %s/desktop/\n", base)
	fmt.Fprintf(w, "  Customer chat:    %s/demo/chat\n", base)
	fmt.Fprintf(w, "  API (OpenAPI):    %s/api/v1/openapi.yaml\n", base)
	fmt.Fprintf(w, "  Metrics / health: %s/metrics  %s/healthz\n", base, base)
	if isDemo {
		fmt.Fprintln(w, "Demo mode: every password equals the user name.")
		for _, u := range c.Users {
			fmt.Fprintf(w, "  %-6s %-10s password %q\n", u.Username, u.Role, u.Password)
		}
		fmt.Fprintln(w, "  queues: sales, support   dispositions: resolved, callback")
		fmt.Fprintln(w, "  DIDs: 1000 → sales, 2000 → support; desk phones register as bob, carol (SIP password = name)")
	}
}
