package series

import (
	"bufio"
	"bytes"
	"math"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/levelmeter/levelmeter/audio/decode"
	"github.com/levelmeter/levelmeter/dsp"
)

// framelog matches a line of ffmpeg's ebur128 framelog: the time and the momentary and short-term loudness.
var framelog = regexp.MustCompile(`t: *([0-9.]+) .*M: *(-?[0-9.]+) S: *(-?[0-9.]+)`)

// TestAgainstFFmpegFramelog: the series' momentary and short-term values are ffmpeg's ebur128 framelog's, row by
// row, on a file ffmpeg writes: pink noise whose level moves by 20 dB, with silence in the middle. ffmpeg prints
// tenths of an LU, so a value within 0.05 LU of the print (plus 0.005 for the meters' own difference) agrees.
func TestAgainstFFmpegFramelog(t *testing.T) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not installed (apt-get install ffmpeg); this test compares against its ebur128 framelog")
	}
	name := filepath.Join(t.TempDir(), "moving.wav")
	gen := exec.Command(ffmpeg, "-nostdin", "-v", "error", "-f", "lavfi", "-i",
		"anoisesrc=c=pink:r=48000:a=0.5:d=12:seed=7,volume='if(between(t,5,6),0,0.1+0.9*abs(sin(t*0.7)))':eval=frame",
		"-ac", "2", "-c:a", "pcm_s24le", name)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	out, err := exec.Command(ffmpeg, "-nostdin", "-nostats", "-v", "verbose", "-i", name,
		"-af", "ebur128=framelog=verbose", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg ebur128: %v\n%s", err, out)
	}
	type ref struct{ t, m, s float64 }
	var refs []ref
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if g := framelog.FindStringSubmatch(sc.Text()); g != nil {
			var r ref
			r.t, _ = strconv.ParseFloat(g[1], 64)
			r.m, _ = strconv.ParseFloat(g[2], 64)
			r.s, _ = strconv.ParseFloat(g[3], 64)
			refs = append(refs, r)
		}
	}
	if len(refs) != 120 {
		t.Fatalf("ffmpeg's framelog has %d lines, want 120 for 12 s:\n%s", len(refs), out)
	}

	r, err := decode.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	info := r.Info()
	m, err := dsp.NewMeter(dsp.Config{SampleRate: info.SampleRate, Channels: info.Channels, ClipLevel: info.ClipLevel})
	if err != nil {
		t.Fatal(err)
	}
	i, compared, worst := 0, 0, 0.0
	const tol = 0.055
	err = Run(r, m, info.SampleRate, info.Channels, make([]float32, 8192), func(tt float64, l *dsp.Levels) error {
		f := refs[i]
		i++
		// ffmpeg's t is the time of the hop's last frame; ours, its end.
		if math.Abs(f.t-(tt-1.0/48000)) > 1e-4 {
			t.Fatalf("row %d at %v s, ffmpeg's at %v s", i, tt, f.t)
		}
		// ffmpeg reads -120.7 (its floor) for windows not yet full and for silence; the series leaves them empty.
		check := func(what string, ours, theirs float64) {
			if math.IsInf(ours, -1) {
				if theirs > -70 {
					t.Errorf("%.1f s: %s -Inf, ffmpeg %.1f", tt, what, theirs)
				}
				return
			}
			compared++
			worst = max(worst, math.Abs(ours-theirs))
			if math.Abs(ours-theirs) > tol {
				t.Errorf("%.1f s: %s %.4f, ffmpeg %.1f", tt, what, ours, theirs)
			}
		}
		check("momentary", l.Loudness.Momentary, f.m)
		if tt > 3-1e-9 { // ffmpeg pads the short-term window with silence before 3 s; the series leaves it empty
			check("short-term", l.Loudness.ShortTerm, f.s)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d values compared, the largest difference from ffmpeg's print %.4f LU", compared, worst)
	if i != len(refs) || compared < 180 {
		t.Errorf("%d rows, ffmpeg %d; %d values compared", i, len(refs), compared)
	}
}
