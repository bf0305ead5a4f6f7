package metrics

import (
	"strings"
	"testing"
)

func TestExposition(t *testing.T) {
	r := NewRegistry()
	c := r.NewCounterVec("parley_requests_total", "Requests.", "route", "code")
	c.Inc("GET /x", "200")
	c.Add(2, "GET /x", "200")
	c.Inc(`a"b\c`, "500")
	g := r.NewGauge("parley_streams", "Open streams.")
	g.Add(3)
	g.Add(-1)
	h := r.NewHistogramVec("parley_seconds", "Latency.", []float64{0.1, 1}, "route")
	h.Observe(0.05, "r")
	h.Observe(0.5, "r")
	h.Observe(5, "r")
	var b strings.Builder
	r.Write(&b)
	got := b.String()
	for _, want := range []string{
		"# TYPE parley_requests_total counter\n",
		`parley_requests_total{route="GET /x",code="200"} 3` + "\n",
		`parley_requests_total{route="a\"b\\c",code="500"} 1` + "\n",
		"# TYPE parley_streams gauge\nparley_streams 2\n",
		`parley_seconds_bucket{route="r",le="0.1"} 1` + "\n",
		`parley_seconds_bucket{route="r",le="1"} 2` + "\n",
		`parley_seconds_bucket{route="r",le="+Inf"} 3` + "\n",
		`parley_seconds_sum{route="r"} 5.55` + "\n",
		`parley_seconds_count{route="r"} 3` + "\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("exposition lacks %q:\n%s", want, got)
		}
	}
}
