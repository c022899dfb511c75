// Package packaging holds what installs levelmeter as a system service: the systemd unit levelmeter.service
// and the configuration config.yaml that `make install` puts in /etc/levelmeter (never over an existing one).
// Its tests check the unit with systemd-analyze and lay out an installation with `make install DESTDIR=...`.
package packaging
