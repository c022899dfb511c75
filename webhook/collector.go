package webhook

import "github.com/prometheus/client_golang/prometheus"

var (
	descSent    = prometheus.NewDesc("levelmeter_webhook_events_sent_total", "Alarm events the webhook receiver accepted (2xx).", []string{"webhook"}, nil)
	descFailed  = prometheus.NewDesc("levelmeter_webhook_events_failed_total", "Alarm events given up after the last retry or a status that retrying cannot fix.", []string{"webhook"}, nil)
	descDropped = prometheus.NewDesc("levelmeter_webhook_events_dropped_total", "Alarm events dropped because the receiver's queue was full (the oldest go) or shutdown came first.", []string{"webhook"}, nil)
	descRetried = prometheus.NewDesc("levelmeter_webhook_retries_total", "Requests repeated after a network error, a timeout, 408, 429 or 5xx.", []string{"webhook"}, nil)
	descQueued  = prometheus.NewDesc("levelmeter_webhook_queue_length", "Alarm events waiting to be sent to the receiver.", []string{"webhook"}, nil)
)

// Describe implements prometheus.Collector.
func (n *Notifier) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSent, descFailed, descDropped, descRetried, descQueued} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: one series per metric and target, labelled with the target's name.
func (n *Notifier) Collect(ch chan<- prometheus.Metric) {
	for _, s := range n.Stats() {
		ch <- prometheus.MustNewConstMetric(descSent, prometheus.CounterValue, float64(s.Sent), s.Name)
		ch <- prometheus.MustNewConstMetric(descFailed, prometheus.CounterValue, float64(s.Failed), s.Name)
		ch <- prometheus.MustNewConstMetric(descDropped, prometheus.CounterValue, float64(s.Dropped), s.Name)
		ch <- prometheus.MustNewConstMetric(descRetried, prometheus.CounterValue, float64(s.Retried), s.Name)
		ch <- prometheus.MustNewConstMetric(descQueued, prometheus.GaugeValue, float64(s.Queued), s.Name)
	}
}
