package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/server"
)

// Signed-in viewers: the parties' actors sign in with their own keys, and
// each listens to the talks as what it is, a head or a delegate of one
// party, which sees the public events, its own party's and nothing of the
// other parties'.

// serveFlags are the flags of parley serve that lift the per-address
// limits a load from one address runs into.
const serveFlags = "--read-rate -1 --write-rate -1 --sign-in-rate -1 --streams-per-addr -1 --anon-streams-per-addr -1"

// errLimited reports a load refused by the running server's per-address
// limits; it says which flags lift them.
var errLimited = errors.New("the server's per-address limits refuse this load from one address; start parley serve with " + serveFlags)

// signInStats says what signing the actors in took.
type signInStats struct {
	actors  int
	elapsed time.Duration
	retried int // requests sent again after a 429 or a transport error
}

// signInActors signs in the first n actors of the talks on the server of
// c, conc at a time, and keeps their session tokens in t.tokens.
func signInActors(ctx context.Context, c *client, t *talks, host string, n, conc int) (signInStats, error) {
	start := time.Now()
	t.tokens = make([]string, n)
	var retried atomic.Int64
	err := parallel(ctx, n, conc, func(ctx context.Context, i int) error {
		tok, r, err := session(ctx, c, host, t.actors[i])
		retried.Add(int64(r))
		if err != nil {
			return fmt.Errorf("signing in actor %d of party %s: %w", i, t.parties[t.partyOf(i)], err)
		}
		t.tokens[i] = tok
		return nil
	})
	return signInStats{actors: n, elapsed: time.Since(start), retried: int(retried.Load())}, err
}

// session signs a in on the server of c: it asks for a challenge, checks
// that what the server asks it to sign is the session message of this
// host and challenge (and so nothing else, such as an event), signs it
// here and asks for a session. It returns the session token and how many
// requests it sent again.
func session(ctx context.Context, c *client, host string, a *actor) (token string, retried int, err error) {
	key := parley.KeyString(a.pub)
	var ch struct{ Challenge, Message string }
	if retried, err = postJSON(ctx, c, "/api/v1/auth/challenge", map[string]string{"key": key}, &ch); err != nil {
		return "", retried, err
	}
	msg, err := base64.StdEncoding.DecodeString(ch.Message)
	if err != nil || ch.Challenge == "" {
		return "", retried, errors.New("the challenge does not decode")
	}
	if !bytes.Equal(msg, server.SessionMessage(host, ch.Challenge)) {
		return "", retried, fmt.Errorf("the server asks to sign %q, not the session message of host %q and its challenge; refusing to sign it", msg, host)
	}
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(a.priv, msg))
	var s struct{ Token string }
	r, err := postJSON(ctx, c, "/api/v1/auth/session", map[string]string{"key": key, "challenge": ch.Challenge, "signature": sig}, &s)
	retried += r
	if err == nil && s.Token == "" {
		err = errors.New("the session has no token")
	}
	return s.Token, retried, err
}

// signInAttempts bounds the requests of one sign-in step.
const signInAttempts = 10

// postJSON posts v as JSON to a path of the server and decodes the answer
// into out, sending the request again while the server is busy (waiting
// the Retry-After it names, up to 5 s) or the exchange fails. It returns
// how many times it sent the request again; after the last refusal by a
// rate limit, the error is errLimited.
func postJSON(ctx context.Context, c *client, path string, v, out any) (retried int, err error) {
	body, err := json.Marshal(v)
	if err != nil {
		return 0, err
	}
	for i := 0; ; i++ {
		status, resp, retryAfter, err := c.post(ctx, path, body)
		if err == nil && status == http.StatusOK {
			return i, json.Unmarshal(resp, out)
		}
		if err == nil && !retryable(status, nil) {
			return i, fmt.Errorf("POST %s: HTTP %d: %s", path, status, problemDetail(resp))
		}
		if i+1 == signInAttempts {
			if err == nil && status == http.StatusTooManyRequests {
				return i, fmt.Errorf("POST %s: HTTP 429: %s: %w", path, problemDetail(resp), errLimited)
			}
			if err == nil {
				err = fmt.Errorf("HTTP %d: %s", status, problemDetail(resp))
			}
			return i, fmt.Errorf("POST %s: %w", path, err)
		}
		wait := 200 * time.Millisecond
		if s, _ := strconv.Atoi(retryAfter); s > 0 {
			wait = min(time.Duration(s)*time.Second, 5*time.Second)
		}
		if err := sleep(ctx, wait); err != nil {
			return i, err
		}
	}
}

// A fanEvent is one event of a fan-out run, signed, and who may see it.
type fanEvent struct {
	body  []byte
	party int // -1: anyone; else only the actors of this party (and the mediators)
}

// fanoutEvents signs the n events of fan-out run number run: a share of
// cfg.private of them caucus messages from the mediator to a party chosen
// at random, spread evenly through the run, the others acts of kind
// cfg.act by the head of delegation i mod the parties. In proximity talks
// a stance is seen by its party only.
func fanoutEvents(t *talks, cfg *config, run int) ([]fanEvent, error) {
	rng := mrand.New(mrand.NewPCG(7, 7+uint64(run)))
	out := make([]fanEvent, cfg.events)
	for i := range out {
		var err error
		if private(i, cfg.private) {
			q := rng.IntN(len(t.parties))
			out[i].party = q
			out[i].body, err = t.sign(t.mediator, parley.KindCaucus, parley.Caucus{
				Party: t.parties[q],
				Text:  fmt.Sprintf("For the delegation of %s only: the mediator proposes to meet at %02d:00 about item I%d.", t.parties[q], 9+rng.IntN(9), rng.IntN(t.items)),
			})
		} else {
			d := i % len(t.parties)
			out[i].party = -1
			if t.proximity && cfg.act == actStance {
				out[i].party = d
			}
			out[i].body, err = t.act(cfg.act, rng, d)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// private reports whether event i of a run whose events are private in the
// given share is private: the shares of the first i and i+1 events differ
// by a whole event.
func private(i int, share float64) bool {
	return int(float64(i+1)*share) > int(float64(i)*share)
}
