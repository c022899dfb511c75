package webhook_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/levelmeter/levelmeter/webhook"
)

// A daemon makes one Notifier from its configured receivers, enqueues each alarm's start and end from its
// reporter goroutine, registers the Notifier with its Prometheus registry, and closes it on shutdown.
func ExampleNew() {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Printf("%s %s\n", r.Header.Get("Authorization"), body)
	}))
	defer receiver.Close()

	n, err := webhook.New([]webhook.Target{{
		Name:    "ops",
		URL:     receiver.URL + "/alarms",
		Headers: map[string]string{"Authorization": "Bearer t0ken"},
	}}, webhook.Options{Version: "v1.4.0", Host: "meter1"})
	if err != nil {
		fmt.Println(err)
		return
	}
	// prometheus.MustRegister(n)

	n.Enqueue(webhook.Event{
		Source: "studio", Alarm: "silence", State: webhook.Start,
		Time:  time.Date(2026, 11, 29, 19, 10, 41, 123e6, time.UTC),
		Value: -78.5, Threshold: -60, Channel: webhook.NoChannel,
	})

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := n.Close(ctx); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("%+v\n", n.Stats())
	// Output:
	// Bearer t0ken {"source":"studio","alarm":"silence","state":"start","time":"2026-11-29T19:10:41.123Z","values":{"value":-78.5,"threshold":-60},"host":"meter1","version":"v1.4.0","seq":1}
	// [{Name:ops Sent:1 Failed:0 Dropped:0 Retried:0 Queued:0}]
}
