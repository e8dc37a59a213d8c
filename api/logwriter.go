package main

import (
	"io"
	"sync"
	"time"
)

const (
	// logFlushInterval bounds how long a log line waits in the buffer. It is also the most a
	// process killed without warning (SIGKILL, out of memory) can lose.
	logFlushInterval = 100 * time.Millisecond
	// logFlushSize wakes the flusher early once this much is waiting.
	logFlushSize = 64 << 10
	// logMaxPending bounds the memory lines can take when the output is slower than the
	// requests: beyond it, Write waits for the flusher (backpressure, as a plain write would).
	logMaxPending = 1 << 20
)

// logWriter batches log lines into one write per flush interval (or per 64 KiB) instead of
// one write system call per request: writing every access-log line straight to stdout
// costs more than serving the request does. Only its own goroutine writes to the output,
// so a request logging a line only appends to a buffer: it never waits on a pipe that the
// log reader has not drained, and never holds up other requests while one does. Close
// flushes what is left.
type logWriter struct {
	out     io.Writer
	mu      sync.Mutex
	drained sync.Cond // signalled when the flusher takes the pending lines
	pending []byte    // lines waiting for the flusher, guarded by mu
	spare   []byte    // the flusher's other buffer, swapped with pending
	kick    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	err     error // the output's last error, owned by the flusher until done is closed
}

func newLogWriter(w io.Writer) *logWriter {
	l := &logWriter{
		out:     w,
		pending: make([]byte, 0, logFlushSize),
		spare:   make([]byte, 0, logFlushSize),
		kick:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	l.drained.L = &l.mu
	go l.flushEvery(logFlushInterval)
	return l
}

// Write takes one complete log line (slog's JSON handler and the access log write each line
// in one call) and copies it; it never writes to the output itself.
func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	for len(l.pending) >= logMaxPending {
		l.drained.Wait()
	}
	l.pending = append(l.pending, p...)
	full := len(l.pending) >= logFlushSize
	l.mu.Unlock()
	if full {
		select {
		case l.kick <- struct{}{}:
		default: // the flusher is already due
		}
	}
	return len(p), nil
}

// flush hands what is pending to the output, outside the lock. Only the flusher goroutine
// calls it, so lines reach the output in the order they were written.
func (l *logWriter) flush() {
	l.mu.Lock()
	lines := l.pending
	l.pending = l.spare[:0]
	l.drained.Broadcast()
	l.mu.Unlock()
	if len(lines) > 0 {
		if _, err := l.out.Write(lines); err != nil {
			l.err = err
		}
	}
	l.spare = lines[:0]
}

func (l *logWriter) flushEvery(d time.Duration) {
	defer close(l.done)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-l.kick:
		case <-l.stop:
			l.flush()
			return
		}
		l.flush()
	}
}

// Close stops the background flushing after writing out everything pending, and reports
// the output's last write error.
func (l *logWriter) Close() error {
	close(l.stop)
	<-l.done
	return l.err
}
