package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/sqlite"
	"github.com/parleyhq/parley/web"
)

func init() {
	register(&command{
		Name:    "serve",
		Usage:   "[flags]",
		Summary: i18n.Key("serve the API, live updates and web UI"),
		Help: i18n.Key(`Serve runs a Parley server over the record in --dir (or --db). Actors sign
their acts on their own devices and send them to it; it checks and records
them, and serves what each viewer may see. It stops gracefully on SIGINT or
SIGTERM, finishing appends in flight.

Every flag falls back to an environment variable: PARLEY_ADDR, PARLEY_DIR,
PARLEY_DB, PARLEY_HOST, PARLEY_LOG_LEVEL, PARLEY_READ_RATE,
PARLEY_WRITE_RATE, PARLEY_SIGN_IN_RATE, PARLEY_FOUNDERS,
PARLEY_TALKS_PER_HOUR, PARLEY_STREAMS_PER_ADDR,
PARLEY_ANON_STREAMS_PER_ADDR, PARLEY_TRUSTED_PROXY, PARLEY_METRICS_ADDR,
PARLEY_METRICS_TOKEN_FILE.

Limits count per client address, and per key for a signed-in request;
behind a reverse proxy, name it with --trusted-proxy, or every client
counts as the proxy. docs/SECURITY.md lists every limit.

Who may found a talks is the operator's choice: --founders FILE lists the
keys that may (one public key a line, # comments); without it, any key
may, --talks-per-hour from each client address.

Prometheus metrics are served at /metrics on --metrics-addr, or on the
main address to requests with "Authorization: Bearer TOKEN" and the token
of --metrics-token-file; with neither, not at all.`),
		Flags: serveFlags,
		Run:   runServe,
	})
}

func serveFlags(fs *flag.FlagSet) {
	dataFlags(fs)
	fs.String("addr", "", i18n.Key("address to listen on (env PARLEY_ADDR; default 127.0.0.1:8080)"))
	fs.String("log-level", "", i18n.Key("debug, info, warn or error (env PARLEY_LOG_LEVEL; default info)"))
	fs.String("read-rate", "", i18n.Key("reads per second per client address and per signed-in key, -1 for no limit (env PARLEY_READ_RATE; default 200)"))
	fs.String("write-rate", "", i18n.Key("writes per second per client address and per signed-in key, -1 for no limit (env PARLEY_WRITE_RATE; default 100)"))
	fs.String("sign-in-rate", "", i18n.Key("sign-in requests (challenges and sessions) per minute per client address, -1 for no limit (env PARLEY_SIGN_IN_RATE; default 60)"))
	fs.String("founders", "", i18n.Key("file of the public keys that may found a talks, one a line, # for comments (env PARLEY_FOUNDERS; default: any key, --talks-per-hour per address)"))
	fs.String("talks-per-hour", "", i18n.Key("new talks per hour per client address when founding is open to any key, -1 for no limit (env PARLEY_TALKS_PER_HOUR; default 10)"))
	fs.String("streams-per-addr", "", i18n.Key("live streams per client address, -1 for no limit (env PARLEY_STREAMS_PER_ADDR; default 256)"))
	fs.String("anon-streams-per-addr", "", i18n.Key("live streams without a session per client address, -1 for no limit (env PARLEY_ANON_STREAMS_PER_ADDR; default 16)"))
	fs.String("trusted-proxy", "", i18n.Key("comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For names the client (env PARLEY_TRUSTED_PROXY; default none)"))
	fs.String("metrics-addr", "", i18n.Key("address to serve /metrics on, apart from the API (env PARLEY_METRICS_ADDR)"))
	fs.String("metrics-token-file", "", i18n.Key("file holding a token of at least 16 characters that /metrics requires as \"Authorization: Bearer TOKEN\" (env PARLEY_METRICS_TOKEN_FILE)"))
}

// serveConfig is the configuration of a server process.
type serveConfig struct {
	data                dataConfig
	addr                string
	logLevel            string
	readRate, writeRate float64 // 0: the server's defaults
	// ln, if set, is a listener already open to serve on instead of addr.
	ln                 net.Listener
	signInRate         float64
	talksPerHour       int
	streamsPerAddr     int
	anonStreamsPerAddr int
	founders           map[string]bool // nil: any key may found a talks
	trustedProxies     []netip.Prefix
	metricsAddr        string
	metricsToken       string
	// publicURL, for the demo, is a URL its visitors use that is not
	// http://ADDR (behind a proxy); its host is one of the demo's own.
	publicURL string
}

