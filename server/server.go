// Package server is Parley over HTTP: the JSON API under /api/v1, sign-in
// with actor keys, visibility by viewer, live updates as server-sent
// events, the web UI, /healthz and Prometheus /metrics.
package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/metrics"
	"github.com/parleyhq/parley/view"
)

// Config configures a Server. A limit of -1 is no limit; 0 is its
// default. docs/SECURITY.md lists the limits.
type Config struct {
	Host       string // the host part of log origins; also what sign-in challenges name
	Secret     []byte // HMAC key for sessions and challenges, shared by all processes of one deployment
	SessionTTL time.Duration
	Logger     *slog.Logger

	// Rates. Every request counts against its client address, and a
	// signed-in request against its key as well; both must allow it.
	MaxBody      int64   // bytes of a request body that carries an event (default: an event's limit, base64, plus room)
	ReadRate     float64 // reads per second per client address and per key (default 200; bursts of twice that)
	WriteRate    float64 // writes per second per client address and per key (default 100; bursts of twice that)
	SignInRate   float64 // sign-in requests (challenges and sessions) per minute per client address (default 60)
	TalksPerHour int     // new talks per hour per client address, when Founders is nil (default 10)
	MaxBuckets   int     // rate-limit buckets kept at once; the least recently used is forgotten first (default 100,000, at least 1)

	// Live streams.
	MaxStreams         int // live streams in all (default 10,000; always a limit)
	StreamsPerID       int // live streams per signed-in key (default 8)
	StreamsPerAddr     int // live streams per client address, signed in or not (default 256)
	AnonStreamsPerAddr int // live streams without a session per client address (default 16)
	StreamBuffer       int // messages buffered per stream before a slow client is dropped (default 256)

	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-For is believed for the client address. Requests from
	// anywhere else count against their peer address.
	TrustedProxies []netip.Prefix

	// RevokedDir, if set, is where revoked sessions are kept, shared by
	// the processes of one deployment; otherwise they are kept in memory.
	RevokedDir string

	// How Handler serves GET /metrics: with MetricsElsewhere, not at all
	// (serve MetricsHandler on an address of its own); with MetricsToken,
	// only to requests that carry "Authorization: Bearer TOKEN"; with
	// neither, to anyone, as tests and tools use it. MetricsHandler
	// requires the token too when it is set.
	MetricsToken     string
	MetricsElsewhere bool

	// Founders, if not nil, are the keys that may found a talks through
	// the API (talks.found); nil lets anyone, TalksPerHour per address.
	Founders map[string]bool

	// Demo, if set, holds the demo actors' keys by name: the server may
	// then sign for them, and every page says so.
	Demo *Demo

	// UI, if set, serves every path outside /api/, /healthz and /metrics:
	// the web pages. It sees the session's actor through ViewerKey.
	UI http.Handler
}

// A Server serves one ledger.
type Server struct {
	cfg       Config
	l         *ledger.Ledger
	log       *slog.Logger
	mux       *http.ServeMux
	hub       *hub
	limits    *limiter
	streams   *streamSlots
	revoked   *revocations
	metrics   *serverMetrics
	overviews overviewCache
	histories view.Histories
	routes_   []string // API route patterns, in registration order
}

type serverMetrics struct {
	reg      *metrics.Registry
	requests *metrics.CounterVec
	latency  *metrics.HistogramVec
	appends  *metrics.CounterVec
	streams  *metrics.Gauge
	dropped  *metrics.CounterVec
	catchUps *metrics.CounterVec
}

