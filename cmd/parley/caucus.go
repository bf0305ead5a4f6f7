package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/seal"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/state"
	"github.com/parleyhq/parley/view"
	"github.com/parleyhq/parley/words"
)

func init() {
	register(&command{
		Name:    "caucus",
		Usage:   "[flags] PARTY TEXT",
		Summary: i18n.Key("write in the caucus between the mediators and a party, sealed"),
		Help: i18n.Key(`Caucus sends TEXT in PARTY's caucus channel, which only that party's actors
and the mediators see. The text is sealed here, before it is signed: it is
encrypted to the encryption key of each of them (the party's actors and the
mediators on the roster now, not revoked), so that the host stores it but
cannot read it; "parley caucus read" opens it. The host checks, without
reading it, that it is sealed to exactly them.

Sealing needs every one of them to have published an encryption key
("parley key publish"). While one has not, the message cannot be sealed:
caucus refuses, naming them, unless --plain says to send it in plain text,
which the host can read. Once all have keys, the host refuses plain text.

Before sealing to a server's roster, caucus checks each recipient's key
against the key.encryption event in which that actor published it, signed
by its own key, so that the host cannot substitute a key of its own.

A party named "read" or "rewrap" is written after --: parley caucus -- read TEXT.`),
		Flags: func(fs *flag.FlagSet) {
			actFlags(fs)
			fs.Bool("plain", false, i18n.Key("send the text unsealed, which the host can read: only while a recipient has no encryption key"))
		},
		Run: runCaucus,
	})
	register(&command{
		Name:    "caucus read",
		Usage:   "[flags] PARTY",
		Summary: i18n.Key("print a party's caucus, opening sealed messages with your key"),
		Help: i18n.Key(`Caucus read prints the messages of PARTY's caucus with the mediators, in log
order, as the actor of --key may see them, and opens each sealed message
with that actor's encryption keys (the current one and any previous ones
kept in the key file), or through a re-wrap of its key for that actor. A
message the actor cannot open is shown as sealed, with the reason; one
sent in plain text is marked so, since the host could read it.

With --server it signs in with --key for this command (the session is not
kept) and reads the server's caucus route, checking the signature of every
event it receives; without, it reads the local record.`),
		Flags: func(fs *flag.FlagSet) {
			readFlags(fs)
			fs.String("key", "", i18n.Key("the actor key file that reads and opens the caucus (env PARLEY_KEY)"))
		},
		Run: runCaucusRead,
	})
	register(&command{
		Name:    "caucus rewrap",
		Usage:   "[flags] PARTY KEY",
		Summary: i18n.Key("let a later recipient read the earlier sealed messages of a caucus"),
		Help: i18n.Key(`Caucus rewrap lets the actor with signing key KEY read the sealed messages
of PARTY's caucus that were sealed before it could read them: a delegate
who joined the party later, a mediator named later. For every such message
that the actor of --key can open, it wraps the message's content key again
for KEY's current encryption key, and records these re-wraps in seal.rewrap
events that it signs (500 to an event). The host checks that the signer is
a recipient of each message and that KEY may read it now and is not
revoked; nothing is re-wrapped for a revoked actor.`),
		Flags: actFlags,
		Run:   runCaucusRewrap,
	})
	register(&command{
		Name:    "key publish",
		Usage:   "[flags]",
		Summary: i18n.Key("publish your encryption key in an act you sign"),
		Help: i18n.Key(`Key publish records the encryption key of the key file (--key) in a
key.encryption event signed with its signing key: from then on, what is
sealed to this actor (its party's caucus, for instance) is sealed to it.
Nobody else can publish a key for you, the convener included. Publishing a
new key (after "parley keygen --rotate-encryption") replaces the old one;
keep the old one to open what was sealed to it.`),
		Flags: actFlags,
		Run:   runKeyPublish,
	})
}

// A talksConn is a talks reached through a server or in the local record,
// for commands that need more than to append one act.
type talksConn struct {
	talks, origin string
	c             *apiClient     // nil for the local record
	l             *ledger.Ledger // nil for a server
	close         func() error
}

