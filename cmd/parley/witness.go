package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	iofs "io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/record"
	"github.com/parleyhq/parley/server"
	"github.com/parleyhq/parley/state"
)

func init() {
	register(&command{
		Name:    "witness",
		Usage:   "[flags]",
		Summary: i18n.Key("check that the log only grew, then cosign its latest checkpoint"),
		Help: i18n.Key(`Witness fetches the latest checkpoint of a talks' log and the proof that it
extends the last checkpoint this key cosigned, checks both, and only then
cosigns it (C2SP cosignature/v1) and records the cosignature in the log.
The last cosigned checkpoint and the log's key are kept in the witness
state file (--state), so the next run checks consistency from there; the
first run takes the log's key on trust and prints it.

If the log signed two checkpoints that cannot both be true, witness refuses,
writes the fork evidence to a file, reports it to the log, and exits 1:
keep that file and publish it.`),
		Flags: func(fs *flag.FlagSet) {
			readFlags(fs)
			fs.String("key", "", i18n.Key("the witness's actor key file (env PARLEY_KEY)"))
			fs.String("state", "", i18n.Key("the witness state file (default: parley/witness/ORIGIN.json in the user's configuration directory)"))
		},
		Run: runWitness,
	})
}

// logSource is where a witness reads a log and records its cosignature:
// the local record or a server.
type logSource interface {
	origin(ctx context.Context) (origin, logKey string, err error)
	label(ctx context.Context, key string) (string, error) // the actor's party, else its role

	latest(ctx context.Context) ([]byte, error)
	consistency(ctx context.Context, from, to int64) (tlog.TreeProof, error)
	append(ctx context.Context, se parley.SignedEvent) error
}

type localSource struct {
	l     *ledger.Ledger
	talks string
}

func (s localSource) origin(ctx context.Context) (string, string, error) {
	vkey, err := s.l.VerifierKey(ctx, s.talks)
	return s.l.Origin(s.talks), vkey, err
}

func (s localSource) label(ctx context.Context, key string) (string, error) {
	var label string
	err := s.l.View(ctx, s.talks, func(st *state.Talks, _ parley.Checkpoint) error {
		a := st.Roster.Actors[key]
		if a == nil || a.Revoked {
			return notOnRoster(key, s.talks)
		}
		label = a.Party
		if label == "" {
			label = a.Role
		}
		return nil
	})
	return label, err
}

func (s localSource) latest(ctx context.Context) ([]byte, error) {
	cp, _, err := s.l.Checkpoint(ctx, s.talks, -1)
	return cp.Note, err
}

func (s localSource) consistency(ctx context.Context, from, to int64) (tlog.TreeProof, error) {
	return s.l.Consistency(ctx, s.talks, from, to)
}

func (s localSource) append(ctx context.Context, se parley.SignedEvent) error {
	_, err := s.l.Append(ctx, se)
	return err
}

type serverSource struct {
	c     *apiClient
	talks string
}

func (s serverSource) path(rest string) string {
	return "/api/v1/talks/" + url.PathEscape(s.talks) + rest
}

func (s serverSource) origin(ctx context.Context) (string, string, error) {
	var tv server.TalksView
	err := s.c.do(ctx, "GET", s.path(""), nil, &tv)
	return tv.Origin, tv.LogKey, err
}

func (s serverSource) label(ctx context.Context, key string) (string, error) {
	var tv server.TalksView
	if err := s.c.do(ctx, "GET", s.path(""), nil, &tv); err != nil {
		return "", err
	}
	for _, a := range tv.Roster {
		if a.Key == key && !a.Revoked {
			if a.Party != "" {
				return a.Party, nil
			}
			return a.Role, nil
		}
	}
	return "", notOnRoster(key, s.talks)
}

func (s serverSource) latest(ctx context.Context) ([]byte, error) {
	var cp server.CheckpointJSON
	err := s.c.do(ctx, "GET", s.path("/checkpoint"), nil, &cp)
	return []byte(cp.Note), err
}

func (s serverSource) consistency(ctx context.Context, from, to int64) (tlog.TreeProof, error) {
	var out struct {
		Proof []string `json:"proof"`
	}
	q := "?from=" + strconv.FormatInt(from, 10) + "&to=" + strconv.FormatInt(to, 10)
	if err := s.c.do(ctx, "GET", s.path("/proofs/consistency"+q), nil, &out); err != nil {
		return nil, err
	}
	proof := make(tlog.TreeProof, len(out.Proof))
	for i, h := range out.Proof {
		b, err := base64.StdEncoding.DecodeString(h)
		if err != nil || len(b) != len(tlog.Hash{}) {
			return nil, parley.Errorf(parley.EINVALID, "the server sent a malformed consistency proof")
		}
		copy(proof[i][:], b)
	}
	return proof, nil
}

func (s serverSource) append(ctx context.Context, se parley.SignedEvent) error {
	return s.c.do(ctx, "POST", s.path("/events"), se, nil)
}

// witnessState is what a witness keeps between runs, per log.
type witnessState struct {
	Origin string `json:"origin"`
	LogKey string `json:"log_key"`
	Last   string `json:"last,omitempty"` // the checkpoint note cosigned last
}

func witnessStatePath(e *env, fs *flag.FlagSet, origin string) (string, error) {
	if p := str(fs, "state"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", parley.Errorf(parley.EINVALID, "no place for the witness state: pass --state FILE: %v", err)
	}
	name := strings.NewReplacer("/", "_", ":", "_").Replace(origin)
	return filepath.Join(dir, "parley", "witness", name+".json"), nil
}

func runWitness(ctx context.Context, e *env, fs *flag.FlagSet) error {
	talks, err := talksFlag(e, fs)
	if err != nil {
		return err
	}
	key, err := readKey(opt(e, fs, "key", "PARLEY_KEY", ""))
	if err != nil {
		return err
	}
	c, err := newAPIClient(e, fs)
	if err != nil {
		return err
	}
	var src logSource
	if c != nil {
		src = serverSource{c, talks}
	} else {
		l, closeStore, err := openTalks(ctx, e, fs, talks)
		if err != nil {
			return err
		}
		defer closeStore()
		src = localSource{l, talks}
	}
	origin, logKey, err := src.origin(ctx)
	if err != nil {
		return err
	}
	path, err := witnessStatePath(e, fs, origin)
	if err != nil {
		return err
	}
	ws := witnessState{Origin: origin, LogKey: logKey}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &ws); err != nil {
			return parley.Errorf(parley.EINVALID, "the witness state %s is damaged: %v", path, err)
		}
		if ws.LogKey != logKey {
			return parley.Errorf(parley.EINVALID, "the log now presents the key %s, but you witnessed it under %s: do not cosign; ask the host why", logKey, ws.LogKey)
		}
	} else if !errors.Is(err, iofs.ErrNotExist) {
		return err
	} else {
		fmt.Fprintln(e.Stderr, e.P.T("first time witnessing %[1]s; taking its key on trust: %[2]s", origin, logKey))
	}
	note, err := src.latest(ctx)
	if err != nil {
		return err
	}
	cp, err := record.OpenCheckpoint(note, logKey)
	if err != nil {
		return parley.Errorf(parley.EINVALID, "the latest checkpoint: %v", err)
	}
	var proof tlog.TreeProof
	if ws.Last != "" {
		last, err := record.OpenCheckpoint([]byte(ws.Last), logKey)
		if err != nil {
			return parley.Errorf(parley.EINVALID, "the last cosigned checkpoint in %s: %v", path, err)
		}
		if last.Size > 0 && last.Size < cp.Size {
			if proof, err = src.consistency(ctx, last.Size, cp.Size); err != nil {
				return err
			}
		}
	}
	// The actor's name as a witness comes from the roster: party or role.
	label, err := src.label(ctx, parley.KeyString(key.Public().(ed25519.PublicKey)))
	if err != nil {
		return err
	}
	w := &record.Witness{Name: record.WitnessName(label, key.Public().(ed25519.PublicKey)), Key: key, LogKey: logKey}
	if ws.Last != "" {
		w.Last = []byte(ws.Last)
	}
	cosigned, err := w.Update(note, proof, time.Now())
	var fe *record.ForkError
	if errors.As(err, &fe) {
		return reportFork(ctx, e, src, talks, key, origin, fe)
	}
	if err != nil {
		return err
	}
	ev, err := parley.NewEvent(talks, parley.KindCosign, key.Public().(ed25519.PublicKey), time.Now(), parley.Cosign{Size: cp.Size, Note: string(cosigned)})
	if err != nil {
		return err
	}
	se, err := parley.Sign(origin, ev, key)
	if err != nil {
		return err
	}
	if err := src.append(ctx, se); err != nil && parley.ErrorCode(err) != parley.ECONFLICT {
		return parley.Errorf(parley.EINVALID, "recording the cosignature: %v", err)
	}
	ws.Last = string(cosigned)
	if err := writePrivateJSON(path, ws); err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, e.P.T("cosigned %[1]s at size %[2]s as %[3]s", origin, e.P.Digits(cp.Size), w.Name))
	return nil
}

// notOnRoster says why a key cannot record a cosignature.
func notOnRoster(pub, talks string) error {
	return parley.Errorf(parley.EINVALID, "the key %s is not on the roster of %s: only its actors record cosignatures in the log", pub, talks)
}

// reportFork keeps fork evidence in a file, reports it to the log and
// fails.
func reportFork(ctx context.Context, e *env, src logSource, talks string, key ed25519.PrivateKey, origin string, fe *record.ForkError) error {
	b, err := json.MarshalIndent(fe.Evidence, "", "  ")
	if err != nil {
		return err
	}
	file := fmt.Sprintf("fork-%s-%s.json", talks, time.Now().UTC().Format("20060102T150405Z"))
	if err := os.WriteFile(file, b, 0o644); err != nil {
		return parley.Errorf(parley.EINVALID, "%v; and writing the evidence failed: %v", fe, err)
	}
	ev, err := parley.NewEvent(talks, parley.KindForkEvidence, key.Public().(ed25519.PublicKey), time.Now(), parley.ForkEvidence{Evidence: b})
	if err == nil {
		var se parley.SignedEvent
		if se, err = parley.Sign(origin, ev, key); err == nil {
			err = src.append(ctx, se)
		}
	}
	if err != nil {
		fmt.Fprintln(e.Stderr, e.P.T("the log did not record the evidence (%s); publish the file yourself", sayError(e.P, err)))
	}
	return parley.Errorf(parley.EINVALID, "%v; the evidence is in %s", fe, file)
}
