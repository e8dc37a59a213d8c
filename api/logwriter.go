package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// logFlushInterval bounds how long a log line waits in the buffer. It is also the most a
// process killed without warning (SIGKILL, out of memory) can lose.
const logFlushInterval = 100 * time.Millisecond

// logWriter batches log lines into one write per flush interval (or per 64 KiB) instead of
// one write system call per request: writing every access-log line straight to stdout
// costs more than serving the request does. Close flushes what is left.
type logWriter struct {
	mu   sync.Mutex
	buf  *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

func newLogWriter(w io.Writer) *logWriter {
	l := &logWriter{buf: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go l.flushEvery(logFlushInterval)
	return l
}

// Write takes one complete log line; slog's JSON handler writes each record in one call.
func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logWriter) flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Flush()
}

func (l *logWriter) flushEvery(d time.Duration) {
	defer close(l.done)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			l.flush()
		case <-l.stop:
			return
		}
	}
}

// Close stops the background flushing and writes out everything buffered.
func (l *logWriter) Close() error {
	close(l.stop)
	<-l.done
	return l.flush()
}
