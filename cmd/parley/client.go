package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/i18n"
	"github.com/parleyhq/parley/server"
)

func init() {
	register(&command{
		Name:    "login",
		Usage:   "--server URL --key FILE",
		Summary: i18n.Key("sign in to a server and keep the session for later commands"),
		Help: i18n.Key(`Login signs in to a Parley server with the actor key: the server sends a
challenge, the key signs it here, and the server returns a short-lived
session token, which is kept in the sessions file (PARLEY_SESSIONS, or
parley/sessions.json in the user's configuration directory, mode 0600).
Commands run with --server then read as that actor. A session only reads:
every act is still signed with the key itself.`),
		Flags: func(fs *flag.FlagSet) {
			fs.String("server", "", i18n.Key("the server's URL (env PARLEY_SERVER)"))
			fs.String("key", "", i18n.Key("the actor key file (env PARLEY_KEY)"))
		},
		Run: runLogin,
	})
}

// apiClient talks to a Parley server.
type apiClient struct {
	base  string
	hc    *http.Client
	token string
	lang  string // the language the server's problems are asked in
}

// newAPIClient returns a client for the server named by --server or
// PARLEY_SERVER, with the stored session if there is one; nil if neither
// is set.
func newAPIClient(e *env, fs *flag.FlagSet) (*apiClient, error) {
	base := opt(e, fs, "server", "PARLEY_SERVER", "")
	if base == "" {
		return nil, nil
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &exitError{2, parley.Errorf(parley.EINVALID, "--server %q: want a URL such as https://parley.example.org", base)}
	}
	c := &apiClient{base: strings.TrimRight(base, "/"), hc: &http.Client{Timeout: 60 * time.Second}}
	if e.P != nil {
		c.lang = e.P.Code()
	}
	sessions, _ := readSessions(e)
	c.token = sessions[c.base]
	return c, nil
}

// apiError is a problem answered by the server.
type apiError struct {
	status int
	p      server.Problem
}

func (e *apiError) Error() string {
	if e.p.Detail != "" {
		return fmt.Sprintf("the server refused (%d %s): %s", e.status, e.p.Code, e.p.Detail)
	}
	return fmt.Sprintf("the server answered %d", e.status)
}

// say says the problem in the language of p; the server wrote its
// detail in that language already, as the request asked.
func (e *apiError) say(p *i18n.Printer) string {
	if e.p.Detail != "" {
		return p.T("the server refused (%[1]d %[2]s): %[3]s", e.status, e.p.Code, e.p.Detail)
	}
	return p.T("the server answered %d", e.status)
}

// do sends a JSON request and decodes a JSON answer into out (if not nil).
func (c *apiClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return parley.Errorf(parley.EINVALID, "reaching %s: %v", c.base, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return parley.Errorf(parley.EINVALID, "reading the answer of %s: %v", c.base, err)
	}
	if resp.StatusCode >= 300 {
		ae := &apiError{status: resp.StatusCode}
		_ = json.Unmarshal(b, &ae.p)
		return ae
	}
	if out == nil {
		return nil
	}
	if raw, ok := out.(*[]byte); ok {
		*raw = b
		return nil
	}
	return json.Unmarshal(b, out)
}

// host returns the host part of the server's log origins.
func (c *apiClient) host(ctx context.Context) (string, error) {
	var info struct {
		Host string `json:"host"`
	}
	if err := c.do(ctx, "GET", "/api/v1/info", nil, &info); err != nil {
		return "", err
	}
	return info.Host, nil
}

func runLogin(ctx context.Context, e *env, fs *flag.FlagSet) error {
	c, err := newAPIClient(e, fs)
	if err != nil {
		return err
	}
	if c == nil {
		return &exitError{2, parley.Errorf(parley.EINVALID, "login needs --server URL (or PARLEY_SERVER)")}
	}
	key, err := readKey(opt(e, fs, "key", "PARLEY_KEY", ""))
	if err != nil {
		return err
	}
	pub := parley.KeyString(key.Public().(ed25519.PublicKey))
	s, err := c.signIn(ctx, key)
	if err != nil {
		return err
	}
	sessions, err := readSessions(e)
	if err != nil {
		return err
	}
	sessions[c.base] = s.Token
	if err := writeSessions(e, sessions); err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, e.P.T("signed in to %[1]s as %[2]s until %[3]s", c.base, pub, e.P.Time(s.Expires)))
	return nil
}

// signIn answers the server's challenge with key and returns the session;
// the client reads as that actor from then on.
func (c *apiClient) signIn(ctx context.Context, key ed25519.PrivateKey) (*server.SessionResponse, error) {
	pub := parley.KeyString(key.Public().(ed25519.PublicKey))
	var ch struct {
		Challenge string `json:"challenge"`
		Message   string `json:"message"`
	}
	if err := c.do(ctx, "POST", "/api/v1/auth/challenge", map[string]string{"key": pub}, &ch); err != nil {
		return nil, err
	}
	host, err := c.host(ctx)
	if err != nil {
		return nil, err
	}
	// Sign what the protocol says, not whatever the server asks: a
	// server cannot make the key sign an event this way.
	msg := server.SessionMessage(host, ch.Challenge)
	var s server.SessionResponse
	err = c.do(ctx, "POST", "/api/v1/auth/session", map[string]string{
		"key": pub, "challenge": ch.Challenge, "signature": base64.StdEncoding.EncodeToString(ed25519.Sign(key, msg)),
	}, &s)
	if err != nil {
		return nil, err
	}
	c.token = s.Token
	return &s, nil
}

func sessionsPath(e *env) (string, error) {
	if p := e.Getenv("PARLEY_SESSIONS"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", parley.Errorf(parley.EINVALID, "no place for the sessions file: set PARLEY_SESSIONS: %v", err)
	}
	return filepath.Join(dir, "parley", "sessions.json"), nil
}

func readSessions(e *env) (map[string]string, error) {
	m := map[string]string{}
	p, err := sessionsPath(e)
	if err != nil {
		return m, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return map[string]string{}, parley.Errorf(parley.EINVALID, "%s is damaged (%v); remove it and log in again", p, err)
	}
	return m, nil
}

func writeSessions(e *env, m map[string]string) error {
	p, err := sessionsPath(e)
	if err != nil {
		return err
	}
	return writePrivateJSON(p, m)
}

// writePrivateJSON writes v as JSON to a file only its owner may read,
// replacing it whole, creating its directory if need be.
func writePrivateJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// readFlags defines the flags of a command that reads a talks from the
// local record or from a server.
func readFlags(fs *flag.FlagSet) {
	dataFlags(fs)
	fs.String("talks", "", i18n.Key("the talks id (env PARLEY_TALKS)"))
	fs.String("server", "", i18n.Key("use this server instead of the local record (env PARLEY_SERVER)"))
}
