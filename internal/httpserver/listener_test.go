package httpserver

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestFullServerMakesRoom: with every connection slot taken by idle keep-alive or slowloris connections, a new
// client is served long before IdleTimeout or ReadHeaderTimeout would have freed a slot; with every slot taken
// by a running request, it waits for one to end.
func TestFullServerMakesRoom(t *testing.T) {
	const slots = 4
	for _, tc := range []struct {
		name    string
		occupy  func(t *testing.T, c net.Conn)
		maxWait time.Duration
	}{
		{"idle", func(t *testing.T, c net.Conn) {
			fmt.Fprintf(c, "GET /fast HTTP/1.1\r\nHost: localhost\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}, time.Second},
		{"slowloris", func(t *testing.T, c net.Conn) {
			fmt.Fprintf(c, "GET /fast HTTP/1.1\r\nHost: localhost\r\n")
		}, staleAfter + 2*time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("/fast", func(w http.ResponseWriter, r *http.Request) {})
			s, base := start(t, Options{Handler: mux, MaxConnections: slots, IdleTimeout: time.Minute, ReadHeaderTimeout: time.Minute})
			addr := strings.TrimPrefix(base, "http://")
			for range slots {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				tc.occupy(t, c)
			}
			deadline := time.Now().Add(5 * time.Second)
			for s.OpenConnections() < slots && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			start := time.Now()
			c := &http.Client{Timeout: 30 * time.Second}
			resp, err := c.Get(base + "/fast")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if took := time.Since(start); took > tc.maxWait {
				t.Errorf("a new client waited %v with every slot %s, want under %v", took, tc.name, tc.maxWait)
			}
			if n := s.OpenConnections(); n > slots {
				t.Errorf("%d connections open, over the limit of %d", n, slots)
			}
		})
	}

	t.Run("busy", func(t *testing.T) {
		release := make(chan struct{})
		mux := http.NewServeMux()
		mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) { <-release })
		mux.HandleFunc("/fast", func(w http.ResponseWriter, r *http.Request) {})
		_, base := start(t, Options{Handler: mux, MaxConnections: slots, MaxRequests: -1})
		c := &http.Client{Timeout: 30 * time.Second}
		done := make(chan struct{}, slots)
		for range slots {
			go func() {
				if resp, err := c.Get(base + "/slow"); err == nil {
					resp.Body.Close()
				}
				done <- struct{}{}
			}()
		}
		time.Sleep(300 * time.Millisecond)
		got := make(chan error, 1)
		go func() {
			resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(base + "/fast")
			if err == nil {
				resp.Body.Close()
			}
			got <- err
		}()
		select {
		case err := <-got:
			t.Fatalf("a fifth client was served (%v) while four requests held every slot", err)
		case <-time.After(1500 * time.Millisecond):
		}
		close(release)
		if err := <-got; err != nil {
			t.Fatal(err)
		}
		for range slots {
			<-done
		}
	})
}
