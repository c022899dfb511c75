package packaging

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/levelmeter/levelmeter/config"
)

// TestUnit: the unit holds the settings the service relies on, and systemd-analyze verify finds nothing wrong
// with it (an unknown key or a bad value is only a warning to systemd: any output fails the test).
func TestUnit(t *testing.T) {
	unit, err := os.ReadFile("levelmeter.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"Type=notify",
		"NotifyAccess=main",
		"WatchdogSec=30s",
		"ExecStart=/usr/local/bin/levelmeter run --config /etc/levelmeter/config.yaml",
		"ExecReload=/bin/kill -HUP $MAINPID",
		"DynamicUser=yes",
		"SupplementaryGroups=audio",
		"AmbientCapabilities=CAP_SYS_NICE",
		"CapabilityBoundingSet=CAP_SYS_NICE",
		"NoNewPrivileges=yes",
		"ProtectSystem=strict",
		"ConfigurationDirectory=levelmeter",
		"DeviceAllow=char-alsa rw",
	} {
		if !bytes.Contains(unit, []byte("\n"+line+"\n")) {
			t.Errorf("the unit lacks %q", line)
		}
	}
	if bytes.Contains(unit, []byte("RestrictRealtime=yes")) {
		t.Error("RestrictRealtime=yes forbids the audio thread's real-time scheduling")
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (Debian: apt-get install systemd): the unit is not verified")
	}
	// verify wants ExecStart's program to exist: point it at this test's binary.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "levelmeter.service")
	if err := os.WriteFile(path, bytes.ReplaceAll(unit, []byte("/usr/local/bin/levelmeter"), []byte(self)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// TestDefaultConfig: the configuration make install puts in /etc loads.
func TestDefaultConfig(t *testing.T) {
	if _, err := config.Load("config.yaml"); err != nil {
		t.Errorf("packaging/config.yaml: %v", err)
	}
}

// TestMakeInstall: make install lays out the binary, the unit pointed at it and the configuration under DESTDIR,
// and a second install keeps a configuration that is there.
func TestMakeInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: make install builds the binary")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	dest := t.TempDir()
	bin := filepath.Join(t.TempDir(), "levelmeter")
	install := func(args ...string) {
		t.Helper()
		cmd := exec.Command("make", append([]string{"--no-print-directory", "-C", "..", "install", "DESTDIR=" + dest, "BIN=" + bin}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make install %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	install()
	check := func(path string, mode os.FileMode) []byte {
		t.Helper()
		fi, err := os.Stat(filepath.Join(dest, path))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), mode)
		}
		b, _ := os.ReadFile(filepath.Join(dest, path))
		return b
	}
	check("usr/local/bin/levelmeter", 0o755)
	unit := check("usr/local/lib/systemd/system/levelmeter.service", 0o644)
	if !bytes.Contains(unit, []byte("\nExecStart=/usr/local/bin/levelmeter run --config /etc/levelmeter/config.yaml\n")) {
		t.Errorf("the installed unit's ExecStart is not the installed binary's:\n%s", unit)
	}
	conf := check("etc/levelmeter/config.yaml", 0o644)
	if want, _ := os.ReadFile("config.yaml"); !bytes.Equal(conf, want) {
		t.Error("etc/levelmeter/config.yaml is not packaging/config.yaml")
	}

	// An operator's configuration survives a reinstall.
	mine := []byte("# mine\n")
	if err := os.WriteFile(filepath.Join(dest, "etc/levelmeter/config.yaml"), mine, 0o644); err != nil {
		t.Fatal(err)
	}
	install("PREFIX=/usr", "UNITDIR=/lib/systemd/system")
	if got, _ := os.ReadFile(filepath.Join(dest, "etc/levelmeter/config.yaml")); !bytes.Equal(got, mine) {
		t.Errorf("make install overwrote the configuration: %q", got)
	}
	check("usr/bin/levelmeter", 0o755)
	unit = check("lib/systemd/system/levelmeter.service", 0o644)
	if !bytes.Contains(unit, []byte("\nExecStart=/usr/bin/levelmeter run ")) {
		t.Errorf("with PREFIX=/usr the unit does not start /usr/bin/levelmeter:\n%s", unit)
	}
}
