package daemon

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/levelmeter/levelmeter/alarm"
	"github.com/levelmeter/levelmeter/pipeline"
	"github.com/levelmeter/levelmeter/webhook"
)

// webhookCloseTimeout bounds how long a stopping daemon waits for its webhooks to send what is queued: an alarm
// that ends at shutdown should reach its receivers, but a receiver that hangs must not hold the daemon.
const webhookCloseTimeout = 5 * time.Second

// webhooks hands every alarm event to the notifier. Enqueue neither blocks nor allocates, so a receiver that
// hangs holds up neither the reporter goroutine nor the audio path.
type webhooks struct {
	n *webhook.Notifier
}

func (w *webhooks) Report(r *pipeline.Report) {
	for i := range r.Events() {
		w.n.Enqueue(webhookEvent(r.Source, &r.Alarms[i]))
	}
}

// Close sends what is queued, for at most webhookCloseTimeout.
func (w *webhooks) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), webhookCloseTimeout)
	defer cancel()
	return w.n.Close(ctx)
}

// webhookEvent maps an alarm event of source to a webhook event.
func webhookEvent(source string, ev *alarm.Event) webhook.Event {
	we := webhook.Event{
		Source:    source,
		Alarm:     ev.Kind.String(),
		State:     webhook.Start,
		Time:      ev.Wall,
		Value:     ev.Value,
		Threshold: ev.Threshold,
		Channel:   webhook.NoChannel,
	}
	if ev.Channel >= 0 {
		we.Channel = ev.Channel
	}
	if ev.State == alarm.End {
		we.State, we.Duration, we.Stopped = webhook.End, ev.Duration, ev.Stopped
	}
	return we
}

// resetPath is where the since-start values are reset.
const resetPath = "/api/reset"

// resetHandler serves POST /api/reset[?source=NAME]: it resets the since-start values (integrated loudness,
// loudness range, maxima) of the named source, or of every source. It refuses other methods (405) and requests
// from another origin (403: a page elsewhere must not reset a meter through the operator's browser).
func (d *Daemon) resetHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "use POST to reset", http.StatusMethodNotAllowed)
			return
		}
		if !sameOrigin(r) {
			http.Error(w, "cross-origin request refused", http.StatusForbidden)
			return
		}
		source := r.URL.Query().Get("source")
		if !d.pipe.Reset(source) {
			http.Error(w, "no source named "+source, http.StatusNotFound)
			return
		}
		names := []string{source}
		if source == "" {
			names = d.pipe.Sources()
		}
		d.log.Info().Strs("sources", names).Str("remote", r.RemoteAddr).Msg("since-start values reset")
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string][]string{"reset": names})
	})
}

// sameOrigin reports whether r comes from a page of this server or from no page at all (curl, levelmeter
// reset). Browsers send Sec-Fetch-Site; older ones at least Origin on a cross-origin POST.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}
