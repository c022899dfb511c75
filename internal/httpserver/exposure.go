package httpserver

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/prometheus/exporter-toolkit/web"
	"go.yaml.in/yaml/v3"
)

// Exposure says who can reach a server and what protects it.
type Exposure struct {
	// BeyondLoopback: the listen address is not a loopback address or localhost, so other machines may
	// connect (an empty host or 0.0.0.0 or :: listens on every interface).
	BeyondLoopback bool
	TLS            bool // the web-config file turns TLS on
	Auth           bool // the web-config file lists basic-auth users
}

// CheckExposure checks the web-config file (as the server will read it: "" is none) and says what serving on
// listen ("host:port", as given to net.Listen) exposes. Its error is the web-config file's.
func CheckExposure(listen, webConfigFile string) (Exposure, error) {
	var e Exposure
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		host = listen
	}
	e.BeyondLoopback = !loopbackHost(host)
	if webConfigFile == "" {
		return e, nil
	}
	if err := web.Validate(webConfigFile); err != nil {
		return e, fmt.Errorf("web config %s: %w", webConfigFile, err)
	}
	b, err := os.ReadFile(webConfigFile)
	if err != nil {
		return e, err
	}
	// Only the keys that say whether TLS and auth are on; web.Validate checked the whole file.
	var c struct {
		TLS struct {
			Cert     string `yaml:"cert"`
			CertFile string `yaml:"cert_file"`
		} `yaml:"tls_server_config"`
		Users map[string]string `yaml:"basic_auth_users"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		return e, fmt.Errorf("web config %s: %w", webConfigFile, err)
	}
	e.TLS = c.TLS.Cert != "" || c.TLS.CertFile != ""
	e.Auth = len(c.Users) > 0
	return e, nil
}

// Warning is a sentence for the log when the server is reachable from other machines without TLS or without
// basic auth; "" otherwise.
func (e Exposure) Warning() string {
	if !e.BeyondLoopback || (e.TLS && e.Auth) {
		return ""
	}
	var missing []string
	if !e.TLS {
		missing = append(missing, "TLS")
	}
	if !e.Auth {
		missing = append(missing, "basic auth")
	}
	why := ": whoever reaches it can read the meters and the source names"
	if e.Auth {
		why = ": passwords and meters travel in clear text"
	}
	return "the HTTP server listens beyond loopback without " + strings.Join(missing, " or ") + why +
		"; set http.web_config to a web-config.yml with tls_server_config and basic_auth_users, or listen on 127.0.0.1"
}

func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return err == nil && a.IsLoopback()
}
