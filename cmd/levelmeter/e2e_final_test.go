package main

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/levelmeter/levelmeter/web"
)

// TestE2EFinalReportReachesClients: when the daemon's only source (a file replayed once) ends, the daemon stops,
// and every one of 100 event-stream clients has received the source's final report before its stream ends (the
// page then shows the file's integrated loudness and "stopped"). Closing the web server used to end a stream
// with the final report still queued for about one client in 500.
func TestE2EFinalReportReachesClients(t *testing.T) {
	t.Parallel()
	d := startE2E(t, "--source", "wav:"+abs(t, "../../testdata/sine-s16-stereo.wav"), "--pace", "realtime")
	const clients = 100
	finals := make([]bool, clients)
	var wg sync.WaitGroup
	var ready sync.WaitGroup
	ready.Add(clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(d.url("/events"))
			if err != nil {
				ready.Done()
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			ready.Done()
			er := web.NewEventReader(resp.Body)
			for {
				ev, err := er.Next()
				if err != nil {
					return
				}
				var u web.Update
				if ev.Name == "report" && json.Unmarshal(ev.Data, &u) == nil && u.Final {
					finals[i] = true
				}
			}
		}()
	}
	ready.Wait()
	select {
	case d.code = <-d.done:
		d.stopped = true
	case <-time.After(20 * time.Second):
		t.Fatal("the daemon did not stop at the end of its only file")
	}
	wg.Wait()
	for i, f := range finals {
		if !f {
			t.Errorf("client %d: the stream ended without the final report", i)
		}
	}
}
