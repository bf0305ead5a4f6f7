package main

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine describes where the run ran.
type machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Model      string `json:"cpu_model"`
	Platform   string `json:"platform"`
	Go         string `json:"go"`
	LoadStart  string `json:"load_average_start"`
}

func machineOf() machine {
	return machine{
		CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), Model: cpuModel(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version(), LoadStart: loadAverage(),
	}
}

// report gathers what a run measured.
type report struct {
	args           []string
	cfg            *config
	started, ended time.Time
	machine        machine
	loadEnd        string

	filesNeed, filesBefore, filesAfter uint64

	target   *target
	talks    *talks
	setup    setupStats
	signEach time.Duration // to sign and encode one stance event on one core
	pauses   []pause       // before each phase

	writes *writeResult
	fanout *fanoutResult
	reads  []*readResult
	keys   *keysResult
}

// A pause is the wait for the server to settle before a phase.
type pause struct {
	before string // the phase
	took   time.Duration
	idle   bool // the process went idle
}

// The goals of the server at the scale of DESIGN.md §7, on a 2-core
// machine.
const (
	goalSubscribers = 1000
	goalFanoutP99   = 250 * time.Millisecond
	goalWriteRate   = 1000
	goalWriteP99    = 100 * time.Millisecond
	goalReadRatio   = 0.30
)

// A goal is one goal and how the run did against it.
type goal struct {
	Goal     string `json:"goal"`
	Measured string `json:"measured"`
	Met      string `json:"met"` // yes, no, or why it was not measured
}

func (r *report) goals() []goal {
	var out []goal
	if f := r.fanout; f != nil {
		g := goal{Goal: fmt.Sprintf("%s SSE subscribers receive an event with p99 ≤ %s", count(goalSubscribers), msGoal(goalFanoutP99))}
		g.Measured = fmt.Sprintf("%s subscribers, p99 %s, %d missed, %d dropped", count(f.Connected), ms(f.Delay.P99), f.Missed, f.Dropped)
		switch {
		case f.Connected < goalSubscribers:
			g.Met = fmt.Sprintf("not measured: fewer than %s subscribers", count(goalSubscribers))
		default:
			g.Met = yesNo(f.Delay.P99 <= goalFanoutP99 && f.Missed == 0 && f.Dropped == 0)
		}
		out = append(out, g)
	}
	if w := r.writes; w != nil {
		out = append(out, goal{
			Goal:     fmt.Sprintf("≥ %s signed writes/s with p99 ≤ %s", count(goalWriteRate), msGoal(goalWriteP99)),
			Measured: fmt.Sprintf("%s writes/s, p99 %s, %d failed", count(int(w.Rate())), ms(w.Latency.P99), w.Failed),
			Met:      yesNo(w.Rate() >= goalWriteRate && w.Latency.P99 <= goalWriteP99 && w.Failed == 0),
		})
	}
	if len(r.reads) > 0 {
		bare := r.reads[0].Rate()
		for _, rd := range r.reads {
			if rd.Bare {
				continue
			}
			of := ratio(rd.Rate(), bare)
			out = append(out, goal{
				Goal: fmt.Sprintf("reads (%s) at ≥ %.0f%% of the bare handler's rate", rd.Name, goalReadRatio*100),
				Measured: fmt.Sprintf("%.0f%% (%s vs %s reads/s); %.0f%% of a bare handler serving the same %s bytes",
					of*100, count(int(rd.Rate())), count(int(bare)), 100*ratio(rd.Rate(), rd.Same.Rate()), count(rd.Bytes)),
				Met: yesNo(of >= goalReadRatio && rd.Failed == 0),
			})
		}
	}
	if r.cfg.act == actStatement {
		for i := range out {
			if !strings.HasPrefix(out[i].Goal, "reads") {
				out[i].Measured += "; with statements, not stances"
			}
		}
	}
	return out
}

// failures counts failed requests, missed events and dropped streams.
func (r *report) failures() int {
	n := 0
	if r.writes != nil {
		n += r.writes.Failed
	}
	if f := r.fanout; f != nil {
		n += f.errs.total() + f.Missed + f.Dropped
	}
	for _, rd := range r.reads {
		n += rd.Failed
	}
	if r.keys != nil {
		// Refusals by the limits are what the phase is for; anything else
		// is a failure, and so is a limit that did not hold.
		n += r.keys.errs.total()
		if r.keys.Known && !r.keys.holds() {
			n++
		}
	}
	return n
}

