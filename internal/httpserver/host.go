package httpserver

import (
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// checkHost answers 403 to a request whose Host is not allowed (see HostAllowed).
func checkHost(h http.Handler, allowed []string) http.Handler {
	if slices.Contains(allowed, "*") {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		if !HostAllowed(r.Host, local, allowed) {
			http.Error(w, "levelmeter: host "+quoteHost(r.Host)+" is not allowed; to serve it, add it to http.allowed_hosts in the configuration", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// HostAllowed says whether a request with the Host header host (a name or address, with or without a port),
// received on a connection to the local address local (nil if unknown), is served: localhost, a name under
// .localhost, a loopback address, the address the client connected to (someone who typed this machine's address),
// an entry of allowed (a name or an address; an entry ".example.org" allows example.org and every name under it,
// "*" allows anything), or an empty Host (HTTP/1.0; browsers always send one).
func HostAllowed(host string, local net.Addr, allowed []string) bool {
	if host == "" || slices.Contains(allowed, "*") {
		return true
	}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	bare := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(name, "["), "]"))
	name = strings.TrimSuffix(bare, ".") // a name may end in the root's dot
	if name == "" {
		return false
	}
	ip, err := netip.ParseAddr(bare) // as written: an IPv6 zone may end in a dot too
	if err != nil {
		ip, err = netip.ParseAddr(name)
	}
	if err == nil {
		ip = ip.Unmap().WithZone("")
		if ip.IsLoopback() || ip == localIP(local) {
			return true
		}
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return true
	}
	for _, a := range allowed {
		a = strings.TrimSuffix(strings.ToLower(a), ".")
		switch {
		case strings.HasPrefix(a, "."):
			if name == a[1:] || strings.HasSuffix(name, a) {
				return true
			}
		case a == name:
			return true
		}
	}
	return false
}

// localIP returns the IP address of a connection's local address, or the zero Addr.
func localIP(a net.Addr) netip.Addr {
	if t, ok := a.(*net.TCPAddr); ok {
		ip, _ := netip.AddrFromSlice(t.IP)
		return ip.Unmap()
	}
	return netip.Addr{}
}

// quoteHost quotes a Host header for the 403 body, short and without control characters.
func quoteHost(h string) string {
	if len(h) > 100 {
		h = h[:100] + "…"
	}
	b := []byte{'"'}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if c < 0x20 || c == 0x7f || c == '"' || c == '\\' {
			b = append(b, '?')
			continue
		}
		b = append(b, c)
	}
	return string(append(b, '"'))
}
