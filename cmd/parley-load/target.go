package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/sqlite"
)

// inProcessHost is the host part of log origins on the in-process server.
const inProcessHost = "parley-load.localhost"

// A target is the server under load.
type target struct {
	base   string   // "http://127.0.0.1:PORT", no trailing slash: the first server
	bases  []string // every server, base first; more than one with a list of -server
	host   string   // the server's host, which log origins name
	desc   string   // one line for the report
	inproc bool
	fstype string // file system of the in-process record
	close  func()
}

// loopbackOnly refuses to connect anywhere but a loopback address. Every
// dialer of the tool uses it, so that no name resolution can take the load
// off this machine.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("refusing to connect to %q: %w", address, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to connect to %s: parley-load only loads loopback addresses", address)
	}
	return nil
}

// checkServerURL checks that raw is an http URL of a loopback address with
// no path, and returns it with the host resolved to a loopback IP.
func checkServerURL(ctx context.Context, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "" {
		return "", fmt.Errorf("-server %q: want the base URL of a server on this machine, such as http://127.0.0.1:8080", raw)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "80"
	}
	var ip net.IP
	if ip = net.ParseIP(host); ip == nil {
		if !strings.EqualFold(host, "localhost") {
			return "", fmt.Errorf("-server %q: parley-load only loads loopback addresses; give an IP such as 127.0.0.1 or ::1, or localhost", raw)
		}
		addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil || len(addrs) == 0 {
			return "", fmt.Errorf("-server %q: resolving localhost: %v", raw, err)
		}
		ip = addrs[0].IP
	}
	if !ip.IsLoopback() {
		return "", fmt.Errorf("-server %q: %s is not a loopback address; parley-load only loads servers on this machine", raw, ip)
	}
	return "http://" + net.JoinHostPort(ip.String(), port), nil
}

// newTransport returns a keep-alive transport to loopback addresses that
// keeps up to conns idle connections per host.
func newTransport(conns int) *http.Transport {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: loopbackOnly}
	return &http.Transport{
		DialContext:         d.DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}

// external checks the running servers named by -server: each must be on
// a loopback address and answer GET /api/v1/info, and all must name the
// same host (the processes of one deployment).
func external(ctx context.Context, raws []string, hc *http.Client) (*target, error) {
	if len(raws) == 0 {
		return nil, errors.New("-server: no server given")
	}
	t := &target{close: func() {}}
	for _, raw := range raws {
		base, host, err := serverInfo(ctx, raw, hc)
		if err != nil {
			return nil, err
		}
		if slices.Contains(t.bases, base) {
			return nil, fmt.Errorf("-server: %s is listed twice (as %s)", base, raw)
		}
		if t.host != "" && host != t.host {
			return nil, fmt.Errorf("-server: %s names the host %q but %s names %q; list the servers of one deployment", base, host, t.bases[0], t.host)
		}
		t.bases = append(t.bases, base)
		t.host = host
	}
	t.base = t.bases[0]
	if len(t.bases) == 1 {
		t.desc = fmt.Sprintf("the running server at %s (host %q); its own store and rate limits apply", t.base, t.host)
	} else {
		t.desc = fmt.Sprintf("%d running servers of one deployment at %s (host %q); their own store and rate limits apply", len(t.bases), strings.Join(t.bases, ", "), t.host)
	}
	return t, nil
}

// serverInfo checks one base URL of -server and asks the server there for
// the host its log origins name. It returns the checked base URL and the
// host.
func serverInfo(ctx context.Context, raw string, hc *http.Client) (base, host string, err error) {
	base, err = checkServerURL(ctx, raw)
	if err != nil {
		return "", "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/info", nil)
	if err != nil {
		return "", "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("asking %s for its host: %w", base, err)
	}
	defer resp.Body.Close()
	var info struct {
		Host string `json:"host"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", "", fmt.Errorf("asking %s for its host: GET /api/v1/info answered %s", base, resp.Status)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&info); err != nil || info.Host == "" {
		return "", "", fmt.Errorf("asking %s for its host: GET /api/v1/info did not name one (%v); is it a Parley server?", base, err)
	}
	return base, info.Host, nil
}

// inProcess starts a server in this process on 127.0.0.1:0 over a fresh
// SQLite record in a temporary directory under dir, wired as parley serve
// wires one, with room for maxStreams live streams and its rate limits
// off, or, with limits, those of parley serve by default on the requests
// of a client address (the keys phase).
func inProcess(ctx context.Context, dir string, maxStreams int, limits bool, stderr io.Writer) (t *target, err error) {
	tmp, err := os.MkdirTemp(dir, "parley-load-")
	if err != nil {
		return nil, fmt.Errorf("making the temporary record directory: %w", err)
	}
	var closers []func()
	cleanup := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		os.RemoveAll(tmp)
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	store, err := sqlite.Open(ctx, filepath.Join(tmp, "parley.db"))
	if err != nil {
		return nil, fmt.Errorf("opening the temporary record: %w", err)
	}
	closers = append(closers, func() { store.Close() })
	keys, err := ledger.NewKeys(filepath.Join(tmp, "logkeys"))
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var srv *server.Server
	l := ledger.New(store, ledger.Config{Host: inProcessHost, Keys: keys, OnAppend: func(a ledger.Appended) { srv.Published(a) }})
	scfg := server.Config{
		Host: inProcessHost, Secret: secret, Logger: logger,
		// Unlimited (see server/limit.go): the load comes from one address.
		ReadRate: -1, WriteRate: -1, SignInRate: -1, TalksPerHour: -1,
		StreamsPerAddr: -1, AnonStreamsPerAddr: -1,
		MaxStreams: maxStreams,
	}
	limitsDesc := ""
	if limits {
		scfg.ReadRate, scfg.WriteRate, scfg.SignInRate, scfg.TalksPerHour = keysReadRate, keysWriteRate, keysSignInRate, 0
		scfg.StreamsPerAddr, scfg.AnonStreamsPerAddr = 0, 0
		limitsDesc = fmt.Sprintf(", with the default limits of parley serve (per client address: %d reads/s, %d writes/s, %d sign-in requests a minute)", keysReadRate, keysWriteRate, keysSignInRate)
	}
	srv = server.New(l, scfg)
	base, shutdown, err := listen(srv.Handler(), srv.Close, logger)
	if err != nil {
		return nil, err
	}
	closers = append(closers, shutdown)
	return &target{
		base:   base,
		bases:  []string{base},
		host:   inProcessHost,
		desc:   fmt.Sprintf("a server in this process at %s over a fresh SQLite record (WAL, synchronous=FULL) in %s%s", base, tmp, limitsDesc),
		inproc: true,
		fstype: fsType(tmp),
		close:  cleanup,
	}, nil
}

// listen serves h on a fresh port of 127.0.0.1 with the timeouts of parley
// serve, and returns its base URL and a function that shuts it down.
// onShutdown, if set, runs when shutting down (to end live streams).
func listen(h http.Handler, onShutdown func(), logger *slog.Logger) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listening on 127.0.0.1: %w", err)
	}
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	if logger != nil {
		hs.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	}
	if onShutdown != nil {
		hs.RegisterOnShutdown(onShutdown)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && logger != nil {
			logger.Error("serving", "err", err)
		}
	}()
	shutdown := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if hs.Shutdown(ctx) != nil {
			hs.Close()
		}
		<-done
	}
	return "http://" + ln.Addr().String(), shutdown, nil
}

// bareHandler serves the same fixed body to every request, as cheaply as
// net/http allows: the baseline that API reads are measured against.
func bareHandler(body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
}