func serveConfigOf(e *env, fs *flag.FlagSet) (serveConfig, error) {
	c := serveConfig{
		data:        dataConfigOf(e, fs),
		addr:        opt(e, fs, "addr", "PARLEY_ADDR", "127.0.0.1:8080"),
		logLevel:    opt(e, fs, "log-level", "PARLEY_LOG_LEVEL", "info"),
		metricsAddr: opt(e, fs, "metrics-addr", "PARLEY_METRICS_ADDR", ""),
	}
	for _, r := range []struct {
		flag, env string
		v         *float64
	}{
		{"read-rate", "PARLEY_READ_RATE", &c.readRate},
		{"write-rate", "PARLEY_WRITE_RATE", &c.writeRate},
		{"sign-in-rate", "PARLEY_SIGN_IN_RATE", &c.signInRate},
	} {
		if s := opt(e, fs, r.flag, r.env, ""); s != "" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || (v <= 0 && v != -1) || math.IsInf(v, 0) || math.IsNaN(v) {
				return c, &exitError{2, parley.Errorf(parley.EINVALID, "--%s %q: want requests per second (per minute for sign-ins), or -1 for no limit", r.flag, s)}
			}
			*r.v = v
		}
	}
	for _, n := range []struct {
		flag, env string
		v         *int
	}{
		{"talks-per-hour", "PARLEY_TALKS_PER_HOUR", &c.talksPerHour},
		{"streams-per-addr", "PARLEY_STREAMS_PER_ADDR", &c.streamsPerAddr},
		{"anon-streams-per-addr", "PARLEY_ANON_STREAMS_PER_ADDR", &c.anonStreamsPerAddr},
	} {
		if s := opt(e, fs, n.flag, n.env, ""); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil || (v <= 0 && v != -1) {
				return c, &exitError{2, parley.Errorf(parley.EINVALID, "--%s %q: want a whole number above 0, or -1 for no limit", n.flag, s)}
			}
			*n.v = v
		}
	}
	if s := opt(e, fs, "trusted-proxy", "PARLEY_TRUSTED_PROXY", ""); s != "" {
		ps, err := parseProxies(s)
		if err != nil {
			return c, &exitError{2, err}
		}
		c.trustedProxies = ps
	}
	if path := opt(e, fs, "founders", "PARLEY_FOUNDERS", ""); path != "" {
		f, err := readFounders(path)
		if err != nil {
			return c, &exitError{2, err}
		}
		c.founders = f
	}
	if path := opt(e, fs, "metrics-token-file", "PARLEY_METRICS_TOKEN_FILE", ""); path != "" {
		tok, err := readMetricsToken(path)
		if err != nil {
			return c, &exitError{2, err}
		}
		c.metricsToken = tok
	}
	return c, nil
}

// parseProxies parses comma-separated addresses and CIDR prefixes.
func parseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return nil, parley.Errorf(parley.EINVALID, "--trusted-proxy %q: %q is neither an address nor a CIDR prefix such as 10.0.0.0/8", s, f)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// readFounders reads the keys of a founders file: one Ed25519 public key
// a line, in base64 as "parley keygen" prints it; blank lines and
// anything after # are ignored.
func readFounders(path string) (map[string]bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "--founders: %v", err)
	}
	keys := map[string]bool{}
	for i, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, err := parley.ParseKey(line)
		if err != nil {
			return nil, parley.Errorf(parley.EINVALID, "--founders %s, line %d: %s; write one public key a line, as parley keygen prints it", path, i+1, parley.ErrorMessage(err))
		}
		keys[parley.KeyString(k)] = true
	}
	return keys, nil
}

// readMetricsToken reads the token /metrics requires.
func readMetricsToken(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", parley.Errorf(parley.EINVALID, "--metrics-token-file: %v", err)
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < 16 || strings.ContainsAny(tok, " \t\r\n") {
		return "", parley.Errorf(parley.EINVALID, "--metrics-token-file %s: want one token of at least 16 characters without spaces, such as the output of: head -c 24 /dev/urandom | base64", path)
	}
	return tok, nil
}

