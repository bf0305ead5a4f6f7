package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/state"
)

func init() {
	register(&command{
		Name:    "export",
		Usage:   "[flags] -o FILE",
		Summary: i18n.Key("write the bundle of a talks for one viewer, for offline checking"),
		Help: i18n.Key(`Export writes the record of a talks as one viewer may see it: the events
that viewer may see, with their salts, the leaf hashes of the others, the
checkpoints and cosignatures, and the log's key. "parley verify" checks it
offline. The viewer is the public unless --viewer names an actor's public
key (locally) or you are signed in (with --server).`),
		Flags: func(fs *flag.FlagSet) {
			readFlags(fs)
			fs.String("viewer", "", i18n.Key("the public key of the actor whose view to export (local record only)"))
			fs.String("o", "", i18n.Key("the file to write (default: standard output)"))
		},
		Run: runExport,
	})
	register(&command{
		Name:    "verify",
		Usage:   "[--log-key VKEY] BUNDLE",
		Summary: i18n.Key("check a bundle offline: signatures, roles, leaves, tree, checkpoints, cosignatures"),
		Help: i18n.Key(`Verify checks a bundle written by "parley export" or served at
/api/v1/talks/{id}/bundle, without any network: every event's signature,
the authorization of every signer by replaying the roster, every leaf
commitment, the tree hash against each checkpoint, the checkpoints' log
signatures, consistency between successive checkpoints, cosignatures and any
fork evidence (docs/RECORD.md lists the checks). It prints what it checked
and exits 0; exits 1 naming the first failing entry and why; exits 2 if the
bundle is malformed. Pass --log-key with the log's key from a source you
trust, or compare the key it prints.`),
		Flags: func(fs *flag.FlagSet) {
			fs.String("log-key", "", i18n.Key("the log's verifier key, as you received it from a source you trust"))
			fs.Bool("q", false, i18n.Key("print only errors"))
		},
		Run: runVerify,
	})
	register(&command{
		Name:    "proof",
		Usage:   "[flags] INDEX",
		Summary: i18n.Key("write the C2SP tlog-proof that the event at INDEX is in the log"),
		Help: i18n.Key(`Proof writes a C2SP tlog-proof for the event at log index INDEX: the
checkpoint, the event's leaf hash and the inclusion proof. It lets anyone
check with "parley verify-proof" that the host accepted that event, without
seeing the rest of the record.`),
		Flags: func(fs *flag.FlagSet) {
			readFlags(fs)
			fs.String("o", "", i18n.Key("the file to write (default: standard output)"))
		},
		Run: runProof,
	})
	register(&command{
		Name:    "verify-proof",
		Usage:   "--log-key VKEY [--event FILE] PROOF",
		Summary: i18n.Key("check a C2SP tlog-proof against the log's key"),
		Help: i18n.Key(`Verify-proof checks a tlog-proof written by "parley proof": the checkpoint
is signed by the log's key and the proof puts the leaf at its index in the
checkpoint's tree. With --event, a file holding the event as served by the
API ({"event", "sig"} and the salt from its receipt as {"salt"}), it also
checks that the leaf commits to that exact signed event.`),
		Flags: func(fs *flag.FlagSet) {
			fs.String("log-key", "", i18n.Key("the log's verifier key (required)"))
			fs.String("event", "", i18n.Key("a receipt or event file to tie the proof to (JSON with event, sig and salt in base64)"))
		},
		Run: runVerifyProof,
	})
}

func writeOut(e *env, path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := e.Stdout.Write(data)
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

func runExport(ctx context.Context, e *env, fs *flag.FlagSet) error {
	talks, err := talksFlag(e, fs)
	if err != nil {
		return err
	}
	c, err := newAPIClient(e, fs)
	if err != nil {
		return err
	}
	var data []byte
	if c != nil {
		if str(fs, "viewer") != "" {
			return &exitError{2, parley.Errorf(parley.EINVALID, "--viewer is for the local record; a server exports the view of the signed-in actor (parley login)")}
		}
		err = c.do(ctx, "GET", "/api/v1/talks/"+url.PathEscape(talks)+"/bundle", nil, &data)
	} else {
		l, closeStore, err2 := openTalks(ctx, e, fs, talks)
		if err2 != nil {
			return err2
		}
		defer closeStore()
		var b *record.Bundle
		if b, err = l.Bundle(ctx, talks, str(fs, "viewer")); err == nil {
			data, err = b.Marshal()
		}
	}
	if err != nil {
		return err
	}
	return writeOut(e, str(fs, "o"), data)
}

func runVerify(ctx context.Context, e *env, fs *flag.FlagSet) error {
	if len(e.Args) != 1 {
		return &exitError{2, parley.Errorf(parley.EINVALID, "verify takes one argument: the bundle file (or - for standard input)")}
	}
	var data []byte
	var err error
	if e.Args[0] == "-" {
		data, err = io.ReadAll(io.LimitReader(e.Stdin, 4<<30))
	} else {
		data, err = os.ReadFile(e.Args[0])
	}
	if err != nil {
		return &exitError{2, err}
	}
	b, err := record.ParseBundle(data)
	if err != nil {
		return &exitError{2, err}
	}
	if want := str(fs, "log-key"); want != "" {
		if err := record.CanonicalKey(want); err != nil {
			return &exitError{2, parley.Errorf(parley.EINVALID, "--log-key %q: %s; give the key as the log writes it, <origin>+<8 hex digits>+<base64>", want, err.Error())}
		}
	}
	if want := str(fs, "log-key"); want != "" && want != b.LogKey {
		return &exitError{1, parley.Errorf(parley.EINVALID, "the bundle's log key %s is not the key you trust (%s): this is not the log you think it is", b.LogKey, want)}
	}
	quiet := str(fs, "q") == "true"
	var progress func(done, total int)
	if !quiet && len(b.Entries) > 100000 {
		last := -1
		progress = func(done, total int) {
			if pct := done * 100 / max(total, 1); pct/10 != last/10 {
				last = pct
				fmt.Fprintln(e.Stderr, e.P.T("verified %[1]d of %[2]d entries (%[3]s)", done, total, e.P.Percent(float64(pct)/100)))
			}
		}
	}
	auth := state.NewAuthorizer(b.Origin)
	rep, err := record.Verify(b, auth, progress)
	if err != nil {
		var fe *record.FormatError
		if errors.As(err, &fe) {
			return &exitError{2, err}
		}
		return &exitError{1, parley.Errorf(parley.EINVALID, "verification failed: %v", err)}
	}
	if !quiet {
		p := e.P
		fmt.Fprintln(e.Stdout, p.T("verified %s", rep.Origin))
		fmt.Fprintln(e.Stdout, "  "+p.T("%[1]d entries: %[2]d events visible (each decoded, its signature verified, its signer's role replayed from the roster, its leaf recomputed), %[3]d hidden (leaf hash only)", rep.Size, rep.Events, rep.Hidden))
		fmt.Fprintln(e.Stdout, "  "+p.T("%[1]d signatures, %[2]d authorizations, %[3]d leaves hashed into the tree", rep.Signatures, rep.Authorized, rep.Leaves))
		fmt.Fprintln(e.Stdout, "  "+p.T("%d checkpoints: log signature, tree root and consistency with the previous one", rep.Checkpoints))
		fmt.Fprintln(e.Stdout, "  "+p.T("%[1]d cosignatures by %[2]d witnesses", rep.Cosignatures, rep.Witnesses))
		fmt.Fprintln(e.Stdout, "  "+p.T("root %s", base64.StdEncoding.EncodeToString(rep.Root[:])))
		if str(fs, "log-key") == "" {
			fmt.Fprintf(e.Stdout, "%s\n  %s\n", p.T("The log key was taken from the bundle; compare it with one from a source you trust:"), rep.LogKey)
		} else {
			fmt.Fprintln(e.Stdout, "  "+p.T("signed by the log key you gave"))
		}
	}
	return nil
}

func runProof(ctx context.Context, e *env, fs *flag.FlagSet) error {
	talks, err := talksFlag(e, fs)
	if err != nil {
		return err
	}
	if len(e.Args) != 1 {
		return &exitError{2, parley.Errorf(parley.EINVALID, "proof takes one argument: the log index of the event")}
	}
	index, err := strconv.ParseInt(e.Args[0], 10, 64)
	if err != nil || index < 0 {
		return &exitError{2, parley.Errorf(parley.EINVALID, "INDEX %q is not a log index", e.Args[0])}
	}
	c, err := newAPIClient(e, fs)
	if err != nil {
		return err
	}
	var data []byte
	if c != nil {
		err = c.do(ctx, "GET", "/api/v1/talks/"+url.PathEscape(talks)+"/proofs/"+strconv.FormatInt(index, 10), nil, &data)
	} else {
		l, closeStore, err2 := openTalks(ctx, e, fs, talks)
		if err2 != nil {
			return err2
		}
		defer closeStore()
		var rec *record.Receipt
		if rec, err = l.Receipt(ctx, talks, index); err == nil {
			data = rec.MarshalProof()
		}
	}
	if err != nil {
		return err
	}
	return writeOut(e, str(fs, "o"), data)
}

func runVerifyProof(ctx context.Context, e *env, fs *flag.FlagSet) error {
	if len(e.Args) != 1 {
		return &exitError{2, parley.Errorf(parley.EINVALID, "verify-proof takes one argument: the proof file")}
	}
	vkey := str(fs, "log-key")
	if vkey == "" {
		return &exitError{2, parley.Errorf(parley.EINVALID, "--log-key is required: the log's verifier key from a source you trust")}
	}
	data, err := os.ReadFile(e.Args[0])
	if err != nil {
		return &exitError{2, err}
	}
	rec, err := record.VerifyProof(data, vkey)
	if err != nil {
		return &exitError{1, parley.Errorf(parley.EINVALID, "the proof does not hold: %v", err)}
	}
	fmt.Fprintln(e.Stdout, e.P.T("the log %[1]s includes leaf %[2]s at index %[3]s", rec.Origin, base64.StdEncoding.EncodeToString(rec.Leaf[:]), e.P.Digits(int64(rec.Index))))
	if path := str(fs, "event"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return &exitError{2, err}
		}
		var ev struct {
			Event []byte `json:"event"`
			Sig   []byte `json:"sig"`
			Salt  []byte `json:"salt"`
		}
		if err := json.Unmarshal(b, &ev); err != nil || len(ev.Salt) == 0 {
			return &exitError{2, parley.Errorf(parley.EINVALID, "%s: want JSON with the event, sig and salt in base64", path)}
		}
		if record.LeafHash(ev.Salt, ev.Event, ev.Sig) != rec.Leaf {
			return &exitError{1, parley.Errorf(parley.EINVALID, "the leaf does not commit to that event: it is not the event the proof is about")}
		}
		pe, err := parley.DecodeEvent(ev.Event)
		if err != nil {
			return &exitError{1, err}
		}
		if !ed25519.Verify(pe.ActorKey(), parley.SignedMessage(rec.Origin, ev.Event), ev.Sig) {
			return &exitError{1, parley.Errorf(parley.EINVALID, "the event's signature does not verify")}
		}
		fmt.Fprintln(e.Stdout, e.P.T("and the leaf commits to the %[1]s event signed by %[2]s at %[3]s", pe.Kind, pe.Actor, e.P.Time(pe.At())))
	}
	return nil
}
