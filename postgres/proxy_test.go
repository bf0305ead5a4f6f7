package postgres

import (
	"bytes"
	"net"
	"net/url"
	"sync"
	"testing"
)

// A proxy relays TCP connections from an address of the loopback interface
// to the test database, so that a test can make the database unreachable
// and reachable again, as a restart would, or cut a connection at a chosen
// message.
type proxy struct {
	t      testing.TB
	addr   string // where the proxy listens
	target string // the database's host:port

	mu    sync.Mutex
	ln    net.Listener // nil while down
	conns map[net.Conn]bool
	trap  trap
	wg    sync.WaitGroup
}

// A trap says what the proxy does when a client sends COMMIT.
type trap int

const (
	noTrap        trap = iota
	dropCommit         // drop the connection before the commit reaches the database
	dropCommitted      // let the database commit, drop its answer and the connection
)

// commitMessage is the end of a simple query message that commits, as the
// store sends it (compared in lower case).
var commitMessage = []byte("commit\x00")

// startProxy starts a proxy to the test database, up, and stops it when
// the test ends.
func startProxy(t testing.TB) *proxy {
	t.Helper()
	needPostgres(t)
	u, err := url.Parse(baseURL())
	if err != nil || u.Host == "" {
		t.Fatalf("PARLEY_TEST_POSTGRES must be a postgres:// URL with a host, got %q", redacted(baseURL()))
	}
	target := u.Host
	if u.Port() == "" {
		target = net.JoinHostPort(u.Hostname(), "5432")
	}
	p := &proxy{t: t, addr: "127.0.0.1:0", target: target, conns: map[net.Conn]bool{}}
	p.up()
	t.Cleanup(func() {
		p.down()
		p.wg.Wait()
	})
	return p
}

// url returns the URL of the test database through the proxy, with the
// given query parameters.
func (p *proxy) url(t testing.TB, params ...string) string {
	u, err := url.Parse(testURL(t, params...))
	if err != nil {
		t.Fatal(err)
	}
	u.Host = p.addr
	return u.String()
}

// up makes the proxy accept connections, on the same address as before.
func (p *proxy) up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.ln, p.addr = ln, ln.Addr().String()
	p.wg.Go(func() { p.accept(ln) })
}

// down closes the proxy's listener and every connection through it.
func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// setTrap sets what happens at the next COMMIT through the proxy.
func (p *proxy) setTrap(tr trap) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trap = tr
}

func (p *proxy) accept(ln net.Listener) {
	for {
		client, err := ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		if p.ln != ln { // went down meanwhile
			p.mu.Unlock()
			client.Close()
			server.Close()
			return
		}
		p.conns[client], p.conns[server] = true, true
		p.mu.Unlock()
		p.wg.Go(func() { p.relay(client, server) })
	}
}

// relay copies between a client and the database until either side closes,
// springing the trap at a COMMIT from the client.
func (p *proxy) relay(client, server net.Conn) {
	var (
		mu      sync.Mutex
		trapped bool // a COMMIT went through with dropCommitted set
	)
	closeBoth := func() {
		client.Close()
		server.Close()
		p.mu.Lock()
		delete(p.conns, client)
		delete(p.conns, server)
		p.mu.Unlock()
	}
	var wg sync.WaitGroup
	wg.Go(func() { // client to server
		defer closeBoth()
		buf := make([]byte, 64<<10)
		for {
			n, err := client.Read(buf)
			if n > 0 {
				chunk := buf[:n]
				p.mu.Lock()
				tr := p.trap
				if tr != noTrap && bytes.Contains(bytes.ToLower(chunk), commitMessage) {
					p.trap = noTrap
				} else {
					tr = noTrap
				}
				p.mu.Unlock()
				if tr == dropCommit {
					return
				}
				if tr == dropCommitted {
					mu.Lock()
					trapped = true
					mu.Unlock()
				}
				if _, err := server.Write(chunk); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	})
	wg.Go(func() { // server to client
		defer closeBoth()
		buf := make([]byte, 64<<10)
		for {
			n, err := server.Read(buf)
			mu.Lock()
			drop := trapped
			mu.Unlock()
			if drop {
				// The database answered the COMMIT: it has committed.
				return
			}
			if n > 0 {
				if _, err := client.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	})
	wg.Wait()
}
