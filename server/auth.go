package server

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
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
		return parley.Errorf(parley.EINVALID, "field \"key\": %s", parley.ErrorMessage(err))
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
// body and an HttpOnly, SameSite=Strict cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, key string) error {
	exp := time.Now().Add(s.cfg.SessionTTL)
	tok := s.seal(signedClaims{Kind: "session", Key: key, Exp: exp.Unix()})
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

func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// authenticate finds the session of a request, if any, and checks CSRF
// protection for cookie sessions: a request that changes anything and
// comes with the cookie must carry the matching X-CSRF-Token.
func (s *Server) authenticate(r *http.Request) (key string, err error) {
	var tok string
	cookie := false
	if h := r.Header.Get("Authorization"); h != "" {
		t, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return "", parley.Errorf(parley.EUNAUTHORIZED, "the Authorization header must be \"Bearer TOKEN\"")
		}
		tok = t
	} else if c, err := r.Cookie(cookieName); err == nil {
		tok, cookie = c.Value, true
	}
	if tok == "" {
		return "", nil
	}
	c, ok := s.open(tok, "session")
	if !ok {
		if cookie {
			return "", nil // a stale cookie reads as the public
		}
		return "", parley.Errorf(parley.EUNAUTHORIZED, "the session token is invalid or expired: sign in again")
	}
	if cookie && r.Method != http.MethodGet && r.Method != http.MethodHead {
		if !hmac.Equal([]byte(r.Header.Get(csrfHeader)), []byte(s.csrfToken(tok))) {
			return "", parley.Errorf(parley.EFORBIDDEN, "missing or wrong %s header: a browser session must send the csrf token it received at sign-in", csrfHeader)
		}
	}
	return c.Key, nil
}
