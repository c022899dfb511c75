package termmeter

import (
	"net/url"
	"strings"
)

// RedactAddr returns addr, a daemon's address or URL as a person gave it, fit to print: a password in it
// ("https://user:secret@host:9464") shows as "xxxxx", as url.URL.Redacted writes it, so that the header line, a
// message or a screen shared with others never shows it. An address without a password is returned as it is.
func RedactAddr(addr string) string {
	scheme, rest, ok := strings.Cut(addr, "://")
	if !ok {
		scheme, rest = "", addr
	}
	authority, path, slash := strings.Cut(rest, "/")
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return addr
	}
	if u, err := url.Parse(addr); err == nil && u.User != nil && ok {
		return u.Redacted()
	}
	// Not a URL url.Parse takes ("user:pass@host:port" without a scheme, or a malformed one): cut the password
	// by hand.
	user, _, hasPass := strings.Cut(authority[:at], ":")
	if !hasPass {
		return addr
	}
	out := user + ":xxxxx" + authority[at:]
	if slash {
		out += "/" + path
	}
	if ok {
		out = scheme + "://" + out
	}
	return out
}