// connectAs reads the actor key file of --key and reaches the talks of
// --talks as connect does; the caller closes the connection.
func connectAs(ctx context.Context, e *env, fs *flag.FlagSet) (*keyFile, *talksConn, error) {
	key, err := readKeyFile(opt(e, fs, "key", "PARLEY_KEY", ""))
	if err != nil {
		return nil, nil, err
	}
	tc, err := connect(ctx, e, fs)
	if err != nil {
		return nil, nil, err
	}
	return key, tc, nil
}

// connect reaches the talks named by --talks: on the server of --server,
// else in the local record.
func connect(ctx context.Context, e *env, fs *flag.FlagSet) (*talksConn, error) {
	talks, err := talksFlag(e, fs)
	if err != nil {
		return nil, err
	}
	tc := &talksConn{talks: talks, close: func() error { return nil }}
	if tc.c, err = newAPIClient(e, fs); err != nil {
		return nil, err
	}
	if tc.c != nil {
		host, err := tc.c.host(ctx)
		if err != nil {
			return nil, err
		}
		tc.origin = parley.Origin(host, talks)
		return tc, nil
	}
	if tc.l, tc.close, err = openTalks(ctx, e, fs, talks); err != nil {
		return nil, err
	}
	tc.origin = tc.l.Origin(talks)
	return tc, nil
}

// send signs an act of kind with key for the talks' origin and appends it.
func (tc *talksConn) send(ctx context.Context, key ed25519.PrivateKey, kind string, payload any) (*record.Receipt, error) {
	ev, err := parley.NewEvent(tc.talks, kind, key.Public().(ed25519.PublicKey), time.Now(), payload)
	if err != nil {
		return nil, err
	}
	se, err := parley.Sign(tc.origin, ev, key)
	if err != nil {
		return nil, err
	}
	if tc.c == nil {
		return tc.l.Append(ctx, se)
	}
	rec := new(record.Receipt)
	if err := tc.c.do(ctx, "POST", "/api/v1/talks/"+url.PathEscape(tc.talks)+"/events", se, rec); err != nil {
		return nil, err
	}
	return rec, nil
}

// roster returns the talks' roster, with each actor's current encryption
// key. From a server it is not the server's word: it is replayed from the
// talks' record as the server serves it (its bundle, every signature,
// leaf and checkpoint checked, and the roster's events replayed as
// "parley verify" replays them), so that a server cannot name a key of
// its own as a mediator, or give an actor a key it did not publish,
// without signing a checkpoint of another history, which witnesses
// expose.
func (tc *talksConn) roster(ctx context.Context) ([]state.Actor, error) {
	if tc.c != nil {
		var data []byte
		if err := tc.c.do(ctx, "GET", "/api/v1/talks/"+url.PathEscape(tc.talks)+"/bundle", nil, &data); err != nil {
			return nil, err
		}
		b, err := record.ParseBundle(data)
		if err != nil {
			return nil, parley.Errorf(parley.EINVALID, "the server's record of %s is malformed: %v", tc.talks, err)
		}
		if b.Origin != tc.origin {
			return nil, parley.Errorf(parley.EINVALID, "the server's record is of %s, not of %s", b.Origin, tc.origin)
		}
		auth := state.NewAuthorizer(b.Origin)
		if _, err := record.Verify(b, auth, nil); err != nil {
			return nil, parley.Errorf(parley.EINVALID, "the server's record of %s does not verify (%v): its roster cannot be trusted; do not seal to it", tc.talks, err)
		}
		return auth.Actors(), nil
	}
	var out []state.Actor
	err := tc.l.View(ctx, tc.talks, func(st *state.Talks, _ parley.Checkpoint) error {
		for _, a := range st.Roster.Actors {
			out = append(out, *a)
		}
		return nil
	})
	return out, err
}

