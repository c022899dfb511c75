package httpserver

import (
	"net"
	"net/netip"
	"strings"
	"testing"
)

// FuzzHostAllowed: any Host header is judged without a panic, and the judgement does not depend on case, on a
// port, or on the allowed list for loopback addresses, the connection's own address and localhost names; a name
// allowed only through the list is exactly the list's.
func FuzzHostAllowed(f *testing.F) {
	for _, s := range []string{"", "localhost", "a.localhost:80", "127.0.0.1:9464", "[::1]:9464", "[fe80::1%25eth0]", "192.0.2.7", "192.0.2.8:9464", "[::ffff:192.0.2.7]",
		"meter.example.org", "x.studio.test", "evil.example", "::1", "[::1", "]:", "127.0.0.1.nip.io", "\x00", "é.example"} {
		f.Add(s)
	}
	allowed := []string{"meter.example.org", ".studio.test"}
	local := &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 9464}
	f.Fuzz(func(t *testing.T, host string) {
		got := HostAllowed(host, local, allowed)
		if isASCII(host) && HostAllowed(strings.ToUpper(host), local, allowed) != got {
			t.Errorf("%q and its upper case are judged differently", host)
		}
		name := host
		if h, _, err := net.SplitHostPort(host); err == nil {
			name = h
		}
		if ip, err := netip.ParseAddr(name); err == nil && (ip.IsLoopback() || ip.Unmap().WithZone("") == netip.MustParseAddr("192.0.2.7")) && !got {
			t.Errorf("address %q refused", host)
		}
		if got && host != "" && !HostAllowed(host, local, nil) {
			// Allowed only through the list: the name must be one of its entries or under .studio.test.
			n := strings.TrimSuffix(strings.ToLower(strings.Trim(name, "[]")), ".")
			if n != "meter.example.org" && n != "studio.test" && !strings.HasSuffix(n, ".studio.test") {
				t.Errorf("%q allowed through the list as %q", host, n)
			}
		}
		if !HostAllowed(host, nil, []string{"*"}) {
			t.Errorf("%q refused with \"*\"", host)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
