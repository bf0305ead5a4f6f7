// Package server is Parley over HTTP: the JSON API under /api/v1, sign-in
// with actor keys, visibility by viewer, live updates as server-sent
// events, the web UI, /healthz and Prometheus /metrics.
package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/metrics"
)

// Config configures a Server.
type Config struct {
	Host       string // the host part of log origins; also what sign-in challenges name
	Secret     []byte // HMAC key for sessions and challenges, shared by all processes of one deployment
	SessionTTL time.Duration
	Logger     *slog.Logger

	MaxBody      int64   // bytes of a request body that carries an event (default: an event's limit, base64, plus room)
	ReadRate     float64 // reads per second per actor or address (default 200)
	WriteRate    float64 // writes per second per actor or address (default 100)
	MaxStreams   int     // live streams in all (default 10,000)
	StreamsPerID int     // live streams per signed-in actor (default 8)
	StreamBuffer int     // messages buffered per stream before a slow client is dropped (default 256)

	// Founders, if not nil, are the keys that may found a talks through
	// the API (talks.found); nil lets anyone.
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
	metrics   *serverMetrics
	overviews overviewCache
	routes_   []string // API route patterns, in registration order
}

type serverMetrics struct {
	reg      *metrics.Registry
	requests *metrics.CounterVec
	latency  *metrics.HistogramVec
	appends  *metrics.CounterVec
	streams  *metrics.Gauge
	dropped  *metrics.CounterVec
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
	if cfg.ReadRate == 0 {
		cfg.ReadRate = 200
	}
	if cfg.WriteRate == 0 {
		cfg.WriteRate = 100
	}
	if cfg.MaxStreams == 0 {
		cfg.MaxStreams = 10000
	}
	if cfg.StreamsPerID == 0 {
		cfg.StreamsPerID = 8
	}
	if cfg.StreamBuffer == 0 {
		cfg.StreamBuffer = 256
	}
	reg := metrics.NewRegistry()
	s := &Server{
		cfg: cfg, l: l, log: cfg.Logger, mux: http.NewServeMux(),
		limits: newLimiter(),
		metrics: &serverMetrics{
			reg:      reg,
			requests: reg.NewCounterVec("parley_http_requests_total", "HTTP requests by route and status.", "route", "status"),
			latency:  reg.NewHistogramVec("parley_http_request_seconds", "HTTP request latency by route.", metrics.DefaultBuckets, "route"),
			appends:  reg.NewCounterVec("parley_appends_total", "Events appended, by kind.", "kind"),
			streams:  reg.NewGauge("parley_live_streams", "Open server-sent event streams."),
			dropped:  reg.NewCounterVec("parley_streams_dropped_total", "Live streams dropped, by reason.", "reason"),
		},
	}
	s.hub = newHub(s)
	s.routes()
	return s
}

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
func (s *Server) Handler() http.Handler { return s.mux }

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
// limit, turns errors into problems, and records metrics.
func (s *Server) handle(pattern string, kind routeKind, h apiFunc) {
	s.routes_ = append(s.routes_, pattern)
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
		key, err := s.authenticate(r)
		if err == nil {
			r = r.WithContext(context.WithValue(r.Context(), viewerCtxKey{}, key))
			err = s.limits.allow(s.limitID(r, key), kind, s.cfg)
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

type viewerCtxKey struct{}

// viewerKey returns the signed-in actor key of a request, or "".
func viewerKey(r *http.Request) string {
	k, _ := r.Context().Value(viewerCtxKey{}).(string)
	return k
}

// ViewerKey returns the key of the actor signed in for a request that the
// server passed to its UI handler, or "" for the public.
func ViewerKey(r *http.Request) string { return viewerKey(r) }

// page serves the UI with the request's session resolved.
func (s *Server) page(ui http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, err := s.authenticate(r)
		if err == nil {
			err = s.limits.allow(s.limitID(r, key), read, s.cfg)
		}
		if err != nil {
			s.writeProblem(w, r, err)
			return
		}
		ui.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), viewerCtxKey{}, key)))
	})
}

// limitID is whom a request counts against: the signed-in actor, else the
// client address.
func (s *Server) limitID(r *http.Request, key string) string {
	if key != "" {
		return "key:" + key
	}
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return "addr:" + host
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
		return parley.Errorf(parley.ErrorCode(err), "decoding the body: %s", parley.ErrorMessage(err))
	}
	return nil
}