// write writes the report in Markdown.
func (r *report) write(out io.Writer) error {
	w := bufio.NewWriter(out)
	cfg := r.cfg
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }

	p("# Parley load report\n\n")
	p("`%s`\n\n", commandLine(r.args))
	p("| | |\n|---|---|\n")
	p("| started | %s (%.0f s in all) |\n", r.started.UTC().Format(time.RFC3339), r.ended.Sub(r.started).Seconds())
	p("| machine | %d CPUs (GOMAXPROCS %d), %s, %s, %s |\n", r.machine.CPUs, r.machine.GOMAXPROCS, r.machine.Model, r.machine.Platform, r.machine.Go)
	p("| load average | %s at the start, %s at the end |\n", r.machine.LoadStart, r.loadEnd)
	if r.target != nil {
		p("| server | %s |\n", r.target.desc)
		if r.target.inproc {
			p("| record's file system | %s |\n", r.target.fstype)
			p("| rate limits | off: every rate and per-address cap of `server.Config` is -1; MaxStreams %s |\n", count(cfg.subscribers+256))
		} else {
			p("| rate limits | the running server's own |\n")
		}
		p("| client | in the same process: one keep-alive `http.Transport` for API requests, one connection per stream |\n")
		if r.filesAfter != r.filesBefore {
			p("| open files | soft limit raised from %d to %d; the run needs about %d |\n", r.filesBefore, r.filesAfter, r.filesNeed)
		} else {
			p("| open files | soft limit %d; the run needs about %d |\n", r.filesAfter, r.filesNeed)
		}
		p("| talks | `%s`, public: %s parties with a head of delegation each, invited to an open round; %s items × %d versions × %d paragraphs |\n",
			r.talks.id, count(cfg.parties), count(cfg.items), cfg.versions, cfg.paragraphs)
		p("| set-up | %s events in %.1f s (%s events/s) with %d concurrent requests |\n",
			count(r.setup.events), r.setup.elapsed.Seconds(), count(int(perSecond(r.setup.events, r.setup.elapsed))), cfg.setupConc)
		if len(r.pauses) > 0 {
			var parts []string
			for _, s := range r.pauses {
				switch {
				case !r.target.inproc:
					parts = append(parts, fmt.Sprintf("%.1f s before %s", s.took.Seconds(), s.before))
				case s.idle:
					parts = append(parts, fmt.Sprintf("idle %.1f s before %s", s.took.Seconds(), s.before))
				default:
					parts = append(parts, fmt.Sprintf("**still busy** %.1f s before %s", s.took.Seconds(), s.before))
				}
			}
			if r.target.inproc {
				p("| settling | before each phase the process waits until it uses under %.0f%% of a core (the server finishes what the last phase left): %s |\n", idleShare*100, strings.Join(parts, "; "))
			} else {
				p("| settling | a pause before each phase: %s |\n", strings.Join(parts, "; "))
			}
		}
	}
	p("\n")

	if wr := r.writes; wr != nil {
		p("## Writes\n\n")
		how := "signed before the clock started"
		if !wr.Presigned {
			how = "signed by each writer just before each request (signing is outside the latency, inside the duration)"
		}
		p("%d delegations, each on its own goroutine, POST %s of their party to `/api/v1/talks/{id}/events`, one request at a time, for %v or %s requests in all; events are %s. A latency runs from just before the request to the end of the response (the receipt), which comes after the event is durably committed.\n\n",
			wr.Writers, actNoun(cfg.act), cfg.duration, count(cfg.maxWrites), how)
		p("| delegations | elapsed | ok | failed | writes/s | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|---|---|---|\n")
		p("| %d | %.1f s | %s | %s | **%s** | %s | %s | **%s** | %s |\n\n", wr.Writers, wr.Elapsed.Seconds(), count(wr.OK), count(wr.Failed),
			count(int(wr.Rate())), ms(wr.Latency.P50), ms(wr.Latency.P90), ms(wr.Latency.P99), ms(wr.Latency.Max))
		if len(wr.PerServer) > 1 {
			p("Writer i posts to server i mod %d; by server:\n\n", len(wr.PerServer))
			p("| server | delegations | ok | failed | writes/s | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|---|---|---|\n")
			for _, ps := range wr.PerServer {
				p("| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", ps.Base, ps.Writers, count(ps.OK), count(ps.Failed),
					count(int(ps.Rate())), ms(ps.Latency.P50), ms(ps.Latency.P90), ms(ps.Latency.P99), ms(ps.Latency.Max))
			}
			p("\n")
		}
		p("Signing and encoding one stance event takes %s on one core (%s events/s per core), measured before the server started.\n\n",
			us(r.signEach), count(int(time.Second/max(r.signEach, 1))))
		writeErrors(w, wr.errs)
	}

	if f := r.fanout; f != nil {
		p("## Fan-out\n\n")
		p("%s subscribers open `GET /api/v1/talks/{id}/stream` as the public, one connection each (connected in %.1f s). Then %d %s are posted on a fixed schedule, %g per second, each on its own connection so that a slow answer delays no later event (%.1f s from the first POST to the last answer); the delay of a delivery runs from just before the POST to the moment a subscriber reads the event's `id:` line.\n\n",
			count(f.Subscribers), f.ConnectTime.Seconds(), f.Events, actNoun(cfg.act), f.Rate, f.PostTime.Seconds())
		p("| subscribers | events | deliveries | p50 | p90 | p99 | max | missed | dropped |\n|---|---|---|---|---|---|---|---|---|\n")
		p("| %s | %d | %s | %s | %s | **%s** | %s | %d | %d |\n\n", count(f.Connected), f.Posted, count(f.Delay.N),
			ms(f.Delay.P50), ms(f.Delay.P90), ms(f.Delay.P99), ms(f.Delay.Max), f.Missed, f.Dropped)
		if len(f.PerServer) > 1 {
			p("Every event is posted to the first server, %s; subscriber i listens on server i mod %d, so the subscribers of the other servers receive events appended through another process (which each server follows in the store). By the server the subscribers listen on:\n\n", f.PerServer[0].Base, len(f.PerServer))
			p("| server | events posted there | subscribers | deliveries | p50 | p90 | p99 | max | missed | dropped |\n|---|---|---|---|---|---|---|---|---|---|\n")
			for _, ps := range f.PerServer {
				p("| %s | %s | %s | %s | %s | %s | %s | %s | %d | %d |\n", ps.Base, yesNoPlain(ps.Poster), count(ps.Connected), count(ps.Delay.N),
					ms(ps.Delay.P50), ms(ps.Delay.P90), ms(ps.Delay.P99), ms(ps.Delay.Max), ps.Missed, ps.Dropped)
			}
			p("\n")
		}
		if f.Late > 0 {
			p("%s posted more than an interval (%s) after its time: the process, which holds the server and the clients, could not keep the schedule.\n\n", plural(f.Late, "event was", "events were"), ms(time.Duration(float64(time.Second)/f.Rate)))
		}
		if f.Missed > 0 {
			p("%s at least one event (%s in all).\n\n", plural(f.Incomplete, "subscriber missed", "subscribers missed"), plural(f.Missed, "delivery", "deliveries"))
		}
		if f.Dropped > 0 {
			p("%s before the phase did; the first because: %s.\n\n", plural(f.Dropped, "stream ended", "streams ended"), f.dropReason)
		}
		writeErrors(w, f.errs)
	}

	if len(r.reads) > 0 {
		p("## Reads\n\n")
		if n := len(r.target.bases); n > 1 {
			p("Reader i of the API targets reads from server i mod %d.\n\n", n)
		}
		p("%d readers GET one path over and over on keep-alive connections for %v per target, one target after the other. The bare handlers are `net/http` handlers on other loopback ports of this process that write a fixed body: the bytes of one checkpoint response, and the bytes of one talks overview. The goal compares the API with the first.\n\n", cfg.readers, cfg.duration)
		p("| target | path | body | ok | failed | reads/s | p50 | p99 | max | of bare handler | of bare handler, same body |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
		bare := r.reads[0].Rate()
		for _, rd := range r.reads {
			same := "—"
			if !rd.Bare {
				same = fmt.Sprintf("%.0f%%", 100*ratio(rd.Rate(), rd.Same.Rate()))
			}
			p("| %s | `%s` | %s B | %s | %s | **%s** | %s | %s | %s | **%.0f%%** | %s |\n", rd.Name, rd.Path, count(rd.Bytes), count(rd.OK), count(rd.Failed),
				count(int(rd.Rate())), ms(rd.Latency.P50), ms(rd.Latency.P99), ms(rd.Latency.Max), 100*ratio(rd.Rate(), bare), same)
		}
		p("\n")
		t := newTally()
		for _, rd := range r.reads {
			for _, k := range rd.errs.kinds() {
				for range rd.errs.n[k] {
					t.add(rd.Name+": "+k, rd.errs.first[k])
				}
			}
		}
		writeErrors(w, t)
	}

	if k := r.keys; k != nil {
		k.write(p)
		writeErrors(w, k.errs)
	}

	if gs := r.goals(); len(gs) > 0 {
		p("## Goals\n\n| goal | measured | met |\n|---|---|---|\n")
		for _, g := range gs {
			p("| %s | %s | %s |\n", g.Goal, g.Measured, g.Met)
		}
		p("\n")
	}
	if n := r.failures(); n > 0 {
		p("**Failures: %s** (failed requests, missed deliveries and dropped streams).\n", count(n))
	} else {
		p("No failures: every request succeeded (or, in the keys phase, was refused by a limit), every event reached every subscriber.\n")
	}
	return w.Flush()
}

