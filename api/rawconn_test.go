package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// rawConn is an HTTP/1.1 client on one TCP connection that does what a load balancer does
// and Go's http.Client does not: it never retries. A request sent on a connection the server
// has closed fails, and the caller sees it.
type rawConn struct {
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{c: c, br: bufio.NewReader(c)}
}

// do writes req (the whole request, as bytes) and reads one response and its body, each
// within timeout.
func (rc *rawConn) do(req string, timeout time.Duration) (*http.Response, []byte, error) {
	rc.c.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(rc.c, req); err != nil {
		return nil, nil, err
	}
	return rc.read()
}

// read reads one response and its body; the deadline is the caller's.
func (rc *rawConn) read() (*http.Response, []byte, error) {
	resp, err := http.ReadResponse(rc.br, nil)
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body, err
}

// get is a keep-alive GET of path.
func get(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: api\r\n\r\n"
}

func serverAddr(s *runningServer) string { return "127.0.0.1:" + s.port }
