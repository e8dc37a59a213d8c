package main

import (
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// logFlushInterval bounds how long a log line waits in a buffer. It is also the most a
	// process killed without warning (SIGKILL, out of memory) can lose.
	logFlushInterval = 100 * time.Millisecond
	// logShardSize is how much one buffer gathers before the request that fills it writes it
	// out: one write system call per ~60 access lines instead of one per request.
	logShardSize = 16 << 10
	// logShardKeep bounds the buffer a shard keeps after writing out a batch that grew it
	// (a line can be as long as a 1 MB request path).
	logShardKeep = 4 * logShardSize
)

// logWriter batches access-log lines into one write per 16 KiB or per flush interval,
// whichever comes first, instead of one write system call per request: writing every line
// straight to stdout costs more than serving the request does.
//
// The batches are per CPU, not shared. Lines go into a shard taken from a sync.Pool, which
// hands each P (the runtime's CPU slot) its own; a single shared buffer, even one guarded by
// an uncontended mutex, made every request move the lock's and the buffer's cache lines
// between CPUs: per-CPU batches gave the whole server about 3 % more throughput on two CPUs
// (1–7 % in four paired runs; README, "Performance"). The price is order: batches from
// different CPUs reach the output in the order they fill or are flushed, so two lines written
// within one flush interval on different CPUs can appear swapped, by at most the interval.
// Every line has its own time field, and log stores order by it. Each line is written whole,
// never interleaved.
//
// Lines that must appear at once (startup, errors, shutdown) go through Unbuffered, after
// everything buffered before them. Close writes out everything buffered; a line written
// after Close is written at once.
type logWriter struct {
	out   io.Writer
	outMu sync.Mutex // one batch at a time on out
	err   error      // out's last write error, guarded by outMu

	local sync.Pool // *shardRef: this P's shard

	shardsMu sync.Mutex
	shards   []*logShard // every shard made: what the flusher visits
	free     []*logShard // shards no shardRef points to any more, to hand out again

	closed atomic.Bool
	stop   chan struct{}
	done   chan struct{}
}

// logShard is one CPU's batch. The padding keeps two shards' hot fields off one cache line.
type logShard struct {
	mu  sync.Mutex
	buf []byte
	_   [64]byte
}

// shardRef is what the pool holds. The pool drops what it holds at garbage collection; when a
// dropped shardRef is collected, its shard goes back on the free list (runtime.AddCleanup),
// so the number of shards stays that of the Ps that log, not of the collections so far.
type shardRef struct{ shard *logShard }

func newLogWriter(w io.Writer) *logWriter {
	l := &logWriter{out: w, stop: make(chan struct{}), done: make(chan struct{})}
	l.local.New = l.newShardRef
	go l.flushEvery(logFlushInterval)
	return l
}

func (l *logWriter) newShardRef() any {
	l.shardsMu.Lock()
	var s *logShard
	if n := len(l.free); n > 0 {
		s, l.free = l.free[n-1], l.free[:n-1]
	} else {
		s = &logShard{buf: make([]byte, 0, logShardSize)}
		l.shards = append(l.shards, s)
	}
	l.shardsMu.Unlock()
	ref := &shardRef{shard: s}
	runtime.AddCleanup(ref, l.release, s)
	return ref
}

// release returns a shard to the free list; its buffered lines stay where the flusher finds them.
func (l *logWriter) release(s *logShard) {
	l.shardsMu.Lock()
	l.free = append(l.free, s)
	l.shardsMu.Unlock()
}

// Write takes one complete line (the access log writes each line in one call) and copies it
// into this CPU's batch; the request that fills the batch writes it out.
func (l *logWriter) Write(p []byte) (int, error) {
	ref := l.local.Get().(*shardRef)
	s := ref.shard
	s.mu.Lock()
	if l.closed.Load() { // Close has flushed, or is flushing, this shard
		s.mu.Unlock()
		l.local.Put(ref)
		l.writeOut(p)
		return len(p), nil
	}
	s.buf = append(s.buf, p...)
	if len(s.buf) >= logShardSize {
		l.flushShard(s)
	}
	s.mu.Unlock()
	l.local.Put(ref)
	return len(p), nil
}

// Unbuffered is the writer for lines that should not wait for a batch: startup, errors,
// shutdown. Each Write first writes out every batch, so lines buffered before it appear
// before it, then writes its line, whole.
func (l *logWriter) Unbuffered() io.Writer { return unbufferedLog{l} }

type unbufferedLog struct{ l *logWriter }

func (u unbufferedLog) Write(p []byte) (int, error) {
	u.l.flushAll()
	u.l.writeOut(p)
	return len(p), nil
}

// flushShard writes out s's batch; s.mu must be held.
func (l *logWriter) flushShard(s *logShard) {
	if len(s.buf) == 0 {
		return
	}
	l.writeOut(s.buf)
	if cap(s.buf) > logShardKeep {
		s.buf = make([]byte, 0, logShardSize)
	} else {
		s.buf = s.buf[:0]
	}
}

func (l *logWriter) writeOut(p []byte) {
	l.outMu.Lock()
	if _, err := l.out.Write(p); err != nil {
		l.err = err
	}
	l.outMu.Unlock()
}

func (l *logWriter) flushAll() {
	l.shardsMu.Lock()
	shards := l.shards[:len(l.shards):len(l.shards)]
	l.shardsMu.Unlock()
	for _, s := range shards {
		s.mu.Lock()
		l.flushShard(s)
		s.mu.Unlock()
	}
}

func (l *logWriter) flushEvery(d time.Duration) {
	defer close(l.done)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			l.flushAll()
		case <-l.stop:
			// closed is set: a Write that takes a shard's lock after this pass writes directly.
			l.flushAll()
			return
		}
	}
}

// Close writes out every buffered line and reports the output's last write error. Lines
// written afterwards go straight to the output.
func (l *logWriter) Close() error {
	if l.closed.Swap(true) {
		return l.lastErr()
	}
	close(l.stop)
	<-l.done
	return l.lastErr()
}

func (l *logWriter) lastErr() error {
	l.outMu.Lock()
	defer l.outMu.Unlock()
	return l.err
}
