package fakemic

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestScriptWritesTheSameConfig runs scripts/fakemic.sh as a user would and checks that the configuration it
// writes is byte for byte the one Start writes, for the same samples file: asound.conf is the one copy.
func TestScriptWritesTheSameConfig(t *testing.T) {
	for _, cmd := range []string{"jackd", "jack_lsp", "sox"} {
		if _, err := exec.LookPath(cmd); err != nil && os.Getenv("CI") == "" {
			t.Skipf("%s is not installed (Debian: jackd2 sox); skipping the script's test", cmd)
		}
	}
	if !alsaJackPlugin() && os.Getenv("CI") == "" {
		t.Skip("ALSA's JACK plugin is not installed (Debian: libasound2-plugins); skipping the script's test")
	}
	cmd := exec.Command("../../scripts/fakemic.sh", "../../testdata/sine-s16-stereo.wav")
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scripts/fakemic.sh: %v\n%s", err, out)
	}
	// export ALSA_CONFIG_PATH='DIR/asound.conf' JACK_DEFAULT_SERVER='NAME' FAKEMIC_PID=PID
	m := regexp.MustCompile(`^export ALSA_CONFIG_PATH='([^']+)' JACK_DEFAULT_SERVER='([^']+)' FAKEMIC_PID=(\d+)\n$`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("scripts/fakemic.sh printed %q, want the export line", out)
	}
	if pid, err := strconv.Atoi(m[3]); err == nil {
		defer stopServer(t, pid) // the script's JACK server, before TempDir removes its log
	}
	got, err := os.ReadFile(m[1])
	if err != nil {
		t.Fatal(err)
	}
	want := strings.ReplaceAll(alsaConfig, "@INFILE@", filepath.Join(filepath.Dir(m[1]), "samples.f32"))
	if string(got) != want {
		t.Errorf("scripts/fakemic.sh wrote\n%s\nStart writes\n%s", got, want)
	}
	if strings.Contains(want, "@INFILE@") || !strings.Contains(want, "pcm."+Name+" {") || !strings.Contains(want, "pcm."+FastName+" {") {
		t.Errorf("the configuration does not define %s and %s with their samples:\n%s", Name, FastName, want)
	}
}

// stopServer stops a JACK server that is not this process's child, and waits until it has exited (or is a zombie
// waiting for its reaper).
func stopServer(t *testing.T, pid int) {
	syscall.Kill(pid, syscall.SIGTERM)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return
		}
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Errorf("the script's JACK server (pid %d) did not exit on SIGTERM", pid)
}
