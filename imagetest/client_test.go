package imagetest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The container has no network but its own loopback (--network none): the test opens its
// connections from inside the container's network namespace, so nothing listens on the host and
// two runs on one machine cannot collide on a port.

// nsDialer dials TCP inside the network namespace at nsPath (/proc/<pid>/ns/net).
type nsDialer struct {
	nsPath string
	addr   string // host:port inside that namespace
}

func setns(fd uintptr) error { return unix.Setns(int(fd), unix.CLONE_NEWNET) }

// dial creates the socket on a thread that has entered the namespace (a socket belongs to the
// namespace it was created in) and moves the thread back before letting other goroutines have it.
func (d nsDialer) dial() (net.Conn, error) {
	runtime.LockOSThread()
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer self.Close()
	target, err := os.Open(d.nsPath)
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer target.Close()
	if err := setns(target.Fd()); err != nil {
		runtime.UnlockOSThread()
		return nil, fmt.Errorf("entering %s: %w", d.nsPath, err)
	}
	conn, dialErr := net.DialTimeout("tcp", d.addr, 2*time.Second)
	if err := setns(self.Fd()); err != nil {
		// Leave the thread locked: it ends with this goroutine instead of serving others in
		// the wrong namespace.
		if conn != nil {
			conn.Close()
		}
		return nil, fmt.Errorf("leaving %s: %w", d.nsPath, err)
	}
	runtime.UnlockOSThread()
	return conn, dialErr
}

// A raw HTTP/1.1 client: one request, one response, no retry. An ALB does not resend a request
// whose connection failed: it answers 502 when "the target closed the connection with a TCP RST
// or a TCP FIN while the load balancer had an outstanding request to the target" (ALB
// troubleshooting guide, HTTP 502). Go's http.Client resends idempotent requests on a reused
// connection that closed, so this client sends and reads by hand. Like a load balancer's
// connection pool it does not send on a connection the server has already closed (peerClosed);
// a connection that closes after the request went out is a failure.

type response struct {
	Status int
	Close  bool // the server said Connection: close
	Body   []byte
}

// roundTrip writes req on conn and reads one response.
func roundTrip(conn net.Conn, br *bufio.Reader, req string) (response, error) {
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		return response{}, fmt.Errorf("write: %w", err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return response{}, fmt.Errorf("read: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("read body: %w", err)
	}
	return response{Status: resp.StatusCode, Close: resp.Close, Body: body}, nil
}

func getRequest(path string, keepAlive bool) string {
	conn := "keep-alive"
	if !keepAlive {
		conn = "close"
	}
	return "GET " + path + " HTTP/1.1\r\nHost: api\r\nUser-Agent: webstack-imagetest\r\nConnection: " + conn + "\r\n\r\n"
}

// get sends one GET on a new connection.
func (d nsDialer) get(path string) (response, error) {
	conn, err := d.dial()
	if err != nil {
		return response{}, err
	}
	defer conn.Close()
	return roundTrip(conn, bufio.NewReader(conn), getRequest(path, false))
}

// loadClient sends GETs from several workers, each keeping its connection while the server
// allows (as a load balancer does), until stop is closed. Every request that does not end in 200
// is a failure: nothing is retried.
type loadClient struct {
	dialer  nsDialer
	path    string
	workers int
	pause   time.Duration // between one worker's requests: bounds the load
	max     int           // requests per worker at most: bounds the run

	mu         sync.Mutex
	ok         int
	reused     int // requests sent on a connection that had served one before
	idleClosed int // connections the server closed while idle, noticed before sending
	failures   []failure
}

type failure struct {
	At  time.Time
	Msg string
}

func (c *loadClient) run(stop <-chan struct{}) {
	var wg sync.WaitGroup
	for range c.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.worker(stop)
		}()
	}
	wg.Wait()
}

func (c *loadClient) worker(stop <-chan struct{}) {
	var conn net.Conn
	var br *bufio.Reader
	served := 0 // requests answered on conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for range c.max {
		select {
		case <-stop:
			return
		default:
		}
		if conn != nil && served > 0 && peerClosed(conn, br) {
			conn.Close()
			conn = nil
			c.mu.Lock()
			c.idleClosed++
			c.mu.Unlock()
		}
		if conn == nil {
			var err error
			if conn, err = c.dialer.dial(); err != nil {
				c.fail("connect", err)
				conn = nil
				time.Sleep(c.pause)
				continue
			}
			br, served = bufio.NewReader(conn), 0
		}
		resp, err := roundTrip(conn, br, getRequest(c.path, true))
		switch {
		case err != nil:
			c.fail(fmt.Sprintf("request %d on its connection", served+1), err)
		case resp.Status != http.StatusOK:
			c.fail("status", fmt.Errorf("%d %s", resp.Status, strings.TrimSpace(string(resp.Body))))
		default:
			c.mu.Lock()
			c.ok++
			if served > 0 {
				c.reused++
			}
			c.mu.Unlock()
		}
		served++
		if err != nil || resp.Close {
			conn.Close()
			conn = nil
		}
		time.Sleep(c.pause)
	}
}

func (c *loadClient) fail(what string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures = append(c.failures, failure{time.Now(), fmt.Sprintf("%s: %v", what, err)})
}

// peerClosed reports whether an idle connection is no longer usable: the server's FIN or RST (or
// anything else unasked for) has already arrived.
func peerClosed(conn net.Conn, br *bufio.Reader) bool {
	conn.SetReadDeadline(time.Now().Add(time.Millisecond))
	_, err := br.Peek(1)
	conn.SetReadDeadline(time.Time{})
	var ne net.Error
	return !errors.As(err, &ne) || !ne.Timeout()
}