// New returns a server over a ledger. The ledger's OnAppend must call the
// server's Published (NewLedger wires both).
func New(l *ledger.Ledger, cfg Config) *Server {
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = parley.MaxEventSize*4/3 + 64<<10
	}
	defaults := []struct {
		v   *float64
		def float64
	}{{&cfg.ReadRate, 200}, {&cfg.WriteRate, 100}, {&cfg.SignInRate, 60}}
	for _, d := range defaults {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	for _, d := range []struct {
		v   *int
		def int
	}{
		{&cfg.TalksPerHour, 10}, {&cfg.StreamsPerID, 8}, {&cfg.StreamsPerAddr, 256}, {&cfg.AnonStreamsPerAddr, 16},
	} {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	// These have no "no limit".
	for _, d := range []struct {
		v   *int
		def int
	}{{&cfg.MaxBuckets, 100000}, {&cfg.MaxStreams, 10000}, {&cfg.StreamBuffer, 256}} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	reg := metrics.NewRegistry()
	s := &Server{
		cfg: cfg, l: l, log: cfg.Logger, mux: http.NewServeMux(),
		limits:  newLimiter(cfg.MaxBuckets),
		streams: newStreamSlots(),
		revoked: newRevocations(cfg.RevokedDir),
		metrics: &serverMetrics{
			reg:      reg,
			requests: reg.NewCounterVec("parley_http_requests_total", "HTTP requests by route and status.", "route", "status"),
			latency:  reg.NewHistogramVec("parley_http_request_seconds", "HTTP request latency by route.", metrics.DefaultBuckets, "route"),
			appends:  reg.NewCounterVec("parley_appends_total", "Events appended, by kind.", "kind"),
			streams:  reg.NewGauge("parley_live_streams", "Open server-sent event streams."),
			dropped:  reg.NewCounterVec("parley_streams_dropped_total", "Live streams dropped, by reason.", "reason"),
			catchUps: reg.NewCounterVec("parley_catchup_errors_total", "Failures to catch up with the appends of other processes."),
		},
	}
	s.metrics.catchUps.Add(0) // shown from the start
	s.hub = newHub(s)
	s.routes()
	return s
}

// CatchUpFailed is the ledger's OnCatchUpError hook: it counts the
// failures to catch up with the appends of other processes.
func (s *Server) CatchUpFailed(talks string, err error) { s.metrics.catchUps.Inc() }

// Published is the ledger's OnAppend hook: it fans a committed batch out to
// live streams and counts appends.
func (s *Server) Published(a ledger.Appended) {
	for _, e := range a.Events {
		s.metrics.appends.Inc(e.Kind)
	}
	s.hub.publish(a)
}

// Routes returns the patterns of the API routes ("GET /api/v1/talks/{id}"),
// for the OpenAPI test.
func (s *Server) Routes() []string { return append([]string(nil), s.routes_...) }

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/metrics" || r.URL.Path == "/healthz" {
			h := w.Header()
			h.Set("X-Content-Type-Options", "nosniff")
			if r.URL.Path == "/api/openapi.json" || strings.HasPrefix(r.URL.Path, ProblemTypeBase) {
				// The same for everyone, and only changes with the server.
				h.Set("Cache-Control", "public, max-age=300")
			} else {
				// Viewer- or session-specific, or live.
				h.Set("Cache-Control", "no-store")
			}
		}
		if r.URL.Path == "/healthz" {
			// Asks the store: a read, limited as one.
			if err := s.allow(s.clientAddr(r), "", "", read); err != nil {
				s.writeProblem(w, r, err)
				return
			}
		}
		if r.URL.Path == "/metrics" {
			if s.cfg.MetricsElsewhere {
				s.writeProblem(w, r, parley.Errorf(parley.ENOTFOUND, "this server serves /metrics on an address of its own (--metrics-addr)"))
				return
			}
			if err := s.checkMetricsToken(r); err != nil {
				s.writeProblem(w, r, err)
				return
			}
		}
		s.mux.ServeHTTP(w, r)
	})
}

// MetricsHandler serves the Prometheus metrics at GET /metrics, for an
// address of their own; with Config.MetricsToken, to requests that carry
// it.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-store")
		if err := s.checkMetricsToken(r); err != nil {
			s.writeProblem(w, r, err)
			return
		}
		s.handleMetrics(w, r)
	})
	return mux
}

// checkMetricsToken checks the bearer token of a request for /metrics,
// when the server has one.
func (s *Server) checkMetricsToken(r *http.Request) error {
	if s.cfg.MetricsToken == "" {
		return nil
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	want := sha256.Sum256([]byte(s.cfg.MetricsToken))
	got := sha256.Sum256([]byte(tok))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return parley.Errorf(parley.EUNAUTHORIZED, "/metrics needs the metrics token: send \"Authorization: Bearer TOKEN\" with the token of --metrics-token-file")
	}
	return nil
}

