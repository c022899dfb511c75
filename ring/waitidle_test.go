//go:build unix

package ring

import (
	"syscall"
	"testing"
	"time"
)

// BenchmarkWaitIdle measures what a consumer costs while nothing arrives: the processor time the process uses
// per second of waiting (cpu-s/s; 1 is a whole core), for each way of waiting in bench_test.go. "none" has no
// consumer at all: the floor, which is the benchmark's own sleeping. Each op is 1 ms of idleness.
func BenchmarkWaitIdle(b *testing.B) {
	b.Run("none", func(b *testing.B) {
		cpu0 := processCPU()
		for b.Loop() {
			time.Sleep(time.Millisecond)
		}
		b.ReportMetric((processCPU()-cpu0)/b.Elapsed().Seconds(), "cpu-s/s")
	})
	for _, s := range strategies {
		b.Run(s.name, func(b *testing.B) {
			s.use(b)
			p, c, _ := NewSPSC[int64](1024)
			done := make(chan struct{})
			go func() {
				defer close(done)
				for {
					_, err := c.Pop()
					switch {
					case err == ErrClosed:
						return
					case err == nil:
					case s.spins >= 0:
						c.Wait(1, -1)
					default:
						s.idle()
					}
				}
			}()
			time.Sleep(time.Millisecond) // let it settle into waiting
			cpu0 := processCPU()
			b.ResetTimer()
			for b.Loop() {
				time.Sleep(time.Millisecond)
			}
			b.StopTimer()
			used := processCPU() - cpu0
			p.Close()
			<-done
			b.ReportMetric(used/b.Elapsed().Seconds(), "cpu-s/s")
		})
	}
}

// processCPU returns the processor time (user and system) the process has used, in seconds.
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
