package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/scenario"
)

// runIn runs the command line with stdin, and returns its standard output
// and standard error apart.
func runIn(t *testing.T, getenv func(string) string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

// exchangeInstance returns the instance of the follow-up item D2 of the
// exchange's script, in the interchange format, and its current package:
// the definition's issues and both parties' preferences as the script
// gives them before they are sealed.
func exchangeInstance(t *testing.T, x *scenario.Script) (string, string) {
	t.Helper()
	var issues, current json.RawMessage
	var parties []json.RawMessage
	for _, st := range x.Steps {
		var p map[string]json.RawMessage
		json.Unmarshal(st.Payload, &p)
		switch st.Kind {
		case parley.KindDefineIssues:
			issues, current = p["issues"], p["current"]
		case parley.KindGivePreferences:
			var party string
			json.Unmarshal(p["party"], &party)
			var prefs map[string]json.RawMessage
			json.Unmarshal(p["preferences"], &prefs)
			prefs["id"], _ = json.Marshal(party)
			b, _ := json.Marshal(prefs)
			parties = append(parties, b)
		}
	}
	if issues == nil || len(parties) != 2 {
		t.Fatalf("the exchange's script has no definition of D2's issues with two parties' preferences")
	}
	inst, _ := json.Marshal(map[string]any{"issues": issues, "parties": parties})
	return string(inst), string(current)
}

// demoRecord writes the demo's record in a temporary directory, and
// returns it with an environment whose sessions file is temporary too.
func demoRecord(t *testing.T) (string, func(string) string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "demo")
	env := map[string]string{"PARLEY_SESSIONS": filepath.Join(t.TempDir(), "sessions.json")}
	getenv := func(k string) string { return env[k] }
	if out, err := cli(t, getenv, "demo", "--serve=false", "--dir", dir); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	return dir, getenv
}

// TestPackagesFromRecord checks, on the demo's record, that the mediator's
// packages from the record equal those of standard input on the same
// instance; that a party reads only its own preferences back, and others
// none; and that "parley preferences" refuses bad input naming the field,
// recording nothing, and replaces a party's preferences.
func TestPackagesFromRecord(t *testing.T) {
	dir, getenv := demoRecord(t)
	x := scenario.Exchange()
	key := func(who string) string { return filepath.Join(dir, "keys", who+".key") }
	rec := []string{"--dir", dir, "--talks", x.Talks}
	packages := func(who string, more ...string) (string, string, error) {
		return runIn(t, getenv, "", append(append([]string{"packages", "-compact", "--item", "D2", "--key", key(who)}, rec...), more...)...)
	}
	inst, current := exchangeInstance(t, x)

	want, _, err := runIn(t, getenv, inst, "packages", "-compact", "-current", current)
	if err != nil {
		t.Fatalf("packages on stdin: %v", err)
	}
	got, stderr, err := packages("xmediator")
	if err != nil {
		t.Fatalf("packages --item D2 as the mediator: %v\n%s", err, stderr)
	}
	if got != want {
		t.Errorf("the mediator's packages from the record differ from those of stdin:\nrecord %s\nstdin  %s", got, want)
	}
	// What docs/PACKAGES.md says of the demo: 14 packages on the
	// frontier, the draft's package not among them, 4 better for both.
	for _, w := range []string{`"points":14,`, `"pareto_optimal":false`, `"improvement_points":4,`} {
		if !strings.Contains(got, w) {
			t.Errorf("the mediator's packages of the demo lack %s, which docs/PACKAGES.md says:\n%s", w, got)
		}
	}
	if !strings.Contains(stderr, "computed from the preferences of gov and opp, opened on this device") {
		t.Errorf("the mediator is not told whose preferences it computed from: %q", stderr)
	}
	svg := filepath.Join(t.TempDir(), "frontier.svg")
	if _, _, err := packages("xmediator", "-svg", svg); err != nil {
		t.Errorf("packages --item -svg: %v", err)
	} else if b, _ := os.ReadFile(svg); !bytes.Contains(b, []byte("<svg")) {
		t.Errorf("-svg wrote no picture")
	}

	// The same through a server: the mediator signs in, reads the sealed
	// preferences from the API and opens them here; a party's delegate
	// revises its party's through the server.
	url, stop := startServeArgs(t, []string{"serve", "--addr", "127.0.0.1:0", "--dir", dir, "--host", "demo.parley.localhost"}, io.Discard, getenv)
	viaServer := []string{"--server", url, "--talks", x.Talks}
	got, stderr, err = runIn(t, getenv, "", append([]string{"packages", "-compact", "--item", "D2", "--key", key("xmediator")}, viaServer...)...)
	if err != nil || got != want {
		t.Errorf("packages --item D2 --server: %v\n%s\ngot  %s\nwant %s", err, stderr, got, want)
	}
	var served map[string]any
	json.Unmarshal([]byte(inst), &struct {
		Parties []*map[string]any `json:"parties"`
	}{Parties: []*map[string]any{&served}})
	served["reservation"] = "0.55"
	b, _ := json.Marshal(served)
	sf := filepath.Join(t.TempDir(), "gov.json")
	os.WriteFile(sf, b, 0o600)
	if out, stderr, err := runIn(t, getenv, "", append([]string{"preferences", "D2", sf, "--key", key("xgovdel")}, viaServer...)...); err != nil {
		t.Errorf("preferences --server: %v\n%s%s", err, out, stderr)
	}
	got, _, err = runIn(t, getenv, "", append([]string{"packages", "-compact", "--item", "D2", "--key", key("xmediator")}, viaServer...)...)
	if err != nil || !strings.Contains(got, `"gov":{"reservation":"0.55"`) {
		t.Errorf("after a revision through the server the mediator computes %s (%v), want gov's reservation 0.55", got, err)
	}
	if err := stop(); err != nil {
		t.Errorf("serve: %v", err)
	}

	// A party reads only its own preferences back: the Government's
	// delegate computes over the Government's alone.
	own, stderr, err := packages("xgovdel")
	if err != nil {
		t.Fatalf("packages as gov's delegate: %v\n%s", err, stderr)
	}
	var res struct {
		Parties []string `json:"parties"`
	}
	if err := json.Unmarshal([]byte(own), &res); err != nil || len(res.Parties) != 1 || res.Parties[0] != "gov" {
		t.Errorf("gov's delegate computed over %v (%v), want gov's alone", res.Parties, err)
	}
	// What each can read back, in the interchange format: the mediator
	// the whole instance, which packages reads as the record gives it.
	read, _, err := runIn(t, getenv, "", append([]string{"preferences", "read", "D2", "--key", key("xmediator")}, rec...)...)
	if err != nil {
		t.Fatalf("preferences read: %v", err)
	}
	now, _, err := packages("xmediator")
	if err != nil {
		t.Fatal(err)
	}
	if again, _, err := runIn(t, getenv, read, "packages", "-compact", "-current", current); err != nil || again != now {
		t.Errorf("packages on what preferences read printed: %v\n%s\nwant %s", err, again, now)
	}
	if mine, _, err := runIn(t, getenv, "", append([]string{"preferences", "read", "D2", "--key", key("xopp")}, rec...)...); err != nil || strings.Contains(mine, `"id": "gov"`) || !strings.Contains(mine, `"id": "opp"`) {
		t.Errorf("opp reads back %s (%v), want its own preferences alone", mine, err)
	}
	// The verifier, of no party, reads none; the convener sees them
	// given but cannot open them.
	if _, _, err := packages("xverifier"); err == nil || !strings.Contains(err.Error(), "no party has given preferences over D2 that --key may read") {
		t.Errorf("packages as the verifier: %v", err)
	}
	if _, _, err := packages("xhost"); err == nil || !strings.Contains(err.Error(), "do not open with --key") {
		t.Errorf("packages as the convener: %v", err)
	}

	// Stdin mode refuses the record's flags without --item.
	if _, _, err := runIn(t, getenv, inst, append([]string{"packages", "--key", key("xmediator")}, rec...)...); err == nil || !strings.Contains(err.Error(), "--item") {
		t.Errorf("packages --key without --item: %v", err)
	}

	// parley preferences: bad input is refused naming the field, and
	// nothing is recorded.
	var prefs map[string]any
	json.Unmarshal([]byte(inst), &struct {
		Parties []*map[string]any `json:"parties"`
	}{Parties: []*map[string]any{&prefs}})
	write := func(v any) string {
		b, _ := json.Marshal(v)
		f := filepath.Join(t.TempDir(), "prefs.json")
		os.WriteFile(f, b, 0o600)
		return f
	}
	size := func() string {
		out, err := cli(t, getenv, append([]string{"show"}, rec...)...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := size()
	bad := map[string]any{}
	for k, v := range prefs {
		bad[k] = v
	}
	bad["weights"] = map[string]any{"detainees": "0.1234567", "tranches": "0.4", "verifier": "0.1", "venue": "0.3"}
	if _, _, err := runIn(t, getenv, "", append([]string{"preferences", "D2", write(bad), "--key", key("xgovdel")}, rec...)...); err == nil || !strings.Contains(err.Error(), "preferences.weights.detainees") {
		t.Errorf("preferences with 7 decimals: %v", err)
	}
	bad["weights"] = prefs["weights"]
	bad["id"] = "opp"
	if _, _, err := runIn(t, getenv, "", append([]string{"preferences", "D2", write(bad), "--key", key("xgovdel")}, rec...)...); err == nil || !strings.Contains(err.Error(), "preferences.id") {
		t.Errorf("preferences for another party: %v", err)
	}
	if _, _, err := runIn(t, getenv, "", append([]string{"preferences", "D2", write(prefs), "--key", key("xgovdel"), "--party", "opp"}, rec...)...); err == nil {
		t.Errorf("gov's delegate gave opp's preferences")
	}
	if after := size(); after != before {
		t.Errorf("refused preferences changed the record:\nbefore %s\nafter  %s", before, after)
	}

	// A revision replaces the earlier preferences: the Government's
	// delegate gives a higher reservation, and the mediator's bounds say so.
	prefs["reservation"] = "0.6"
	out, stderr, err := runIn(t, getenv, "", append([]string{"preferences", "D2", write(prefs), "--key", key("xgovdel")}, rec...)...)
	if err != nil || !strings.Contains(out, "recorded preferences.give") || !strings.Contains(out, "sealed to 3 recipients") {
		t.Fatalf("preferences: %v\n%s%s", err, out, stderr)
	}
	got, _, err = packages("xmediator")
	if err != nil || !strings.Contains(got, `"gov":{"reservation":"0.6"`) {
		t.Errorf("after the revision the mediator computes %s (%v), want gov's reservation 0.6", got, err)
	}

	// A new definition makes the earlier preferences stale: the mediator
	// is told whose, rather than computing over them.
	issues := filepath.Join(t.TempDir(), "issues.json")
	os.WriteFile(issues, []byte(`{"issues": [{"id": "tranches", "options": ["1", "2", "3"]}]}`), 0o600)
	if out, err := cli(t, getenv, append([]string{"issues", "D2", issues, "--key", key("xmediator")}, rec...)...); err != nil {
		t.Fatalf("issues: %v\n%s", err, out)
	}
	if _, _, err := packages("xmediator"); err == nil || !strings.Contains(err.Error(), "must give them again") {
		t.Errorf("packages over stale preferences: %v", err)
	}
	os.WriteFile(issues, []byte(`{"issues": [{"id": "tranches", "options": ["1", "1"]}]}`), 0o600)
	if _, err := cli(t, getenv, append([]string{"issues", "D2", issues, "--key", key("xmediator")}, rec...)...); err == nil || !strings.Contains(err.Error(), "issues[0].options[1]") {
		t.Errorf("issues with an option twice: %v", err)
	}
}

// TestPreferencesRewrap names a second mediator and a second delegate of
// gov after the parties gave their preferences over D2 in the demo's
// exchange: neither reads them until a recipient wraps their keys again
// ("parley preferences rewrap"), the mediator then reads every party's and
// the delegate its own party's; a second run has nothing to do, and the
// host refuses to give one party's preferences to another party's actor.
func TestPreferencesRewrap(t *testing.T) {
	dir, getenv := demoRecord(t)
	x := scenario.Exchange()
	key := func(who string) string { return filepath.Join(dir, "keys", who+".key") }
	rec := []string{"--dir", dir, "--talks", x.Talks}
	must := func(args ...string) string {
		t.Helper()
		out, stderr, err := runIn(t, getenv, "", append(args, rec...)...)
		if err != nil {
			t.Fatalf("parley %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
		}
		return out
	}
	pub := map[string]string{}
	for _, n := range []string{"med2", "govdel2"} {
		out, _, err := runIn(t, getenv, "", "keygen", "-o", key(n))
		if err != nil {
			t.Fatalf("keygen: %v", err)
		}
		pub[n] = strings.TrimSpace(out)
	}
	must("mediator", "add", pub["med2"], "Second mediator", "--key", key("xhost"))
	must("roster", "add", pub["govdel2"], "Second gov delegate", "--role", "delegate", "--party", "gov", "--key", key("xgov"))
	read := func(who string) (string, error) {
		out, _, err := runIn(t, getenv, "", append([]string{"preferences", "read", "D2", "--key", key(who)}, rec...)...)
		return out, err
	}
	// Before they publish a key, nothing can be wrapped for them.
	if _, _, err := runIn(t, getenv, "", append([]string{"preferences", "rewrap", "D2", pub["med2"], "--key", key("xmediator")}, rec...)...); err == nil || !strings.Contains(err.Error(), "has published no encryption key yet") {
		t.Errorf("rewrap before the key is published: %v", err)
	}
	for _, n := range []string{"med2", "govdel2"} {
		must("key", "publish", "--key", key(n))
		if _, err := read(n); err == nil || !strings.Contains(err.Error(), "do not open with --key") {
			t.Errorf("%s reads the preferences before a re-wrap: %v", n, err)
		}
	}
	out := must("preferences", "rewrap", "D2", pub["med2"], "--key", key("xmediator"))
	if strings.Count(out, "may now read the preferences of") != 2 || !strings.Contains(out, "of gov") || !strings.Contains(out, "of opp") {
		t.Errorf("the mediator's re-wrap says:\n%s\nwant one seal.rewrap for each of gov and opp", out)
	}
	want, err := read("xmediator")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := read("med2"); err != nil || got != want {
		t.Errorf("the later mediator reads (%v):\n%s\nwant what the first reads:\n%s", err, got, want)
	}
	if out := must("preferences", "rewrap", "D2", pub["med2"], "--key", key("xmediator")); !strings.Contains(out, "nothing to re-wrap") {
		t.Errorf("a second re-wrap says:\n%s", out)
	}
	// The other party's head cannot give its preferences to gov's
	// delegate: refused, and nothing is recorded.
	if _, _, err := runIn(t, getenv, "", append([]string{"preferences", "rewrap", "D2", pub["govdel2"], "--key", key("xopp")}, rec...)...); err == nil || !strings.Contains(err.Error(), "--key opens none of them") {
		t.Errorf("opp re-wraps its preferences for gov's delegate: %v", err)
	}
	// The mediator re-wraps for gov's later delegate gov's preferences
	// alone; its head then has nothing left to do; the delegate reads
	// gov's alone.
	out = must("preferences", "rewrap", "D2", pub["govdel2"], "--key", key("xmediator"))
	if !strings.Contains(out, "may now read the preferences of gov") || strings.Contains(out, "of opp") {
		t.Errorf("the mediator's re-wrap for gov's delegate says:\n%s", out)
	}
	if out := must("preferences", "rewrap", "D2", pub["govdel2"], "--key", key("xgov")); !strings.Contains(out, "nothing to re-wrap") {
		t.Errorf("gov's re-wrap for its delegate after the mediator's says:\n%s", out)
	}
	// An observer or verifier reads no preferences: refused before
	// anything is recorded.
	obs, _, err := runIn(t, getenv, "", "keygen", "-o", key("obs2"))
	if err != nil {
		t.Fatal(err)
	}
	obs = strings.TrimSpace(obs)
	must("roster", "add", obs, "Observer", "--role", "observer", "--key", key("xmediator"))
	must("key", "publish", "--key", key("obs2"))
	if _, _, err := runIn(t, getenv, "", append([]string{"preferences", "rewrap", "D2", obs, "--key", key("xmediator")}, rec...)...); err == nil || !strings.Contains(err.Error(), "may not read the parties' preferences") {
		t.Errorf("a re-wrap for an observer: %v, want it refused", err)
	}
	mine, err := read("govdel2")
	if err != nil || !strings.Contains(mine, `"id": "gov"`) || strings.Contains(mine, `"id": "opp"`) {
		t.Errorf("gov's later delegate reads (%v):\n%s\nwant gov's preferences alone", err, mine)
	}
}
