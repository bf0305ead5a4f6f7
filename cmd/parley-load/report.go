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
	signIn   *signInStats  // when actors signed in

	writes  *writeResult
	fanouts []*fanoutResult // one per kind of viewer, in the order of -viewers
	reads   []*readResult
	keys    *keysResult
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
	for _, f := range r.fanouts {
		g := goal{Goal: fmt.Sprintf("%s SSE subscribers receive an event with p99 ≤ %s", count(goalSubscribers), msGoal(goalFanoutP99))}
		if f.Viewers == viewersParties {
			g.Goal += ", each signed in as its own actor and receiving only what it may see"
		}
		g.Measured = fmt.Sprintf("%s subscribers %s, p99 %s, %d missed, %d dropped, %d visibility violations", count(f.Connected), viewersPhrase(f.Viewers), ms(f.Delay.P99), f.Missed, f.Dropped, f.Violations)
		switch {
		case f.Connected < goalSubscribers:
			g.Met = fmt.Sprintf("not measured: fewer than %s subscribers", count(goalSubscribers))
		case f.Delay.N == 0:
			g.Met = "not measured: no subscriber may see any event posted"
		default:
			g.Met = yesNo(f.Delay.P99 <= goalFanoutP99 && f.Missed == 0 && f.Dropped == 0 && f.Violations == 0)
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
	for _, f := range r.fanouts {
		n += f.errs.total() + f.Missed + f.Dropped + f.Violations
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
			p("| rate limits | off: every rate and per-address cap of `server.Config` is -1 (`parley serve %s`), so that the sign-ins and streams of many keys from this one address pass; MaxStreams %s |\n", serveFlags, count(cfg.subscribers+256))
		} else {
			p("| rate limits | the running server's own; this load needs `parley serve %s` |\n", serveFlags)
		}
		p("| client | in the same process: one keep-alive `http.Transport` for API requests, one connection per stream |\n")
		if r.filesAfter != r.filesBefore {
			p("| open files | soft limit raised from %d to %d; the run needs about %d |\n", r.filesBefore, r.filesAfter, r.filesNeed)
		} else {
			p("| open files | soft limit %d; the run needs about %d |\n", r.filesAfter, r.filesNeed)
		}
		kind := "public"
		if cfg.proximity {
			kind = "public, proximity talks (each party's stances seen by its own actors and the mediators only)"
		}
		actors := "a head of delegation each"
		if n := len(r.talks.actors); n > cfg.parties {
			actors = actorsPhrase(cfg.parties, n)
		}
		p("| talks | `%s`, %s: %s parties with %s, invited to an open round; %s items × %d versions × %d paragraphs |\n",
			r.talks.id, kind, count(cfg.parties), actors, count(cfg.items), cfg.versions, cfg.paragraphs)
		p("| set-up | %s events in %.1f s (%s events/s) with %d concurrent requests |\n",
			count(r.setup.events), r.setup.elapsed.Seconds(), count(int(perSecond(r.setup.events, r.setup.elapsed))), cfg.setupConc)
		if si := r.signIn; si != nil {
			p("| sign-in | %s actors signed in with their own keys (a challenge, signed here, then a session), %d at a time, in %.1f s (%s a second)%s |\n",
				count(si.actors), cfg.setupConc, si.elapsed.Seconds(), count(int(perSecond(si.actors, si.elapsed))), retriedPhrase(si.retried))
		}
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
		if wr.CPU > 0 && r.target.inproc {
			p("The process, server and clients, used %.1f s of CPU in the phase: %s per write.\n\n", wr.CPU.Seconds(), us(wr.CPU/time.Duration(max(wr.OK, 1))))
		}
		p("Signing and encoding one stance event takes %s on one core (%s events/s per core), measured before the server started.\n\n",
			us(r.signEach), count(int(time.Second/max(r.signEach, 1))))
		writeErrors(w, wr.errs)
	}

	if len(r.fanouts) > 0 {
		p("## Fan-out\n\n")
		if len(r.fanouts) > 1 {
			p("The phase ran %d times on the same talks, one run for each kind of viewer, in this order:\n\n", len(r.fanouts))
			p("| subscribers | connected | events (only one party may see) | deliveries expected | received | withheld | p50 | p90 | p99 | max | missed | violations | dropped | CPU per event |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
			for _, f := range r.fanouts {
				p("| %s | %s | %d (%d) | %s | %s | %s | %s | %s | **%s** | %s | %d | %d | %d | %s |\n", viewersPhrase(f.Viewers), count(f.Connected), f.Posted, f.Private,
					count(f.Expected), count(f.Delay.N), count(f.Withheld), msOf(f.Delay, f.Delay.P50), msOf(f.Delay, f.Delay.P90), msOf(f.Delay, f.Delay.P99), msOf(f.Delay, f.Delay.Max), f.Missed, f.Violations, f.Dropped,
					cpuPerEvent(r.target, f))
			}
			p("\n")
			if r.target.inproc {
				p("CPU per event is the CPU time of this process, which holds the server and the subscribers, from the first POST to the last delivery awaited, divided by the events posted: it moves much less with the machine's other load than the delays do.\n\n")
			}
		}
		for _, f := range r.fanouts {
			r.writeFanout(w, f)
		}
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
		p("**Failures: %s** (failed requests, missed deliveries, dropped streams and visibility violations).\n", count(n))
	} else {
		p("No failures: every request succeeded (or, in the keys phase, was refused by a limit), every subscriber received every event it may see and none that it may not.\n")
	}
	return w.Flush()
}

// writeFanout writes the section of one fan-out run.
func (r *report) writeFanout(w *bufio.Writer, f *fanoutResult) {
	cfg := r.cfg
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("### Subscribers %s\n\n", viewersPhrase(f.Viewers))
	who := "as the public, without signing in"
	if f.Viewers == viewersParties {
		who = fmt.Sprintf("each with the session of an actor of its own (subscriber i is actor i, of party i mod %d: %s)", len(r.talks.parties), actorsPhrase(len(r.talks.parties), f.Subscribers))
	}
	p("%s subscribers open `GET /api/v1/talks/{id}/stream` %s, one connection each (connected in %.1f s). Then %d events are posted on a fixed schedule, %g per second, each on its own connection so that a slow answer delays no later event (%.1f s from the first POST to the last answer): %s. The delay of a delivery runs from just before the POST to the moment a subscriber reads the event's `event: event` line.\n\n",
		count(f.Subscribers), who, f.ConnectTime.Seconds(), f.Events, f.Rate, f.PostTime.Seconds(), eventsPhrase(cfg, f))
	p("Each subscriber checks what it received against what this tool posted: every event it may see must arrive (else a missed delivery), and none that it may not (else a visibility violation). Of the %s (subscriber, event) pairs, %s are deliveries the subscriber may see and %s events it may not see, withheld as they should be.\n\n",
		count(f.Connected*f.Posted), count(f.Expected), count(f.Withheld))
	p("| subscribers | events | deliveries | p50 | p90 | p99 | max | missed | violations | dropped |\n|---|---|---|---|---|---|---|---|---|---|\n")
	p("| %s | %d | %s | %s | %s | **%s** | %s | %d | %d | %d |\n\n", count(f.Connected), f.Posted, count(f.Delay.N),
		msOf(f.Delay, f.Delay.P50), msOf(f.Delay, f.Delay.P90), msOf(f.Delay, f.Delay.P99), msOf(f.Delay, f.Delay.Max), f.Missed, f.Violations, f.Dropped)
	if f.CPU > 0 && r.target.inproc {
		perDelivery := ""
		if f.Delay.N > 0 {
			perDelivery = ", " + us(f.CPU/time.Duration(f.Delay.N)) + " per delivery"
		}
		p("The process, server and subscribers, used %.1f s of CPU from the first POST to the last delivery awaited: %s per event posted%s.\n\n",
			f.CPU.Seconds(), ms(f.CPU/time.Duration(max(f.Posted, 1))), perDelivery)
	}
	if len(f.PerServer) > 1 {
		p("Every event is posted to the first server, %s; subscriber i listens on server i mod %d, so the subscribers of the other servers receive events appended through another process (which each server follows in the store). By the server the subscribers listen on:\n\n", f.PerServer[0].Base, len(f.PerServer))
		p("| server | events posted there | subscribers | deliveries | p50 | p90 | p99 | max | missed | violations | dropped |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
		for _, ps := range f.PerServer {
			p("| %s | %s | %s | %s | %s | %s | %s | %s | %d | %d | %d |\n", ps.Base, yesNoPlain(ps.Poster), count(ps.Connected), count(ps.Delay.N),
				ms(ps.Delay.P50), ms(ps.Delay.P90), ms(ps.Delay.P99), ms(ps.Delay.Max), ps.Missed, ps.Violations, ps.Dropped)
		}
		p("\n")
	}
	if f.Late > 0 {
		p("%s posted more than an interval (%s) after its time: the process, which holds the server and the clients, could not keep the schedule.\n\n", plural(f.Late, "event was", "events were"), ms(time.Duration(float64(time.Second)/f.Rate)))
	}
	if f.Missed > 0 {
		p("%s at least one event it may see (%s in all).\n\n", plural(f.Incomplete, "subscriber missed", "subscribers missed"), plural(f.Missed, "delivery", "deliveries"))
	}
	if f.Violations > 0 {
		p("**%s at least one event it may not see (%s in all); the first: %s.**\n\n", plural(f.Violators, "subscriber received", "subscribers received"), plural(f.Violations, "event", "events"), f.violation)
	}
	if f.Dropped > 0 {
		p("%s before the phase did; the first because: %s.\n\n", plural(f.Dropped, "stream ended", "streams ended"), f.dropReason)
	}
	writeErrors(w, f.errs)
}

// retriedPhrase says how many sign-in requests were sent again.
func retriedPhrase(n int) string {
	if n == 0 {
		return ""
	}
	return "; " + plural(n, "request", "requests") + " sent again after a refusal or a failed exchange"
}

// cpuPerEvent formats the CPU time of a fan-out run per event posted, when
// it measured the server's process.
func cpuPerEvent(tg *target, f *fanoutResult) string {
	if f.CPU <= 0 || !tg.inproc {
		return "—"
	}
	return ms(f.CPU / time.Duration(max(f.Posted, 1)))
}

// viewersPhrase says whom subscribers listen as.
func viewersPhrase(v string) string {
	if v == viewersParties {
		return "signed in as the parties' actors"
	}
	return "as the public"
}

// actorsPhrase describes n actors over the given number of parties.
func actorsPhrase(parties, n int) string {
	if n <= parties {
		return fmt.Sprintf("the heads of delegation of %s parties", count(n))
	}
	per := (n + parties - 1) / parties
	if n%parties == 0 {
		return fmt.Sprintf("%s heads of delegation and %s delegates, %d actors a party", count(parties), count(n-parties), per)
	}
	return fmt.Sprintf("%s heads of delegation and %s delegates, up to %d actors a party", count(parties), count(n-parties), per)
}

// eventsPhrase says what the events of a fan-out run are and who may see
// them.
func eventsPhrase(cfg *config, f *fanoutResult) string {
	acts := actNoun(cfg.act)
	if cfg.proximity && cfg.act == actStance {
		acts = "stance events, each seen only by the actors of its party (proximity talks)"
	}
	if f.Private == 0 || (cfg.proximity && cfg.act == actStance && cfg.private == 0) {
		return acts
	}
	return fmt.Sprintf("%s, and, spread evenly among them, %d caucus messages from the mediator to a party chosen at random, which only that party's actors may see (-private %g)", acts, countCaucus(cfg), cfg.private)
}

// countCaucus returns the caucus messages among the events of a run.
func countCaucus(cfg *config) int {
	n := 0
	for i := range cfg.events {
		if private(i, cfg.private) {
			n++
		}
	}
	return n
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
	WriteCPUSec   float64 `json:"write_cpu_seconds,omitempty"` // of this process, when it holds the server
	SignMicros    float64 `json:"sign_us,omitempty"`
	Subscribers   int     `json:"subscribers,omitempty"`
	FanoutP50ms   float64 `json:"fanout_p50_ms,omitempty"`
	FanoutP90ms   float64 `json:"fanout_p90_ms,omitempty"`
	FanoutP99ms   float64 `json:"fanout_p99_ms,omitempty"`
	FanoutMaxms   float64 `json:"fanout_max_ms,omitempty"`
	FanoutMissed  int     `json:"fanout_missed"`
	FanoutDropped int     `json:"fanout_dropped"`
	// The top-level fan-out figures are those of the first fan-out run;
	// Fanouts has every run, one per kind of viewer.
	Fanouts   []fanoutSummary `json:"fanouts,omitempty"`
	SignedIn  int             `json:"signed_in,omitempty"`
	SignInSec float64         `json:"sign_in_seconds,omitempty"`
	Proximity bool            `json:"proximity,omitempty"`

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
	Violations  int     `json:"violations"`
	Dropped     int     `json:"dropped"`
}

// fanoutSummary is one fan-out run.
type fanoutSummary struct {
	Viewers     string  `json:"viewers"`
	Subscribers int     `json:"subscribers"`
	Posted      int     `json:"events_posted"`
	Private     int     `json:"events_private"` // only one party may see them
	Expected    int     `json:"deliveries_expected"`
	Received    int     `json:"deliveries"`
	Withheld    int     `json:"withheld"`
	P50ms       float64 `json:"p50_ms"`
	P90ms       float64 `json:"p90_ms"`
	P99ms       float64 `json:"p99_ms"`
	Maxms       float64 `json:"max_ms"`
	Missed      int     `json:"missed"`
	Violations  int     `json:"violations"`
	Dropped     int     `json:"dropped"`
	Failed      int     `json:"failed"`
	Late        int     `json:"late"`
	CPUSec      float64 `json:"cpu_seconds,omitempty"` // of this process, when it holds the server

	ByServer []serverFanoutSummary `json:"by_server,omitempty"` // when -server lists several
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
		if r.target != nil && r.target.inproc {
			s.WriteCPUSec = w.CPU.Seconds()
		}
		s.WriteP50ms, s.WriteP90ms, s.WriteP99ms, s.WriteMaxms = msf(w.Latency.P50), msf(w.Latency.P90), msf(w.Latency.P99), msf(w.Latency.Max)
		for _, ps := range w.PerServer {
			s.WritesByServer = append(s.WritesByServer, serverWriteSummary{
				Server: ps.Base, Writers: ps.Writers, WritesPerSec: ps.Rate(),
				P50ms: msf(ps.Latency.P50), P99ms: msf(ps.Latency.P99), Failed: ps.Failed,
			})
		}
	}
	if si := r.signIn; si != nil {
		s.SignedIn, s.SignInSec = si.actors, si.elapsed.Seconds()
	}
	s.Proximity = r.cfg.proximity
	for _, f := range r.fanouts {
		fs := fanoutSummary{
			Viewers: f.Viewers, Subscribers: f.Connected, Posted: f.Posted, Private: f.Private,
			Expected: f.Expected, Received: f.Delay.N, Withheld: f.Withheld,
			P50ms: msf(f.Delay.P50), P90ms: msf(f.Delay.P90), P99ms: msf(f.Delay.P99), Maxms: msf(f.Delay.Max),
			Missed: f.Missed, Violations: f.Violations, Dropped: f.Dropped, Failed: f.errs.total(), Late: f.Late,
		}
		if r.target != nil && r.target.inproc {
			fs.CPUSec = f.CPU.Seconds()
		}
		for _, ps := range f.PerServer {
			fs.ByServer = append(fs.ByServer, serverFanoutSummary{
				Server: ps.Base, Posted: ps.Poster, Subscribers: ps.Connected,
				P50ms: msf(ps.Delay.P50), P90ms: msf(ps.Delay.P90), P99ms: msf(ps.Delay.P99), Maxms: msf(ps.Delay.Max),
				Missed: ps.Missed, Violations: ps.Violations, Dropped: ps.Dropped,
			})
		}
		s.Fanouts = append(s.Fanouts, fs)
	}
	if len(r.fanouts) > 0 {
		f := r.fanouts[0]
		s.Subscribers, s.FanoutMissed, s.FanoutDropped = f.Connected, f.Missed, f.Dropped
		s.FanoutP50ms, s.FanoutP90ms, s.FanoutP99ms, s.FanoutMaxms = msf(f.Delay.P50), msf(f.Delay.P90), msf(f.Delay.P99), msf(f.Delay.Max)
		s.FanoutByServer = s.Fanouts[0].ByServer
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

// msOf formats a figure of a distribution, or a dash when it has no
// samples.
func msOf(d dist, v time.Duration) string {
	if d.N == 0 {
		return "—"
	}
	return ms(v)
}

// msGoal formats a goal's whole number of milliseconds.
func msGoal(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }
