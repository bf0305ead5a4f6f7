package server

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley"
)

// Sign-in is a challenge–response with the actor's Ed25519 key. The server
// hands out a challenge; the actor signs SessionMessage(host, challenge);
// the server checks the signature and issues a short-lived session token.
// A session only identifies a reader: every write still carries the
// actor's own signature over the event, so a stolen token cannot forge an
// act. Tokens and challenges are HMACs under the server's secret, so that
// several server processes sharing the secret accept each other's.

// SessionDomain prefixes what an actor signs to sign in.
const SessionDomain = "parley/v1/session\n"

// SessionMessage returns the message an actor signs to answer a challenge
// from the server of the given host.
func SessionMessage(host, challenge string) []byte {
	return []byte(SessionDomain + host + "\n" + challenge)
}

const (
	challengeTTL = 5 * time.Minute
	cookieName   = "parley_session"
	csrfHeader   = "X-CSRF-Token"
)

type signedClaims struct {
	Kind string `json:"t"` // "challenge" or "session"
	Key  string `json:"k"`
	Exp  int64  `json:"e"` // Unix seconds
	Rand string `json:"r,omitempty"`
}

// seal encodes claims and appends their HMAC.
func (s *Server) seal(c signedClaims) string {
	b, _ := json.Marshal(c)
	p := base64.RawURLEncoding.EncodeToString(b)
	return p + "." + s.mac(p)
}

func (s *Server) mac(p string) string {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte(p))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// open checks a sealed value of the given kind and returns its claims.
func (s *Server) open(v, kind string) (signedClaims, bool) {
	var c signedClaims
	p, mac, ok := strings.Cut(v, ".")
	if !ok || len(v) > 1024 || !hmac.Equal([]byte(mac), []byte(s.mac(p))) {
		return c, false
	}
	b, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil || json.Unmarshal(b, &c) != nil || c.Kind != kind || time.Now().Unix() > c.Exp {
		return c, false
	}
	return c, true
}

// csrfToken is the token a browser session sends back in X-CSRF-Token.
func (s *Server) csrfToken(session string) string { return s.mac("csrf\n" + session) }

type challengeRequest struct {
	Key string `json:"key"`
}

type challengeResponse struct {
	Challenge string    `json:"challenge"`
	Message   string    `json:"message"` // what to sign, in standard base64
	Expires   time.Time `json:"expires"`
}

func (s *Server) handleChallenge(w http.ResponseWriter, r *http.Request) error {
	var req challengeRequest
	if err := s.decodeBody(w, r, &req, 4<<10); err != nil {
		return err
	}
	if _, err := parley.ParseKey(req.Key); err != nil {
		return parley.Wrapf(parley.EINVALID, "field \"key\": %s", err)
	}
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	exp := time.Now().Add(challengeTTL)
	ch := s.seal(signedClaims{Kind: "challenge", Key: req.Key, Exp: exp.Unix(), Rand: base64.RawURLEncoding.EncodeToString(nonce[:])})
	return writeJSON(w, http.StatusOK, challengeResponse{
		Challenge: ch,
		Message:   base64.StdEncoding.EncodeToString(SessionMessage(s.cfg.Host, ch)),
		Expires:   exp.UTC().Truncate(time.Second),
	})
}

type sessionRequest struct {
	Key       string `json:"key"`
	Challenge string `json:"challenge"`
	Signature string `json:"signature"` // standard base64
}

// SessionResponse is the answer to a successful sign-in.
type SessionResponse struct {
	Token   string    `json:"token"` // send as "Authorization: Bearer TOKEN"
	CSRF    string    `json:"csrf"`  // with the cookie, send as X-CSRF-Token on writes
	Key     string    `json:"key"`
	Expires time.Time `json:"expires"`
}

func (s *Server) handleSession(w http.ResponseWriter, r *http.Request) error {
	var req sessionRequest
	if err := s.decodeBody(w, r, &req, 4<<10); err != nil {
		return err
	}
	c, ok := s.open(req.Challenge, "challenge")
	if !ok || c.Key != req.Key {
		return parley.Errorf(parley.EUNAUTHORIZED, "the challenge is unknown, expired or for another key: ask for a new one")
	}
	pub, err := parley.ParseKey(req.Key)
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(req.Signature)
	if err != nil || !ed25519.Verify(pub, SessionMessage(s.cfg.Host, req.Challenge), sig) {
		return parley.Errorf(parley.EUNAUTHORIZED, "the signature does not verify: sign the challenge's \"message\" bytes with the key's private half")
	}
	return s.startSession(w, r, req.Key)
}

// startSession issues a session token for key, as a bearer token in the
// body and an HttpOnly, SameSite=Strict cookie. The token carries a random
// id, by which signing out revokes it.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, key string) error {
	exp := time.Now().Add(s.cfg.SessionTTL)
	tok := s.seal(signedClaims{Kind: "session", Key: key, Exp: exp.Unix(), Rand: newSessionID()})
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: tok, Path: "/", Expires: exp,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	return writeJSON(w, http.StatusOK, SessionResponse{Token: tok, CSRF: s.csrfToken(tok), Key: key, Expires: exp.UTC().Truncate(time.Second)})
}

func (s *Server) handleWhoami(w http.ResponseWriter, r *http.Request) error {
	key := viewerKey(r)
	if key == "" {
		return parley.Errorf(parley.EUNAUTHORIZED, "not signed in")
	}
	resp := map[string]any{"key": key}
	if c, err := r.Cookie(cookieName); err == nil {
		resp["csrf"] = s.csrfToken(c.Value)
	}
	return writeJSON(w, http.StatusOK, resp)
}

