// Command parley-wasm is the computation of `parley packages` compiled to
// WebAssembly for a mediator's page (web, /talks/{id}/packages), so that
// the parties' preferences, opened in the mediator's browser, are never
// sent anywhere: the page gives the interchange JSON of docs/PACKAGES.md to
// the function this program installs, globalThis.parleyPackages, and gets
// back the result exactly as `parley packages` writes it and, for two
// parties, the frontier drawn as SVG in the page's language.
//
// It is built only for GOOS=js GOARCH=wasm, reproducibly, by
// `go run ./internal/vendorjs -wasm`, which writes parley.wasm and Go's
// wasm_exec.js under web/static/vendor/go and records their SHA-256 and
// the Go version in the vendor manifest. Built for any other target it
// only says so.
package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/bargain"
	"github.com/parleyhq/parley/frontier"
	"github.com/parleyhq/parley/i18n"
)

// A request is what the page asks: the interchange JSON and the options of
// `parley packages`.
type request struct {
	Instance  string            // the interchange JSON (docs/PACKAGES.md)
	Current   string            // a package as JSON, or ""
	Proposal  string            // a package as JSON, or ""
	Lang      string            // the language of the picture and the errors: "en", "ar", "ru"
	Names     map[string]string // the parties' names for the picture, by ID (may be nil)
	MaxTies   int               // 0: bargain.DefaultMaxTies
	MaxPoints int               // 0: bargain.DefaultMaxPoints
	Timeout   time.Duration     // 0: defaultTimeout
}

// defaultTimeout bounds the work of one call when the page gives no
// timeout: the call holds the page's thread.
const defaultTimeout = 30 * time.Second

// A response is the result as `parley packages` writes it, the picture of
// two parties ("" for more), or an error said in the request's language
// with its code (parley.EINVALID, parley.ETOOLARGE).
type response struct {
	Result string
	SVG    string
	Error  string
	Code   string
}

// compute does what `parley packages [-current] [-proposal] [-svg]` does.
func compute(req request) response {
	p := i18n.ForCode(req.Lang)
	res, svg, err := run(req, p)
	if err != nil {
		return response{Error: p.Error(err), Code: parley.ErrorCode(err)}
	}
	return response{Result: res, SVG: svg}
}

func run(req request, p *i18n.Printer) (string, string, error) {
	if req.MaxTies < 0 || req.MaxPoints < 0 || req.Timeout < 0 {
		return "", "", parley.Errorf(parley.EINVALID, "the limits of the computation must not be negative")
	}
	timeout := req.Timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	inst, err := bargain.DecodeInstance([]byte(req.Instance))
	if err != nil {
		return "", "", err
	}
	pb, err := bargain.NewProblem(inst)
	if err != nil {
		return "", "", err
	}
	opts := bargain.ResultOptions{MaxTies: req.MaxTies}
	for _, q := range []struct {
		field, v string
		to       *bargain.Package
	}{{"current", req.Current, &opts.Current}, {"proposal", req.Proposal, &opts.Proposal}} {
		if strings.TrimSpace(q.v) == "" {
			continue
		}
		if *q.to, err = bargain.DecodePackage([]byte(q.v), pb.Issues(), q.field); err != nil {
			return "", "", err
		}
	}
	ctx := newClock(time.Now().Add(timeout))
	f, err := pb.Frontier(ctx, bargain.Limits{MaxPoints: req.MaxPoints})
	if errors.Is(err, context.DeadlineExceeded) {
		return "", "", parley.Errorf(parley.ETOOLARGE, "the frontier took longer than %s; nothing was computed: settle some issues first, or compute it with parley packages and a longer -timeout", timeout.String())
	}
	if err != nil {
		return "", "", err
	}
	res, err := f.Result(opts)
	if err != nil {
		return "", "", err
	}
	var out bytes.Buffer
	if err := res.Write(&out, false); err != nil {
		return "", "", err
	}
	if len(res.Parties) != 2 {
		return out.String(), "", nil
	}
	var names func(string) string
	if len(req.Names) > 0 {
		names = func(id string) string { return req.Names[id] }
	}
	c, err := frontier.New(res, names)
	if err != nil {
		return "", "", err
	}
	var pic bytes.Buffer
	if err := frontier.Write(&pic, c, p, frontier.Options{Dir: p.Dir()}); err != nil {
		return "", "", err
	}
	return out.String(), pic.String(), nil
}

// clock is a context that ends at a deadline, checked when Err is called.
// Under js/wasm a call from the page holds the only thread, so the timer
// of context.WithTimeout would never get to run before the call returns;
// the frontier calls Err often enough for this to bound it.
type clock struct {
	context.Context
	deadline time.Time
}

func newClock(d time.Time) clock { return clock{context.Background(), d} }

func (c clock) Deadline() (time.Time, bool) { return c.deadline, true }

func (c clock) Err() error {
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}