// writeErrors writes a section's failures, or that there were none.
func writeErrors(w io.Writer, t *tally) {
	kinds := t.kinds()
	if len(kinds) == 0 {
		fmt.Fprintf(w, "Errors: none.\n\n")
		return
	}
	fmt.Fprintf(w, "Errors:\n\n| kind | count | first detail |\n|---|---|---|\n")
	for _, k := range kinds {
		fmt.Fprintf(w, "| %s | %d | %s |\n", k, t.n[k], strings.ReplaceAll(t.first[k], "|", "\\|"))
	}
	fmt.Fprintln(w)
}

// summary is the JSON form of the figures, for comparing runs.
type summary struct {
	Started     time.Time `json:"started"`
	Machine     machine   `json:"machine"`
	LoadEnd     string    `json:"load_average_end"`
	InProcess   bool      `json:"in_process"`
	Servers     []string  `json:"servers"`
	SetupEvents int       `json:"setup_events"`
	SetupSec    float64   `json:"setup_seconds"`

	WritesPerSec  float64 `json:"writes_per_sec,omitempty"`
	WriteP50ms    float64 `json:"write_p50_ms,omitempty"`
	WriteP90ms    float64 `json:"write_p90_ms,omitempty"`
	WriteP99ms    float64 `json:"write_p99_ms,omitempty"`
	WriteMaxms    float64 `json:"write_max_ms,omitempty"`
	WriteFailed   int     `json:"write_failed"`
	SignMicros    float64 `json:"sign_us,omitempty"`
	Subscribers   int     `json:"subscribers,omitempty"`
	FanoutP50ms   float64 `json:"fanout_p50_ms,omitempty"`
	FanoutP90ms   float64 `json:"fanout_p90_ms,omitempty"`
	FanoutP99ms   float64 `json:"fanout_p99_ms,omitempty"`
	FanoutMaxms   float64 `json:"fanout_max_ms,omitempty"`
	FanoutMissed  int     `json:"fanout_missed"`
	FanoutDropped int     `json:"fanout_dropped"`

	// By server, when -server lists several.
	WritesByServer []serverWriteSummary  `json:"writes_by_server,omitempty"`
	FanoutByServer []serverFanoutSummary `json:"fanout_by_server,omitempty"`

	Reads []readSummary `json:"reads,omitempty"`
	Keys  *keysSummary  `json:"keys,omitempty"`
	Goals []goal        `json:"goals"`
}