// handleSignOut ends the session of the request, if any: its token is
// revoked on the server for the rest of its life, whether it came as a
// bearer token or a cookie, its live streams end, and the cookie is
// cleared.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) error {
	if sess := sessionOf(r); sess != nil {
		if err := s.revoked.revoke(sess.id, sess.exp); err != nil {
			return err
		}
		s.endSessionStreams(sess.id)
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// A session is a signed-in request's session token, opened.
type session struct {
	key string
	id  string // random, by which it is revoked
	exp int64  // Unix seconds
}

type sessionCtxKey struct{}

// sessionOf returns the session of a request that handle or page let
// through, or nil for the public.
func sessionOf(r *http.Request) *session {
	sess, _ := r.Context().Value(sessionCtxKey{}).(*session)
	return sess
}

// authenticate finds the session of a request, if any, and checks CSRF
// protection for cookie sessions: a request that changes anything and
// comes with the cookie must carry the matching X-CSRF-Token. A stale or
// revoked cookie reads as the public; a stale or revoked bearer token is
// refused.
func (s *Server) authenticate(r *http.Request) (*session, error) {
	var tok string
	cookie := false
	if h := r.Header.Get("Authorization"); h != "" {
		t, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, parley.Errorf(parley.EUNAUTHORIZED, "the Authorization header must be \"Bearer TOKEN\"")
		}
		tok = t
	} else if c, err := r.Cookie(cookieName); err == nil {
		tok, cookie = c.Value, true
	}
	if tok == "" {
		return nil, nil
	}
	c, ok := s.open(tok, "session")
	if ok && !validSessionID(c.Rand) {
		ok = false // issued before sessions could be revoked
	}
	if !ok {
		if cookie {
			return nil, nil
		}
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "the session token is invalid or expired: sign in again")
	}
	revoked, err := s.revoked.revoked(c.Rand, c.Exp)
	if err != nil {
		return nil, err
	}
	if revoked {
		if cookie {
			return nil, nil
		}
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "the session token was revoked when its session signed out: sign in again")
	}
	if cookie && r.Method != http.MethodGet && r.Method != http.MethodHead {
		if !hmac.Equal([]byte(r.Header.Get(csrfHeader)), []byte(s.csrfToken(tok))) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "missing or wrong %s header: a browser session must send the csrf token it received at sign-in", csrfHeader)
		}
	}
	return &session{key: c.Key, id: c.Rand, exp: c.Exp}, nil
}

// newSessionID returns a random session id: 16 bytes in unpadded base64url.
func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// validSessionID reports whether id is what newSessionID returns, and so
// safe in a file name.
func validSessionID(id string) bool {
	b, err := base64.RawURLEncoding.DecodeString(id)
	return err == nil && len(b) == 16 && len(id) == 22
}

// Revoked sessions are kept in memory and, when the server has a directory
// for them, as one empty file per session named EXP-ID, so that every
// process sharing the directory refuses them. A file is removed once the
// session it names has expired.
type revocations struct {
	dir string // "" keeps them in memory only

	mu     sync.Mutex
	ids    map[string]int64 // session id → expiry, Unix seconds
	pruned time.Time
	now    func() time.Time
}

func newRevocations(dir string) *revocations {
	return &revocations{dir: dir, ids: map[string]int64{}, now: time.Now}
}

// pruneEvery is how often revoking also removes the revocations of
// sessions that have expired.
const pruneEvery = 10 * time.Minute

func revokedName(id string, exp int64) string { return strconv.FormatInt(exp, 10) + "-" + id }

// revoke revokes a session until it expires.
func (v *revocations) revoke(id string, exp int64) error {
	if !validSessionID(id) {
		return parley.Errorf(parley.EINVALID, "not a session id")
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	v.ids[id] = exp
	if v.dir != "" {
		f, err := os.OpenFile(filepath.Join(v.dir, revokedName(id, exp)), os.O_WRONLY|os.O_CREATE, 0o600)
		if err == nil {
			err = f.Close()
		}
		if err != nil {
			return parley.Errorf(parley.EUNAVAILABLE, "recording the end of the session: %v; retry, or the operator should check %s", err, v.dir)
		}
	}
	if now.Sub(v.pruned) > pruneEvery {
		v.prune(now)
	}
	return nil
}

// revoked reports whether a session was revoked, by this process or,
// through the directory, by another.
func (v *revocations) revoked(id string, exp int64) (bool, error) {
	v.mu.Lock()
	_, ok := v.ids[id]
	v.mu.Unlock()
	if ok || v.dir == "" {
		return ok, nil
	}
	_, err := os.Stat(filepath.Join(v.dir, revokedName(id, exp)))
	switch {
	case err == nil:
		v.mu.Lock()
		v.ids[id] = exp
		v.mu.Unlock()
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, parley.Errorf(parley.EUNAVAILABLE, "cannot tell whether the session was revoked: %v; retry, or the operator should check %s", err, v.dir)
}

// prune forgets the revocations of sessions that have expired, in memory
// and in the directory. Call with mu.
func (v *revocations) prune(now time.Time) {
	v.pruned = now
	for id, exp := range v.ids {
		if exp < now.Unix() {
			delete(v.ids, id)
		}
	}
	if v.dir == "" {
		return
	}
	entries, err := os.ReadDir(v.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		p, _, ok := strings.Cut(e.Name(), "-")
		exp, err := strconv.ParseInt(p, 10, 64)
		if ok && err == nil && exp < now.Unix() {
			_ = os.Remove(filepath.Join(v.dir, e.Name()))
		}
	}
}
