// Package httpheader holds the security headers of every response levelmeter serves, in one place for the
// daemon's server (internal/httpserver) and the web meter's handler (web), which may be served without it.
package httpheader

import "net/http"

// Values are the headers every response carries: the page may load only its own assets and may not be framed,
// no response may be sniffed as another type, and no link sends a referrer.
var Values = [...][2]string{
	{"Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"},
	{"X-Content-Type-Options", "nosniff"},
	{"X-Frame-Options", "DENY"},
	{"Referrer-Policy", "no-referrer"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
}

// Secure sets Values on every response of h.
func Secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		for _, kv := range Values {
			hd.Set(kv[0], kv[1])
		}
		h.ServeHTTP(w, r)
	})
}
