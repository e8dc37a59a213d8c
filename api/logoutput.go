package main

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
)

// run is the writer goroutine: the only one that writes to the output until Close.
func (l *logWriter) run() {
	defer close(l.done)
	t := time.NewTicker(logFlushInterval)
	defer t.Stop()
	for {
		select {
		case b := <-l.queue:
			l.write(b)
		case <-t.C:
			l.flush()
		case <-l.stop:
			// closed is set: no line enters a shard any more (a Write that takes a shard's
			// lock from now on writes directly, once this goroutine is done).
			l.flush()
			for len(l.queue) > 0 {
				l.write(<-l.queue)
			}
			return
		}
	}
}

// flush is the writer goroutine's own pass (each flush interval, and at Close): it takes each
// shard's batch and writes it out itself, after everything queued before it, so no line is
// dropped for want of room in the queue the writer itself empties.
func (l *logWriter) flush() {
	for _, s := range l.allShards() {
		s.mu.Lock()
		b := s.buf
		if len(b) > 0 {
			s.buf = l.spareBuffer()
		}
		s.mu.Unlock()
		if len(b) == 0 {
			continue
		}
		for len(l.queue) > 0 {
			l.write(<-l.queue)
		}
		l.write(b)
	}
}

// write writes one batch and, once the output has taken it, reports the lines dropped while
// it was stuck; then the buffer goes back for reuse.
func (l *logWriter) write(b []byte) {
	l.outMu.Lock()
	l.writingSince.Store(time.Now().UnixNano())
	_, err := l.out.Write(b)
	l.writingSince.Store(0)
	if err != nil {
		l.err = err
	} else if n := l.dropped.Swap(0); n > 0 {
		if _, err := l.out.Write(droppedRecord(time.Now(), n)); err != nil {
			l.err = err
			l.dropped.Add(n) // not reported: try again after the next write
		}
	}
	l.outMu.Unlock()
	if cap(b) > logShardMax {
		return
	}
	select {
	case l.spare <- b[:0]:
	default:
	}
}

// droppedRecord is the warning written once the output moves again, in the format of every
// other record (slog's JSON handler).
func droppedRecord(t time.Time, n int64) []byte {
	b := []byte(`{"time":"`)
	b = t.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"WARN","msg":"log lines dropped: the log output was not taking writes","dropped":`...)
	b = strconv.AppendInt(b, n, 10)
	return append(b, "}\n"...)
}

// writeAfterClose writes p at once if the writer goroutine has finished; if Close gave up on
// a stuck output, p is dropped and counted, so no caller waits on it.
func (l *logWriter) writeAfterClose(p []byte) {
	select {
	case <-l.done:
		l.outMu.Lock()
		if _, err := l.out.Write(p); err != nil {
			l.err = err
		}
		l.outMu.Unlock()
	default:
		l.dropped.Add(int64(bytes.Count(p, newline)))
	}
}

// Close writes out every buffered line and reports the output's last write error. If the
// output does not take them within logCloseTimeout, Close returns an error saying how many
// lines were dropped; the writer goroutine is left blocked in the output's Write. Lines
// written after Close go straight to the output.
func (l *logWriter) Close() error {
	if !l.closed.Swap(true) {
		close(l.stop)
	}
	select {
	case <-l.done:
	case <-time.After(logCloseTimeout):
		return fmt.Errorf("log output took no writes for %s: buffered lines lost, %d lines dropped", logCloseTimeout, l.dropped.Load())
	}
	l.outMu.Lock()
	defer l.outMu.Unlock()
	return l.err
}
