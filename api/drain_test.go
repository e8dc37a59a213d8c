package main

import (
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDrainKeepsKeepAliveConnectionsServing goes through a drain as an ALB does: clients
// that never retry, busy ones sending request after request on keep-alive connections and
// idle pooled connections used again during the drain delay. Every request must be answered;
// each answer during the drain says Connection: close, so the next request opens a new
// connection (which a load balancer that has stopped routing here sends elsewhere).
func TestDrainKeepsKeepAliveConnectionsServing(t *testing.T) {
	// Everything below happens within the drain delay, well before Shutdown closes what is
	// idle (by then the load balancer has stopped sending here); checked at the end.
	const drain = 6 * time.Second
	s := startRun(t, map[string]string{"DRAIN_DELAY": drain.String(), "SHUTDOWN_TIMEOUT": "5s"})
	addr := serverAddr(s)

	const idleConns, busyClients = 200, 32
	idle := make([]*rawConn, idleConns)
	for i := range idle {
		idle[i] = dialRaw(t, addr)
		if resp, _, err := idle[i].do(get("/healthz"), 5*time.Second); err != nil || resp.StatusCode != 200 || resp.Close {
			t.Fatalf("idle connection %d: first request: %v %v", i, resp, err)
		}
	}

	var ok, failed, closedWhileDraining atomic.Int64
	var draining atomic.Bool
	stop := make(chan struct{})
	var busy sync.WaitGroup
	for range busyClients {
		busy.Go(func() {
			rc := dialRaw(t, addr)
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, _, err := rc.do(get("/v1/info"), 5*time.Second)
				if err != nil || resp.StatusCode != 200 {
					failed.Add(1)
					t.Errorf("busy client: %v %v (draining %v)", resp, err, draining.Load())
					return
				}
				ok.Add(1)
				if resp.Close { // as told: the next request on a new connection
					if draining.Load() {
						closedWhileDraining.Add(1)
					}
					rc.c.Close()
					rc = dialRaw(t, addr)
				}
			}
		})
	}

	time.Sleep(200 * time.Millisecond)
	sigterm := time.Now()
	s.stop()
	for getStatusRaw(t, addr, "/readyz") != http.StatusServiceUnavailable {
		time.Sleep(5 * time.Millisecond)
	}
	draining.Store(true)
	time.AfterFunc(2*time.Second, func() { close(stop) }) // the load balancer stops sending here
	time.Sleep(300 * time.Millisecond)                    // the old drain had closed every idle connection by now

	// Every idle pooled connection, used again during the drain delay, is still served, and
	// told to close; the server closes it after that answer.
	var idleFailed atomic.Int64
	var users sync.WaitGroup
	for i, rc := range idle {
		users.Go(func() {
			resp, _, err := rc.do(get("/healthz"), 5*time.Second)
			switch {
			case err != nil:
				if idleFailed.Add(1) <= 3 {
					t.Errorf("idle connection %d used during the drain: %v", i, err)
				}
				return
			case resp.StatusCode != 200 || !resp.Close:
				t.Errorf("idle connection %d during the drain: %s, Connection: close %v; want 200 and close", i, resp.Status, resp.Close)
			}
			rc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := rc.br.ReadByte(); !errors.Is(err, io.EOF) {
				t.Errorf("idle connection %d after its Connection: close answer: %v, want EOF", i, err)
			}
		})
	}
	users.Wait()
	busy.Wait()
	if took := time.Since(sigterm); took > drain-500*time.Millisecond {
		t.Fatalf("the requests took %s after SIGTERM, too close to the %s drain delay for this test to mean anything", took, drain)
	}
	if n := idleFailed.Load(); n > 0 {
		t.Errorf("%d of %d idle keep-alive connections failed their request during the drain delay", n, idleConns)
	}
	s.logs.waitFor(t, "shutting down")
	<-s.done
	if s.err != nil {
		t.Errorf("run = %v, want a clean drain", s.err)
	}
	t.Logf("busy requests ok=%d failed=%d, closed while draining=%d", ok.Load(), failed.Load(), closedWhileDraining.Load())
	if closedWhileDraining.Load() == 0 {
		t.Error("no busy client was told Connection: close during the drain")
	}
}

// getStatusRaw GETs path on a new connection of its own.
func getStatusRaw(t *testing.T, addr, path string) int {
	t.Helper()
	resp, _, err := dialRaw(t, addr).do("GET "+path+" HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n", 5*time.Second)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode
}

// TestIdleTimeoutClosesIdleConnections: IDLE_TIMEOUT reaches the server; an idle keep-alive
// connection is closed by the server once it has passed, and not before.
func TestIdleTimeoutClosesIdleConnections(t *testing.T) {
	s := startRun(t, map[string]string{"DRAIN_DELAY": "0s", "IDLE_TIMEOUT": "1s"})
	rc := dialRaw(t, serverAddr(s))
	if resp, _, err := rc.do(get("/healthz"), 5*time.Second); err != nil || resp.Close {
		t.Fatalf("first request: %v %v", resp, err)
	}
	idleSince := time.Now()
	rc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := rc.br.ReadByte()
	if !errors.Is(err, io.EOF) {
		t.Fatalf("idle connection: %v, want the server to close it", err)
	}
	if idle := time.Since(idleSince); idle < 900*time.Millisecond || idle > 3*time.Second {
		t.Errorf("server closed the idle connection after %s, want about IDLE_TIMEOUT=1s", idle)
	}
}