func runServe(ctx context.Context, e *env, fs *flag.FlagSet) error {
	c, err := serveConfigOf(e, fs)
	if err != nil {
		return err
	}
	return serve(ctx, e, c, nil, nil)
}

func newLogger(e *env, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, &exitError{2, parley.Errorf(parley.EINVALID, "--log-level %q: want debug, info, warn or error", level)}
	}
	return slog.New(slog.NewTextHandler(e.Stderr, &slog.HandlerOptions{Level: l})), nil
}

// openStore opens the store named by the data configuration.
func openStore(ctx context.Context, c dataConfig) (parley.Store, error) {
	if strings.HasPrefix(c.DB, "postgres://") || strings.HasPrefix(c.DB, "postgresql://") {
		return openPostgres(ctx, c.DB)
	}
	return sqlite.Open(ctx, c.DB)
}

// serverSecret returns the HMAC secret of sessions, kept in DIR/session.key
// with mode 0600 and created on first use. Processes that share the
// directory share the secret: the first to create the file wins, and the
// others read what it wrote. The file appears only whole (written and
// synced under another name, then linked to its own, which fails if it
// exists), and a file that is not exactly 32 bytes is refused, never used.
func serverSecret(dir string) ([]byte, error) {
	path := filepath.Join(dir, "session.key")
	b, err := readSecret(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return b, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, ".session.key-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, err
	}
	if _, err := tmp.Write(secret); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readSecret(path) // another process made it first
		}
		return nil, parley.Errorf(parley.EINVALID, "creating %s: %v", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the new name, durable
		d.Close()
	}
	return secret, nil
}

// readSecret reads a session secret file, refusing one of the wrong size.
func readSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) != 32 {
		return nil, parley.Errorf(parley.EINVALID, "%s holds %d bytes, not the 32 of a session secret: it is damaged or was left by an interrupted start; stop every server using this directory, delete the file and start again (a new secret signs everyone out)", path, len(b))
	}
	return b, nil
}

// serve runs the server until ctx is done. prepare, if set, runs once the
// ledger exists and before the server serves (the demo replays then).
func serve(ctx context.Context, e *env, c serveConfig, demo *server.Demo, prepare func(context.Context, *ledger.Ledger) error) (err error) {
	if c.ln != nil {
		defer func() {
			if err != nil {
				c.ln.Close()
			}
		}()
	}
	log, err := newLogger(e, c.logLevel)
	if err != nil {
		return err
	}
	if err := checkLogOrigins(c.data); err != nil {
		return err
	}
	if err := os.MkdirAll(c.data.Dir, 0o700); err != nil {
		return err
	}
	store, err := openStore(ctx, c.data)
	if err != nil {
		return err
	}
	defer store.Close()
	keys, err := ledger.NewKeys(filepath.Join(c.data.Dir, "logkeys"))
	if err != nil {
		return err
	}
	secret, err := serverSecret(c.data.Dir)
	if err != nil {
		return parley.Errorf(parley.EINVALID, "the session secret: %v", err)
	}
	var srv *server.Server
	// A store that other processes share tells of their appends.
	notifier, shared := store.(ledger.Notifier)
	l := ledger.New(store, ledger.Config{Host: c.data.Host, Keys: keys, Shared: shared, OnAppend: func(a ledger.Appended) { srv.Published(a) },
		KeepCheckpoints: true, Logger: log, OnCatchUpError: func(talks string, err error) { srv.CatchUpFailed(talks, err) }})
	defer l.Close() // after the server stops, before the store closes
	if shared {
		fctx, stop := context.WithCancel(ctx)
		defer stop()
		go l.Follow(fctx, notifier)
	}
	ui, err := web.New(l, web.Config{Host: c.data.Host, Demo: demo, Logger: log})
	if err != nil {
		return err
	}
	revoked := filepath.Join(c.data.Dir, "revoked")
	if err := os.MkdirAll(revoked, 0o700); err != nil {
		return err
	}
	srv = server.New(l, server.Config{
		Host: c.data.Host, Secret: secret, Logger: log, Demo: demo, UI: ui,
		ReadRate: c.readRate, WriteRate: c.writeRate, SignInRate: c.signInRate, TalksPerHour: c.talksPerHour,
		StreamsPerAddr: c.streamsPerAddr, AnonStreamsPerAddr: c.anonStreamsPerAddr,
		TrustedProxies: c.trustedProxies, Founders: c.founders, RevokedDir: revoked,
		MetricsToken: c.metricsToken, MetricsElsewhere: c.metricsToken == "" || c.metricsAddr != "",
	})
	if prepare != nil {
		if err := prepare(ctx, l); err != nil {
			return err
		}
	}
	ln := c.ln
	if ln == nil {
		if ln, err = listen(c.addr); err != nil {
			return err
		}
	}
	if demo != nil {
		demo.Hosts = demoHosts(c.addr, ln.Addr(), c.publicURL)
	}
	stopMetrics, err := serveMetrics(c, srv, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(srv.Close)
	url := "http://" + ln.Addr().String()
	log.Info("serving", "url", url, "db", c.data.DB, "host", c.data.Host)
	fmt.Fprintln(e.Stdout, e.P.T("Parley is serving at %s", url+"/"))
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return parley.Errorf(parley.EINVALID, "shutting down: %v", err)
	}
	log.Info("stopped")
	return nil
}