type serverWriteSummary struct {
	Server       string  `json:"server"`
	Writers      int     `json:"writers"`
	WritesPerSec float64 `json:"writes_per_sec"`
	P50ms        float64 `json:"p50_ms"`
	P99ms        float64 `json:"p99_ms"`
	Failed       int     `json:"failed"`
}

type serverFanoutSummary struct {
	Server      string  `json:"server"`
	Posted      bool    `json:"events_posted_here"`
	Subscribers int     `json:"subscribers"`
	P50ms       float64 `json:"p50_ms"`
	P90ms       float64 `json:"p90_ms"`
	P99ms       float64 `json:"p99_ms"`
	Maxms       float64 `json:"max_ms"`
	Missed      int     `json:"missed"`
	Dropped     int     `json:"dropped"`
}

type readSummary struct {
	Name       string  `json:"name"`
	PerSec     float64 `json:"per_sec"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	OfBare     float64 `json:"of_bare"`
	OfSame     float64 `json:"of_bare_same_body"`
	Failed     int     `json:"failed"`
	BodyBytes  int     `json:"body_bytes"`
	ReadersNum int     `json:"readers"`
}

func (r *report) summary() summary {
	s := summary{
		Started: r.started.UTC(), Machine: r.machine, LoadEnd: r.loadEnd,
		SetupEvents: r.setup.events, SetupSec: r.setup.elapsed.Seconds(),
		SignMicros: float64(r.signEach) / 1e3, Goals: r.goals(),
	}
	if r.target != nil {
		s.InProcess, s.Servers = r.target.inproc, r.target.bases
	}
	if r.keys != nil {
		s.Keys = r.keys.summary()
	}
	if w := r.writes; w != nil {
		s.WritesPerSec, s.WriteFailed = w.Rate(), w.Failed
		s.WriteP50ms, s.WriteP90ms, s.WriteP99ms, s.WriteMaxms = msf(w.Latency.P50), msf(w.Latency.P90), msf(w.Latency.P99), msf(w.Latency.Max)
		for _, ps := range w.PerServer {
			s.WritesByServer = append(s.WritesByServer, serverWriteSummary{
				Server: ps.Base, Writers: ps.Writers, WritesPerSec: ps.Rate(),
				P50ms: msf(ps.Latency.P50), P99ms: msf(ps.Latency.P99), Failed: ps.Failed,
			})
		}
	}
	if f := r.fanout; f != nil {
		s.Subscribers, s.FanoutMissed, s.FanoutDropped = f.Connected, f.Missed, f.Dropped
		s.FanoutP50ms, s.FanoutP90ms, s.FanoutP99ms, s.FanoutMaxms = msf(f.Delay.P50), msf(f.Delay.P90), msf(f.Delay.P99), msf(f.Delay.Max)
		for _, ps := range f.PerServer {
			s.FanoutByServer = append(s.FanoutByServer, serverFanoutSummary{
				Server: ps.Base, Posted: ps.Poster, Subscribers: ps.Connected,
				P50ms: msf(ps.Delay.P50), P90ms: msf(ps.Delay.P90), P99ms: msf(ps.Delay.P99), Maxms: msf(ps.Delay.Max),
				Missed: ps.Missed, Dropped: ps.Dropped,
			})
		}
	}
	for _, rd := range r.reads {
		s.Reads = append(s.Reads, readSummary{
			Name: rd.Name, PerSec: rd.Rate(), P50ms: msf(rd.Latency.P50), P99ms: msf(rd.Latency.P99),
			OfBare: ratio(rd.Rate(), r.reads[0].Rate()), OfSame: ratio(rd.Rate(), rd.Same.Rate()), Failed: rd.Failed, BodyBytes: rd.Bytes, ReadersNum: rd.Readers,
		})
	}
	return s
}

// commandLine quotes args as a shell would need them.
func commandLine(args []string) string {
	parts := []string{"parley-load"}
	for _, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`|&;<>()*?[]#~") {
			a = strconv.Quote(a)
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// actNoun names the acts of the load.
func actNoun(act string) string {
	if act == actStatement {
		return "public statements (which do not change what is agreed)"
	}
	return "stance events (each may change what is agreed, so the server re-evaluates the agreement)"
}

// plural writes n with the singular or plural phrase after it.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return count(n) + " " + many
}

// yesNoPlain is yesNo without emphasis.
func yesNoPlain(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string {
	f := msf(d)
	switch {
	case f < 10:
		return fmt.Sprintf("%.2f ms", f)
	case f < 1000:
		return fmt.Sprintf("%.1f ms", f)
	}
	return fmt.Sprintf("%s ms", count(int(f)))
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// us formats a duration in microseconds.
func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond)) }

// count formats n with thousands separators: 12,345.
func count(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// msGoal formats a goal's whole number of milliseconds.
func msGoal(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }
