package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/bargain"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/view"
)

func init() {
	register(&command{
		Name:    "issues",
		Usage:   "[flags] ITEM FILE",
		Summary: i18n.Key("define the issues of an item and their options, for the parties' preferences (a mediator)"),
		Help: i18n.Key(`Issues records, for ITEM, the issues to settle and the options of each, as
a mediator defines them (an issues.define event). FILE holds one JSON
object:

  {"issues": [{"id": "tranches", "options": ["1", "2", "3"]}, ...],
   "current": {"tranches": "3", ...},
   "note": "..."}

"issues" is in the form of the interchange format of "parley packages"
(docs/PACKAGES.md); "current", optional, is the current text's choice of an
option for every issue; "note", optional, is free text. IDs are letters,
digits and _.:- (at most 64 bytes); each issue and each option of an issue
is named once (two names that differ only in case count as one); at most
200 issues of at most 100 options.

A later definition replaces the earlier one: the parties then give their
preferences again, over the new issues. The definition is seen by whoever
sees the item. Bad input is refused naming the field, and nothing is
recorded.`),
		Flags: actFlags,
		Run:   runIssues,
	})
	register(&command{
		Name:    "preferences",
		Usage:   "[flags] ITEM FILE",
		Summary: i18n.Key("give your party's private preferences over the packages of an item, sealed to the mediators"),
		Help: i18n.Key(`Preferences gives the preferences of the party of --key (its head or a
delegate) over the packages of ITEM, whose issues a mediator defined
("parley issues"). FILE holds the party's entry of the interchange format
of "parley packages" (docs/PACKAGES.md):

  {"id": "gov",
   "weights": {"tranches": "0.7", ...},
   "values": {"tranches": {"1": "0", "2": "0.9", "3": "1"}, ...},
   "reservation": "0.5"}

with a weight for every issue, a value for every option, and the
reservation, each a decimal string with at most 6 decimals; "id" is the
party. FILE is checked against the item's current issues before anything
is sent, and bad input is refused naming the field.

The preferences are sealed here, before they are signed: encrypted to the
mediators and to the heads and delegates of the party (so that they can
read back what their party gave), each with the encryption key it
published, and bound to the talks, the kind and the channel
"preferences:ITEM:PARTY". The host stores them but cannot read them, and
checks, without reading them, that they are sealed to exactly these
actors. No other party, observer or the convener can open them. Before
sealing to a server's roster, the keys are checked against the events in
which their owners published them.

A later preferences.give replaces the earlier one; after the mediator
defines the issues again, give them again.`),
		Flags: func(fs *flag.FlagSet) {
			actFlags(fs)
			fs.String("party", "", i18n.Key("the party the preferences are for (default: the party of --key)"))
		},
		Run: runPreferences,
	})
	register(&command{
		Name:    "preferences read",
		Usage:   "[flags] ITEM",
		Summary: i18n.Key("print the preferences over the packages of an item that your key opens, in the interchange format"),
		Help: i18n.Key(`Preferences read prints, as one JSON object in the interchange format of
"parley packages" (docs/PACKAGES.md), the current issues of ITEM and every
party's latest preferences over them that the actor of --key can open:
all of them for a mediator, its own party's for a party's head or
delegate. They are read from the server of --server (signed in with --key
for this request only) or else the local record, the signature of every
event checked, and opened here, on this device. What it prints can be
given to "parley packages" on standard input, by whoever may read it.

An item named "read" or "rewrap" is written after --: parley preferences -- read FILE.`),
		Flags: func(fs *flag.FlagSet) {
			readFlags(fs)
			fs.String("key", "", i18n.Key("the actor key file that opens the preferences (env PARLEY_KEY)"))
		},
		Run: runPreferencesRead,
	})
	register(&command{
		Name:    "preferences rewrap",
		Usage:   "[flags] ITEM KEY",
		Summary: i18n.Key("let a later mediator or delegate read the preferences given over an item before it could"),
		Help: i18n.Key(`Preferences rewrap lets the actor with signing key KEY read the parties'
latest preferences over ITEM that were sealed before it could read them: a
mediator named later, or a delegate who joined a party later (who may read
its own party's). For every party's latest preferences that the actor of
--key can open (a mediator opens every party's; a head or delegate its own
party's) and KEY cannot read yet, it wraps the content key again for KEY's
current encryption key, and records these re-wraps in seal.rewrap events
that it signs, one for each party. The host checks that the signer is a
recipient of each, and that KEY may read it now and is not revoked.

An item named "read" or "rewrap" is written after --.`),
		Flags: actFlags,
		Run:   runPreferencesRewrap,
	})
}

func runPreferencesRewrap(ctx context.Context, e *env, fs *flag.FlagSet) error {
	if len(e.Args) != 2 {
		return &exitError{2, parley.Errorf(parley.EINVALID, "preferences rewrap takes 2 arguments: ITEM KEY (the signing key of the later recipient)")}
	}
	item, target := e.Args[0], e.Args[1]
	key, tc, err := connectAs(ctx, e, fs)
	if err != nil {
		return err
	}
	defer tc.close()
	to, err := tc.laterRecipient(ctx, target)
	if err != nil {
		return err
	}
	// A mediator may read every party's preferences, a head or delegate
	// its own party's, and no one else any.
	mediator := to.Role == parley.RoleMediator
	if !mediator && (to.Party == "" || (to.Role != parley.RoleHead && to.Role != parley.RoleDelegate)) {
		return parley.Errorf(parley.EINVALID, "%s (%s) may not read the parties' preferences: they are sealed to the mediators and to each party's heads and delegates", to.Name, roleOf(e.P, *to))
	}
	pv, err := tc.preferencesView(ctx, item, key.sign)
	if err != nil {
		return err
	}
	rd, err := newSealedReader(tc.origin, key, pv.Rewraps)
	if err != nil {
		return err
	}
	given, skipped, theirs := 0, 0, 0
	for i := range pv.Parties {
		pp := &pv.Parties[i]
		if !mediator && pp.Party != to.Party {
			continue // another party's, which a party's actor may not read
		}
		theirs++
		if pp.Event.Index != pp.Index {
			return parley.Errorf(parley.EINVALID, "event %d, which the record gives as the preferences of %s, is not", pp.Index, pp.Party)
		}
		// One seal.rewrap for each party: each party's preferences have
		// their own audience.
		out, n, err := rd.rewrapsFor(tc, []*server.EventJSON{&pp.Event}, to)
		if err != nil {
			return err
		}
		skipped += n
		if len(out) == 0 {
			continue
		}
		err = tc.sendRewraps(ctx, key.sign, out, func(_ int, index int64) {
			fmt.Fprintln(e.Stdout, e.P.T("recorded %[1]s in %[2]s at index %[3]s: %[4]s may now read the preferences of %[5]s", parley.KindRewrap, tc.talks, e.P.Digits(index), to.Name, pp.Party))
		})
		if err != nil {
			return err
		}
		given++
	}
	switch {
	case theirs == 0 && !mediator && len(pv.Parties) > 0:
		return parley.Errorf(parley.EINVALID, "%[1]s may read only the preferences of %[2]s, and --key opens none of them; ask a mediator or an actor of %[2]s", to.Name, to.Party)
	case given == 0:
		fmt.Fprintln(e.Stdout, e.P.T("%[1]s can already read every party's preferences over %[2]s that you can open; nothing to re-wrap", to.Name, item))
	}
	if skipped > 0 {
		fmt.Fprintln(e.Stderr, e.P.T("the preferences of %d parties, which you cannot open yourself, were left out; another recipient can re-wrap them", skipped))
	}
	return nil
}

func runPreferencesRead(ctx context.Context, e *env, fs *flag.FlagSet) error {
	if len(e.Args) != 1 {
		return &exitError{2, parley.Errorf(parley.EINVALID, "preferences read takes 1 argument: ITEM")}
	}
	inst, _, err := instanceFromRecord(ctx, e, fs, e.Args[0])
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(inst, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.Stdout, "%s\n", b)
	return err
}

// issuesFile is the input of parley issues.
type issuesFile struct {
	Issues  []parley.IssueOptions `json:"issues"`
	Current map[string]string     `json:"current,omitempty"`
	Note    string                `json:"note,omitempty"`
}

func runIssues(ctx context.Context, e *env, fs *flag.FlagSet) error {
	if len(e.Args) != 2 {
		return &exitError{2, parley.Errorf(parley.EINVALID, "issues takes 2 arguments: ITEM FILE; see \"parley help issues\"")}
	}
	if str(fs, "vis") != "" {
		return &exitError{2, parley.Errorf(parley.EINVALID, "the issues of an item are seen by whoever sees the item; leave --vis out")}
	}
	b, err := os.ReadFile(e.Args[1])
	if err != nil {
		return err
	}
	var f issuesFile
	if err := parley.DecodeStrict(b, &f); err != nil {
		return parley.Errorf(parley.EINVALID, "%s: %s", e.Args[1], parley.ErrorMessage(err))
	}
	p := parley.DefineIssues{Item: e.Args[0], Issues: f.Issues, Current: f.Current, Note: f.Note}
	if err := p.Check(); err != nil {
		return err
	}
	key, err := readKey(opt(e, fs, "key", "PARLEY_KEY", ""))
	if err != nil {
		return err
	}
	tc, err := connect(ctx, e, fs)
	if err != nil {
		return err
	}
	defer tc.close()
	rec, err := tc.send(ctx, key, parley.KindDefineIssues, p)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, e.P.T("recorded %[2]s in %[3]s at index %[4]s: %[1]d issues of %[5]s", len(p.Issues), parley.KindDefineIssues, tc.talks, e.P.Digits(rec.Index), p.Item))
	return nil
}

// preferencesView returns what the actor of key sees of the preferences
// over the packages of an item: from a server, signed in with key for this
// request only; else from the local record.
func (tc *talksConn) preferencesView(ctx context.Context, item string, key ed25519.PrivateKey) (*server.PreferencesView, error) {
	if tc.c != nil {
		if _, err := tc.c.signIn(ctx, key); err != nil {
			return nil, err
		}
		var pv server.PreferencesView
		path := "/api/v1/talks/" + url.PathEscape(tc.talks) + "/items/" + url.PathEscape(item) + "/preferences"
		if err := tc.c.do(ctx, "GET", path, nil, &pv); err != nil {
			return nil, err
		}
		return &pv, nil
	}
	v, err := view.LoadRecord(ctx, tc.l, tc.talks, parley.KeyString(key.Public().(ed25519.PublicKey)), -1)
	if err != nil {
		return nil, err
	}
	return server.PreferencesOf(ctx, tc.l, v, item)
}

// definitionOf checks the definition a preferences view holds against the
// signed event that recorded it, and returns it.
func (tc *talksConn) definitionOf(pv *server.PreferencesView) (*parley.DefineIssues, error) {
	if pv.Definition == nil {
		return nil, parley.Errorf(parley.EINVALID, "no issues are defined for %s yet, or you may not see them: a mediator defines them first (\"parley issues\")", pv.Item)
	}
	ev, err := tc.decode(&pv.Definition.Event)
	if err != nil {
		return nil, err
	}
	d, ok := ev.Act.(*parley.DefineIssues)
	if !ok || ev.Kind != parley.KindDefineIssues || d.Item != pv.Item || pv.Definition.Event.Index != pv.Definition.Index {
		return nil, parley.Errorf(parley.EINVALID, "the definition the record answered (event %d) is not a definition of the issues of %s", pv.Definition.Index, pv.Item)
	}
	return d, nil
}

// issuesOf returns a definition's issues as the computation takes them.
func issuesOf(d *parley.DefineIssues) []bargain.Issue {
	out := make([]bargain.Issue, len(d.Issues))
	for i, is := range d.Issues {
		out[i] = bargain.Issue{ID: is.ID, Options: is.Options}
	}
	return out
}

func runPreferences(ctx context.Context, e *env, fs *flag.FlagSet) error {
	if len(e.Args) != 2 {
		return &exitError{2, parley.Errorf(parley.EINVALID, "preferences takes 2 arguments: ITEM FILE; see \"parley help preferences\"")}
	}
	if str(fs, "vis") != "" {
		return &exitError{2, parley.Errorf(parley.EINVALID, "a party's preferences are seen by that party and the mediators only; leave --vis out")}
	}
	item, file := e.Args[0], e.Args[1]
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	key, tc, err := connectAs(ctx, e, fs)
	if err != nil {
		return err
	}
	defer tc.close()
	roster, err := tc.roster(ctx)
	if err != nil {
		return err
	}
	me := parley.KeyString(key.sign.Public().(ed25519.PublicKey))
	party := str(fs, "party")
	for _, a := range roster {
		if a.Key == me && party == "" {
			party = a.Party
		}
	}
	if party == "" {
		return parley.Errorf(parley.EINVALID, "the actor of --key is not a head or delegate of a party of %s; give the preferences with the key of one, or name the party with --party", tc.talks)
	}
	pv, err := tc.preferencesView(ctx, item, key.sign)
	if err != nil {
		return err
	}
	d, err := tc.definitionOf(pv)
	if err != nil {
		return err
	}
	prefs, err := bargain.DecodePreferences(b, issuesOf(d), "preferences")
	if err != nil {
		return parley.Errorf(parley.EINVALID, "%s: %s", file, parley.ErrorMessage(err))
	}
	if prefs.Party != party {
		return parley.Errorf(parley.EINVALID, "%s: preferences.id: %q is not the party %q that the preferences are given for; write \"id\": %q", file, prefs.Party, party, party)
	}
	content, err := json.Marshal(prefs)
	if err != nil {
		return err
	}
	as := make([]*state.Actor, len(roster))
	for i := range roster {
		as[i] = &roster[i]
	}
	to := state.PreferencesRecipientsAmong(as, party)
	if none := state.Keyless(to); len(none) > 0 {
		return parley.Errorf(parley.EINVALID, "the preferences cannot be sealed: %s published no encryption key yet (\"parley key publish\"); wait until they do", names(none))
	}
	if err := tc.checkKeys(ctx, to); err != nil {
		return err
	}
	rs := make([]seal.Recipient, len(to))
	for i, a := range to {
		k, err := parley.ParseKey(a.Key)
		if err != nil {
			return err
		}
		pk, err := seal.ParsePublicKey(a.EncryptionKey)
		if err != nil {
			return parley.Errorf(parley.EINVALID, "the encryption key of %s: %s", a.Name, parley.ErrorMessage(err))
		}
		rs[i] = seal.Recipient{Actor: k, Key: pk}
	}
	c := seal.Context{Origin: tc.origin, Kind: parley.KindGivePreferences, Channel: parley.PreferencesChannel(item, party), Sender: key.sign.Public().(ed25519.PublicKey)}
	s, err := seal.Seal(c, content, rs)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	rec, err := tc.send(ctx, key.sign, parley.KindGivePreferences, parley.GivePreferences{Item: item, Party: party, Definition: pv.Definition.Index, Sealed: raw})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, e.P.T("recorded %[2]s in %[3]s at index %[4]s, sealed to %[1]d recipients: %[5]s", len(to), parley.KindGivePreferences, tc.talks, e.P.Digits(rec.Index), namesIn(e.P, to)))
	return nil
}

