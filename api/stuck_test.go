package main

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stuckOutput passes writes through until stick is called; from then on every write blocks
// until the test ends, like a stdout pipe nobody reads any more.
type stuckOutput struct {
	w       io.Writer
	stuck   atomic.Bool
	blocked atomic.Int64 // writes blocked so far
	release chan struct{}
}

func (o *stuckOutput) Write(p []byte) (int, error) {
	if o.stuck.Load() {
		o.blocked.Add(1)
		<-o.release
		return 0, errors.New("test over")
	}
	return o.w.Write(p)
}

// TestStuckLogOutputHoldsUpNoRequest: with stdout stuck for good, the server keeps answering
// every request (before, a request that filled a log batch hung, and each hung request held
// a new batch: memory and connections grew without bound), /healthz stays 200 because the
// server is serving, and a stop still drains and returns.
func TestStuckLogOutputHoldsUpNoRequest(t *testing.T) {
	out := &stuckOutput{release: make(chan struct{})}
	s := startRunWithStdout(t, map[string]string{"DRAIN_DELAY": "0s"}, func(w io.Writer) io.Writer {
		out.w = w
		return out
	})
	t.Cleanup(func() { close(out.release) }) // runs first: frees the writer stuck in Write
	out.stick()

	const clients, each = 16, 600 // ~2.5 MB of access lines, far past every buffer
	var answered, failed atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			rc := dialRaw(t, serverAddr(s))
			for range each {
				resp, _, err := rc.do(get("/v1/info?pad="+strings.Repeat("p", 1000)), 5*time.Second)
				if err != nil || resp.StatusCode != 200 {
					if failed.Add(1) <= 3 {
						t.Errorf("request with stdout stuck: %v %v", resp, err)
					}
					return
				}
				answered.Add(1)
			}
		})
	}
	wg.Wait()
	if out.blocked.Load() == 0 {
		t.Fatal("the output never blocked a write: the test did not test a stuck output")
	}
	if failed.Load() != 0 {
		t.Fatalf("%d of %d clients stopped getting answers with stdout stuck (%d answered)", failed.Load(), clients, answered.Load())
	}
	if got := getStatusRaw(t, serverAddr(s), "/healthz"); got != 200 {
		t.Errorf("/healthz with stdout stuck = %d, want 200: the server is answering", got)
	}

	s.stop()
	select {
	case <-s.done:
	case <-time.After(logCloseTimeout + 10*time.Second):
		t.Fatal("run did not return after stop with stdout stuck")
	}
	if s.err != nil {
		t.Errorf("run = %v, want a clean drain", s.err)
	}
}

func (o *stuckOutput) stick() { o.stuck.Store(true) }

// TestHealthcheckFailsWhenRequestsAreNotAnswered: what makes a wedged process unhealthy is
// the container health check's own request: if the server accepts connections but does not
// answer, `api healthcheck` fails within its timeout, and ECS replaces the task.
func TestHealthcheckFailsWhenRequestsAreNotAnswered(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // accepts, reads, never answers
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go io.Copy(io.Discard, c)
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	began := time.Now()
	err = run(context.Background(), []string{"api", "healthcheck"},
		func(k string) string { return map[string]string{"PORT": strconv.Itoa(port)}[k] }, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("healthcheck against a server that does not answer = nil, want an error")
	}
	if took := time.Since(began); took > healthcheckTimeout+time.Second {
		t.Errorf("healthcheck took %s, want its %s timeout", took, healthcheckTimeout)
	}
}
