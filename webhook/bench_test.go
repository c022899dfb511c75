package webhook

import (
	"testing"
	"time"
)

// BenchmarkEnqueue measures Enqueue to one receiver whose queue is full (the worst case: every call drops the
// oldest event), beside BenchmarkChannelSend, a non-blocking send on a buffered channel as a baseline.
func BenchmarkEnqueue(b *testing.B) {
	r := newReceiver(b, 0)
	n, err := New([]Target{{URL: r.URL, Queue: 64, Timeout: time.Minute}}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	ev := evEnd
	b.ReportAllocs()
	for b.Loop() {
		n.Enqueue(ev)
	}
	b.StopTimer()
	close(r.release)
	_ = closeWithin(b, n, 5*time.Second)
}

func BenchmarkChannelSend(b *testing.B) {
	ch := make(chan Event, 64)
	ev := evEnd
	b.ReportAllocs()
	for b.Loop() {
		select {
		case ch <- ev:
		default:
			<-ch
		}
	}
}