// checkKeys checks, against a server, that each actor's encryption key is
// the one it published itself: the key.encryption event the roster names
// is signed by that actor for this log and carries that key. A key the
// host put in the roster on its own would not have such an event.
func (tc *talksConn) checkKeys(ctx context.Context, as []*state.Actor) error {
	if tc.c == nil {
		return nil // the local record was checked when it was loaded
	}
	for _, a := range as {
		var page server.EventsPage
		path := fmt.Sprintf("/api/v1/talks/%s/events?from=%d&limit=1", url.PathEscape(tc.talks), a.EncryptionKeyIndex)
		if err := tc.c.do(ctx, "GET", path, nil, &page); err != nil {
			return err
		}
		e, err := tc.checkEvent(page.Entries, a.EncryptionKeyIndex)
		if err == nil {
			p, ok := e.Act.(*parley.EncryptionKey)
			switch {
			case !ok:
				err = parley.Errorf(parley.EINVALID, "it is a %s event", e.Kind)
			case e.Actor != a.Key:
				err = parley.Errorf(parley.EINVALID, "another actor signed it")
			case p.Key != a.EncryptionKey:
				err = parley.Errorf(parley.EINVALID, "it publishes another key")
			}
		}
		if err != nil {
			return parley.Errorf(parley.EINVALID, "the server's roster gives %s the encryption key %s, but its event %d does not show that %s published it (%v): the server may be substituting a key; do not seal to it", a.Name, clipKey(a.EncryptionKey), a.EncryptionKeyIndex, a.Name, err)
		}
	}
	return nil
}

// checkEvent decodes the event at index among entries a server answered,
// checking its signature for the talks' origin.
func (tc *talksConn) checkEvent(entries []server.EventOrLeaf, index int64) (*parley.Event, error) {
	if len(entries) == 0 || entries[0].EventJSON == nil || entries[0].Index != index {
		return nil, parley.Errorf(parley.EINVALID, "the server did not show event %d", index)
	}
	return tc.decode(entries[0].EventJSON)
}

// decode decodes an event a server answered and checks its signature for
// the talks' origin: what a server sends is not taken on trust.
func (tc *talksConn) decode(ej *server.EventJSON) (*parley.Event, error) {
	b, err := base64.StdEncoding.DecodeString(ej.Event)
	if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "event %d: the server sent bytes that are not base64", ej.Index)
	}
	sig, err := base64.StdEncoding.DecodeString(ej.Sig)
	if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "event %d: the server sent a signature that is not base64", ej.Index)
	}
	e, err := parley.SignedEvent{Bytes: b, Sig: sig}.Open(tc.origin)
	if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "event %d as the server sent it: %v", ej.Index, err)
	}
	return e, nil
}

// caucus returns a party's caucus as the actor of key may see it: from a
// server, signed in with key for this request only.
func (tc *talksConn) caucus(ctx context.Context, party string, key ed25519.PrivateKey) (*server.CaucusView, error) {
	if tc.c != nil {
		if _, err := tc.c.signIn(ctx, key); err != nil {
			return nil, err
		}
		var cv server.CaucusView
		if err := tc.c.do(ctx, "GET", "/api/v1/talks/"+url.PathEscape(tc.talks)+"/caucus/"+url.PathEscape(party), nil, &cv); err != nil {
			return nil, err
		}
		return &cv, nil
	}
	v, err := view.LoadRecord(ctx, tc.l, tc.talks, parley.KeyString(key.Public().(ed25519.PublicKey)), -1)
	if err != nil {
		return nil, err
	}
	if !v.HasParty(party) {
		return nil, parley.Errorf(parley.ENOTFOUND, "talks %q has no party %q", tc.talks, party)
	}
	if !v.SeesCaucus(party) {
		return nil, parley.Errorf(parley.EFORBIDDEN, "the caucus of %q is open to that party and the mediators only; use the key of one of them", party)
	}
	return server.CaucusOf(ctx, tc.l, v, party)
}

// recipientsOf returns whom a caucus message of party is sealed to now,
// from the roster.
func recipientsOf(roster []state.Actor, party string) []*state.Actor {
	as := make([]*state.Actor, len(roster))
	for i := range roster {
		as[i] = &roster[i]
	}
	return state.CaucusRecipientsAmong(as, party)
}

// names lists actors for a message.
func names(as []*state.Actor) string { return namesIn(i18n.For(i18n.English), as) }

// namesIn lists the names of actors as the language of p separates them.
func namesIn(p *i18n.Printer, as []*state.Actor) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.Name
	}
	return strings.Join(s, p.T(", "))
}

func runCaucus(ctx context.Context, e *env, fs *flag.FlagSet) error {
	if len(e.Args) != 2 {
		return &exitError{2, parley.Errorf(parley.EINVALID, "caucus takes 2 arguments: PARTY TEXT; see \"parley help caucus\"")}
	}
	party, text := e.Args[0], e.Args[1]
	if text == "" || len(text) > parley.MaxTextSize || !utf8.ValidString(text) {
		return &exitError{2, parley.Errorf(parley.EINVALID, "TEXT must be UTF-8 text of 1 to %d bytes", parley.MaxTextSize)}
	}
	if str(fs, "vis") != "" {
		return &exitError{2, parley.Errorf(parley.EINVALID, "a caucus message is seen by its party and the mediators only; leave --vis out")}
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
	to := recipientsOf(roster, party)
	plain := str(fs, "plain") == "true"
	none := state.Keyless(to)
	var p parley.Caucus
	switch {
	case len(to) == 0:
		return parley.Errorf(parley.EINVALID, "the caucus of %q has nobody to read it: the party has no actor on the roster and there is no mediator (or the party does not exist)", party)
	case len(none) > 0 && !plain:
		return parley.Errorf(parley.EINVALID, "the message cannot be sealed: %s published no encryption key yet (\"parley key publish\"); wait until they do, or send it with --plain, in plain text that the host can read", names(none))
	case len(none) == 0 && plain:
		return &exitError{2, parley.Errorf(parley.EINVALID, "every recipient of the caucus of %s has an encryption key, so the message is sealed, and the host refuses it in plain text; leave --plain out", party)}
	case plain:
		p = parley.Caucus{Party: party, Text: text}
	default:
		if err := tc.checkKeys(ctx, to); err != nil {
			return err
		}
		sender := key.sign.Public().(ed25519.PublicKey)
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
		content, _ := json.Marshal(parley.CaucusContent{Text: text})
		s, err := seal.Seal(seal.Context{Origin: tc.origin, Kind: parley.KindCaucus, Channel: parley.VisParty(party), Sender: sender}, content, rs)
		if err != nil {
			return err
		}
		if p.Sealed, err = json.Marshal(s); err != nil {
			return err
		}
		p.Party = party
	}
	rec, err := tc.send(ctx, key.sign, parley.KindCaucus, p)
	if err != nil {
		return err
	}
	if plain {
		fmt.Fprintln(e.Stdout, e.P.T("recorded %[1]s in %[2]s at index %[3]s, in plain text: the host can read it", parley.KindCaucus, tc.talks, e.P.Digits(rec.Index)))
		fmt.Fprintln(e.Stderr, e.P.T("not sealed, since %s published no encryption key", namesIn(e.P, none)))
		return nil
	}
	fmt.Fprintln(e.Stdout, e.P.T("recorded %[2]s in %[3]s at index %[4]s, sealed to %[1]d recipients: %[5]s", len(to), parley.KindCaucus, tc.talks, e.P.Digits(rec.Index), namesIn(e.P, to)))
	return nil
}

func runKeyPublish(ctx context.Context, e *env, fs *flag.FlagSet) error {
	if len(e.Args) != 0 {
		return &exitError{2, parley.Errorf(parley.EINVALID, "key publish takes no argument; it publishes the encryption key of --key")}
	}
	path := opt(e, fs, "key", "PARLEY_KEY", "")
	enc, err := readEncryptionKey(path)
	if err != nil {
		return err
	}
	key, err := readKey(path)
	if err != nil {
		return err
	}
	tc, err := connect(ctx, e, fs)
	if err != nil {
		return err
	}
	defer tc.close()
	rec, err := tc.send(ctx, key, parley.KindEncryptionKey, parley.EncryptionKey{Key: enc.Public().String()})
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, e.P.T("recorded %[1]s in %[2]s at index %[3]s: %[4]s", parley.KindEncryptionKey, tc.talks, e.P.Digits(rec.Index), clipKey(enc.Public().String())))
	return nil
}

// open returns a message's text, whether it was sealed, and why it could
// not be opened.
func (r *sealedReader) openCaucus(e *parley.Event, index int64) (text string, sealed bool, err error) {
	p, ok := e.Act.(*parley.Caucus)
	if !ok {
		return "", false, parley.Errorf(parley.EINVALID, "event %d is a %s event, not a caucus message", index, e.Kind)
	}
	if !p.IsSealed() {
		return p.Text, false, nil
	}
	pt, err := r.openAct(e, index)
	if err != nil {
		return "", true, err
	}
	var c parley.CaucusContent
	if err := parley.DecodeStrict(pt, &c); err != nil {
		return "", true, parley.Errorf(parley.EINVALID, "it opens, but its content is not a caucus message (%s)", parley.ErrorMessage(err))
	}
	return c.Text, true, nil
}