// instanceFromRecord reads the definition of the issues of an item and
// the parties' sealed preferences from the record, as the actor of --key
// (a mediator) sees them, opens each on this device, and returns the
// instance and the current package of the definition, if any. Preferences
// given for an earlier definition are refused, naming the party.
func instanceFromRecord(ctx context.Context, e *env, fs *flag.FlagSet, item string) (*bargain.Instance, map[string]string, error) {
	key, tc, err := connectAs(ctx, e, fs)
	if err != nil {
		return nil, nil, err
	}
	defer tc.close()
	pv, err := tc.preferencesView(ctx, item, key.sign)
	if err != nil {
		return nil, nil, err
	}
	d, err := tc.definitionOf(pv)
	if err != nil {
		return nil, nil, err
	}
	rd, err := newSealedReader(tc.origin, key, pv.Rewraps)
	if err != nil {
		return nil, nil, err
	}
	inst := &bargain.Instance{Issues: issuesOf(d)}
	for _, pp := range pv.Parties {
		ev, err := tc.decode(&pp.Event)
		if err != nil {
			return nil, nil, err
		}
		p, ok := ev.Act.(*parley.GivePreferences)
		if !ok || p.Item != item || p.Party != pp.Party || pp.Event.Index != pp.Index {
			return nil, nil, parley.Errorf(parley.EINVALID, "event %d, which the record gives as the preferences of %s, is not", pp.Index, pp.Party)
		}
		if p.Definition != pv.Definition.Index {
			return nil, nil, parley.Errorf(parley.EINVALID, "the latest preferences of %s (event %d) answer the definition of event %d, not the current one (event %d): %s must give them again over the current issues", p.Party, pp.Index, p.Definition, pv.Definition.Index, p.Party)
		}
		pt, err := rd.openAct(ev, pp.Index)
		if err != nil {
			return nil, nil, parley.Errorf(parley.EINVALID, "the preferences of %s (event %d) do not open with --key: %s", p.Party, pp.Index, parley.ErrorMessage(err))
		}
		field := fmt.Sprintf("preferences of %s (event %d)", p.Party, pp.Index)
		prefs, err := bargain.DecodePreferences(pt, inst.Issues, field)
		if err != nil {
			return nil, nil, err
		}
		if prefs.Party != p.Party {
			return nil, nil, parley.Errorf(parley.EINVALID, "%s.id: %q is not the party that gave them", field, prefs.Party)
		}
		inst.Parties = append(inst.Parties, *prefs)
	}
	if len(inst.Parties) == 0 {
		return nil, nil, parley.Errorf(parley.EINVALID, "no party has given preferences over %s that --key may read; a mediator reads every party's", item)
	}
	if err := inst.Validate(); err != nil {
		return nil, nil, err
	}
	ids := make([]string, len(inst.Parties))
	for i, p := range inst.Parties {
		ids[i] = p.Party
	}
	fmt.Fprintln(e.Stderr, e.P.T("computed from the preferences of %s, opened on this device", e.P.List(ids)))
	return inst, d.Current, nil
}