// Close ends live streams.
func (s *Server) Close() { s.hub.close() }

// An apiFunc is a handler that returns an error to be written as a problem.
type apiFunc func(w http.ResponseWriter, r *http.Request) error

type routeKind int

const (
	read routeKind = iota
	write
	stream
)

// handle registers an API route: it resolves the session, applies the rate
// limits of the client address and the key, keeps demo routes to the
// demo's own host names, counts live streams, turns errors into problems,
// and records metrics.
func (s *Server) handle(pattern string, kind routeKind, h apiFunc) {
	s.routes_ = append(s.routes_, pattern)
	demoRoute := strings.HasPrefix(pattern[strings.IndexByte(pattern, ' ')+1:], "/api/v1/demo")
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("panic serving request", "path", r.URL.Path, "panic", v)
				if !sw.wrote {
					s.writeProblem(sw, r, parley.Errorf(parley.EINTERNAL, "internal error"))
				}
			}
			s.metrics.requests.Inc(pattern, strconv.Itoa(sw.status))
			if kind != stream {
				s.metrics.latency.Observe(time.Since(start).Seconds(), pattern)
			}
		}()
		r, err := s.admit(r, pattern, kind)
		if err == nil && demoRoute {
			err = s.checkDemoHost(r)
		}
		if err == nil && kind == stream {
			sr, release, serr := s.openStream(r, s.clientAddr(r), sessionOf(r))
			if err = serr; err == nil {
				r = sr
				defer release()
			}
		}
		if err == nil {
			err = h(sw, r)
		}
		if err != nil {
			if sw.wrote {
				s.log.Warn("error after the response began", "path", r.URL.Path, "err", err)
				return
			}
			s.writeProblem(sw, r, err)
		}
	})
}

// admit resolves the session of a request and charges the request to its
// client address and key. It returns the request with the session in its
// context. A request is counted even when its token is refused.
func (s *Server) admit(r *http.Request, pattern string, kind routeKind) (*http.Request, error) {
	sess, authErr := s.authenticate(r)
	key := ""
	if sess != nil {
		key = sess.key
	}
	if err := s.allow(s.clientAddr(r), key, pattern, kind); err != nil {
		return r, err
	}
	if authErr != nil {
		return r, authErr
	}
	ctx := context.WithValue(r.Context(), viewerCtxKey{}, key)
	if sess != nil {
		ctx = context.WithValue(ctx, sessionCtxKey{}, sess)
	}
	return r.WithContext(ctx), nil
}

type viewerCtxKey struct{}

// viewerKey returns the signed-in actor key of a request, or "".
func viewerKey(r *http.Request) string {
	k, _ := r.Context().Value(viewerCtxKey{}).(string)
	return k
}

// ViewerKey returns the key of the actor signed in for a request that the
// server passed to its UI handler, or "" for the public.
func ViewerKey(r *http.Request) string { return viewerKey(r) }

// page serves the UI with the request's session resolved, under the same
// limits as an API read.
func (s *Server) page(ui http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, err := s.admit(r, "", read)
		if err != nil {
			s.writeProblem(w, r, err)
			return
		}
		ui.ServeHTTP(w, r)
	})
}

// limitID is whom the hub counts a live stream against: the signed-in
// key, else the client address.
func (s *Server) limitID(r *http.Request, key string) string {
	if key != "" {
		return "key:" + key
	}
	return "addr:" + s.clientAddr(r)
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (for SSE).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// decodeBody reads a JSON request body of at most limit bytes strictly:
// the JSON content type, valid UTF-8, bounded nesting, no duplicate or
// unknown fields.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := strings.Cut(ct, ";"); strings.TrimSpace(mt) != "application/json" {
		return parley.Errorf(parley.EINVALID, "the body must be JSON: send Content-Type: application/json (got %q)", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return parley.Errorf(parley.ETOOLARGE, "the body is larger than the limit of %d bytes", limit)
	}
	if err != nil {
		return parley.Errorf(parley.EINVALID, "reading the body: %v", err)
	}
	if err := parley.DecodeStrict(body, v); err != nil {
		return parley.Wrapf(parley.ErrorCode(err), "decoding the body: %s", err)
	}
	return nil
}