func runCaucusRead(ctx context.Context, e *env, fs *flag.FlagSet) error {
	if len(e.Args) != 1 {
		return &exitError{2, parley.Errorf(parley.EINVALID, "caucus read takes 1 argument: PARTY")}
	}
	party := e.Args[0]
	key, tc, err := connectAs(ctx, e, fs)
	if err != nil {
		return err
	}
	defer tc.close()
	roster, err := tc.roster(ctx)
	if err != nil {
		return err
	}
	nameOf := map[string]string{}
	for _, a := range roster {
		nameOf[a.Key] = e.P.T("%[1]s (%[2]s)", a.Name, roleOf(e.P, a))
	}
	cv, err := tc.caucus(ctx, party, key.sign)
	if err != nil {
		return err
	}
	rd, err := newSealedReader(tc.origin, key, cv.Rewraps)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, e.P.T("Caucus of %[2]s with the mediators in %[3]s: %[1]d messages", len(cv.Messages), party, tc.talks))
	for i := range cv.Messages {
		ej := &cv.Messages[i]
		ev, err := tc.decode(ej)
		if err != nil {
			return err
		}
		text, sealed, err := rd.openCaucus(ev, ej.Index)
		how := e.P.T("sealed")
		switch {
		case !sealed:
			how = e.P.T("not sealed: the host could read it")
		case err != nil:
			how = e.P.T("sealed, and not opened: %s", e.P.Error(err))
		}
		who := nameOf[ev.Actor]
		if who == "" {
			who = ev.Actor
		}
		fmt.Fprintf(e.Stdout, "\n#%d %s\n", ej.Index, e.P.T("%[1]s %[2]s, %[3]s", e.P.Time(ev.At()), who, how))
		if err == nil {
			for _, line := range strings.Split(text, "\n") {
				fmt.Fprintf(e.Stdout, "  %s\n", line)
			}
		}
	}
	return nil
}

// roleOf says an actor's role: "mediator", "head of oppA".
func roleOf(p *i18n.Printer, a state.Actor) string {
	switch {
	case a.Party == "":
		return words.RoleName(p, a.Role)
	case a.Role == parley.RoleHead:
		return p.T("head of %s", a.Party)
	case a.Role == parley.RoleDelegate:
		return p.T("delegate of %s", a.Party)
	}
	return p.T("%[1]s of %[2]s", words.RoleName(p, a.Role), a.Party)
}

func runCaucusRewrap(ctx context.Context, e *env, fs *flag.FlagSet) error {
	if len(e.Args) != 2 {
		return &exitError{2, parley.Errorf(parley.EINVALID, "caucus rewrap takes 2 arguments: PARTY KEY (the signing key of the later recipient)")}
	}
	party, target := e.Args[0], e.Args[1]
	key, tc, err := connectAs(ctx, e, fs)
	if err != nil {
		return err
	}
	defer tc.close()
	to, err := tc.laterRecipient(ctx, target)
	if err != nil {
		return err
	}
	cv, err := tc.caucus(ctx, party, key.sign)
	if err != nil {
		return err
	}
	rd, err := newSealedReader(tc.origin, key, cv.Rewraps)
	if err != nil {
		return err
	}
	events := make([]*server.EventJSON, len(cv.Messages))
	for i := range cv.Messages {
		events[i] = &cv.Messages[i]
	}
	out, skipped, err := rd.rewrapsFor(tc, events, to)
	if err != nil {
		return err
	}
	if len(out) == 0 {
		fmt.Fprintln(e.Stdout, e.P.T("%[1]s can already read every sealed message of the caucus of %[2]s that you can open; nothing to re-wrap", to.Name, party))
		return nil
	}
	err = tc.sendRewraps(ctx, key.sign, out, func(n int, index int64) {
		fmt.Fprintln(e.Stdout, e.P.T("recorded %[2]s in %[3]s at index %[4]s: %[5]s may now read %[1]d more messages", n, parley.KindRewrap, tc.talks, e.P.Digits(index), to.Name))
	})
	if err != nil {
		return err
	}
	if skipped > 0 {
		fmt.Fprintln(e.Stderr, e.P.T("%d sealed messages you cannot open yourself were left out; another recipient can re-wrap them", skipped))
	}
	return nil
}
