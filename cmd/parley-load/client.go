package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// A client sends the tool's requests to one server over shared keep-alive
// connections.
type client struct {
	base string
	hc   *http.Client
}

// maxErrorBody is how much of an error response is read for its detail.
const maxErrorBody = 4 << 10

// do sends a request and reads the whole response. It returns the status
// and, when keep is set or the status is not 2xx, the body (an error body
// cut to maxErrorBody); err is set only when the exchange itself failed.
func (c *client) do(req *http.Request, keep bool) (status int, body []byte, err error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	switch {
	case ok && keep:
		body, err = io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	case ok:
		_, err = io.Copy(io.Discard, resp.Body)
	default:
		body, err = io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
		}
	}
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("reading the response: %w", err)
	}
	return resp.StatusCode, body, nil
}

// postEvent posts a signed event's request body to a talks.
func (c *client) postEvent(ctx context.Context, talks string, body []byte, keep bool) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/v1/talks/"+talks+"/events", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return c.do(req, keep)
}

// post posts a JSON body to a path of the server and returns the status,
// the body and the Retry-After header of the answer.
func (c *client) post(ctx context.Context, path string, body []byte) (status int, resp []byte, retryAfter string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	r, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer r.Body.Close()
	if resp, err = io.ReadAll(io.LimitReader(r.Body, 1<<20)); err == nil {
		_, err = io.Copy(io.Discard, r.Body)
	}
	if err != nil {
		return r.StatusCode, nil, "", fmt.Errorf("reading the response: %w", err)
	}
	return r.StatusCode, resp, r.Header.Get("Retry-After"), nil
}

// getAs fetches a path of the server with a session token ("" for the
// public).
func (c *client) getAs(ctx context.Context, path, token string, keep bool) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return c.do(req, keep)
}

// get fetches a path of the server.
func (c *client) get(ctx context.Context, path string, keep bool) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	return c.do(req, keep)
}

// problemDetail returns the detail of a problem+json body, or the start of
// the body.
func problemDetail(body []byte) string {
	var p struct {
		Detail string `json:"detail"`
	}
	if json.Unmarshal(body, &p) == nil && p.Detail != "" {
		return p.Detail
	}
	s := string(bytes.TrimSpace(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// A tally counts failures by kind ("HTTP 409", "transport") and keeps the
// first detail of each kind.
type tally struct {
	mu    sync.Mutex
	n     map[string]int
	first map[string]string
}

func newTally() *tally { return &tally{n: map[string]int{}, first: map[string]string{}} }

// add counts one failure of a kind.
func (t *tally) add(kind, detail string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n[kind] == 0 {
		t.first[kind] = detail
	}
	t.n[kind]++
}

// addResult counts the outcome of do if it failed, and reports whether it
// succeeded.
func (t *tally) addResult(status int, body []byte, err error) bool {
	switch {
	case err != nil:
		t.add("transport", err.Error())
		return false
	case status < 200 || status >= 300:
		t.add("HTTP "+strconv.Itoa(status), problemDetail(body))
		return false
	}
	return true
}

// total returns the number of failures.
func (t *tally) total() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, c := range t.n {
		n += c
	}
	return n
}

// kinds returns the kinds of failure, sorted.
func (t *tally) kinds() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.n))
	for k := range t.n {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// A dist summarizes a latency distribution.
type dist struct {
	N                        int
	Mean, P50, P90, P99, Max time.Duration
}

// distOf summarizes samples; it sorts them in place.
func distOf(samples []time.Duration) dist {
	if len(samples) == 0 {
		return dist{}
	}
	slices.Sort(samples)
	var sum time.Duration
	for _, s := range samples {
		sum += s
	}
	return dist{
		N:    len(samples),
		Mean: sum / time.Duration(len(samples)),
		P50:  percentile(samples, 0.50),
		P90:  percentile(samples, 0.90),
		P99:  percentile(samples, 0.99),
		Max:  samples[len(samples)-1],
	}
}

// percentile returns the nearest-rank percentile q of sorted samples.
func percentile(sorted []time.Duration, q float64) time.Duration {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// perSecond returns n per second of d, or 0 if d is not positive.
func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// ratio returns a/b, or 0 if b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// retryable reports whether a set-up request may be tried again: the
// server is busy or rate-limits us.
func retryable(status int, err error) bool {
	if err != nil {
		return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