// serveMetrics serves /metrics on --metrics-addr, if given, and returns a
// function that stops it.
func serveMetrics(c serveConfig, srv *server.Server, log *slog.Logger) (func(), error) {
	if c.metricsAddr == "" {
		if c.metricsToken == "" {
			log.Info("metrics are not served: give --metrics-addr, or --metrics-token-file to serve them on the main address with a token")
		}
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", c.metricsAddr)
	if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "cannot listen on %s for metrics (%v): pass another address with --metrics-addr", c.metricsAddr, err)
	}
	hs := &http.Server{Handler: srv.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go hs.Serve(ln)
	log.Info("serving metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return func() { hs.Close() }, nil
}

// demoHosts returns the Host header values the demo answers to: the
// loopback names and the host of addr, each with the port it listens on,
// and the host of publicURL.
func demoHosts(addr string, bound net.Addr, publicURL string) []string {
	_, port, _ := net.SplitHostPort(bound.String())
	names := []string{"127.0.0.1", "localhost", "::1"}
	if h, _, err := net.SplitHostPort(addr); err == nil && h != "" {
		if ip, err := netip.ParseAddr(h); err != nil || !ip.IsUnspecified() {
			names = append(names, h)
		}
	}
	var hosts []string
	for _, n := range names {
		if h := net.JoinHostPort(n, port); !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	if u, err := url.Parse(publicURL); err == nil && u.Host != "" {
		hosts = append(hosts, u.Host)
	}
	return hosts
}

// listen listens on addr, and says what to do when it cannot.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, parley.Errorf(parley.EINVALID, "cannot listen on %s: the port is busy, another program is using it; stop it, or pass --addr 127.0.0.1:0 to take any free port, or another port such as --addr 127.0.0.1:8081", addr)
	}
	if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "cannot listen on %s (%v): pass another address with --addr, such as 127.0.0.1:0 for any free port", addr, err)
	}
	return ln, nil
}

// checkLogOrigins checks that the log key of every talks in the data
// directory names the origin the server gives it: one made for another
// host would sign checkpoints that contradict its events' signatures.
func checkLogOrigins(c dataConfig) error {
	paths, err := filepath.Glob(filepath.Join(c.Dir, "logkeys", "*.logkey"))
	if err != nil || len(paths) == 0 {
		return err
	}
	keys, err := ledger.NewKeys(filepath.Join(c.Dir, "logkeys"))
	if err != nil {
		return err
	}
	for _, p := range paths {
		talks := strings.TrimSuffix(filepath.Base(p), ".logkey")
		if !parley.ValidTalksID(talks) {
			continue
		}
		origin, err := keys.Origin(talks)
		if err != nil {
			return err
		}
		if want := parley.Origin(c.Host, talks); origin != want {
			return &exitError{2, parley.Errorf(parley.EINVALID, "talks %q in %s is recorded for the origin %s, not %s: serve it with --host %s (or PARLEY_HOST), the host its log key names",
				talks, c.Dir, origin, want, strings.TrimSuffix(origin, "/talks/"+talks))}
		}
	}
	return nil
}
