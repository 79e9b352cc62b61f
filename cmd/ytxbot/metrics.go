package main

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ytxbot/ytxbot/ytx"
)

// metrics are recorded at the edges: HTTP middleware and the YTX client's
// observer. The core never imports a metrics library.
type metrics struct {
	reg         *prometheus.Registry
	httpReqs    *prometheus.CounterVec
	httpLatency *prometheus.HistogramVec
	ytxReqs     *prometheus.CounterVec
	ytxLatency  *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		httpReqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ytxbot_http_requests_total", Help: "HTTP requests served, by route and status code.",
		}, []string{"route", "code"}),
		httpLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ytxbot_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		ytxReqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ytxbot_ytx_requests_total", Help: "Requests to YTX, by action and result (statusCode, or transport/outcome_unknown).",
		}, []string{"action", "result"}),
		ytxLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ytxbot_ytx_request_duration_seconds", Help: "Round trip of a YTX request, by action.",
			Buckets: prometheus.DefBuckets,
		}, []string{"action"}),
	}
	m.reg.MustRegister(m.httpReqs, m.httpLatency, m.ytxReqs, m.ytxLatency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// trackMeetings exports the number of open meetings being tracked.
func (m *metrics) trackMeetings(n func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "ytxbot_meetings_tracked", Help: "Open meetings the poller found at its last round.",
	}, func() float64 { return float64(n()) }))
}

func (m *metrics) observeYTX(o ytx.Observation) {
	result := o.StatusCode
	switch {
	case errors.Is(o.Err, ytx.ErrOutcomeUnknown):
		result = "outcome_unknown"
	case result == "" && o.Err != nil:
		result = "transport"
	}
	m.ytxReqs.WithLabelValues(o.Action, result).Inc()
	m.ytxLatency.WithLabelValues(o.Action).Observe(o.Duration.Seconds())
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// instrument counts and times every request by its mux pattern, never by
// raw path (the push path carries a secret).
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		m.httpReqs.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
		m.httpLatency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
