package dsp

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// ffmpegWeight is the weight ffmpeg's ebur128 filter gives a position: it goes by name, 1.41 for every back,
// side and top-back channel, 0 for LFE, 1.0 for everything else (libavfilter/f_ebur128.c, BACK_MASK).
func ffmpegWeight(p Position) float64 {
	switch p {
	case LowFrequency, LowFrequency2:
		return 0
	case BackLeft, BackRight, BackCenter, SideLeft, SideRight, TopBackLeft, TopBackCenter, TopBackRight:
		return 1.41
	}
	return 1
}

// TestLayoutNamesOfFFmpeg checks that ParseLayout knows every layout the installed ffmpeg lists (ffmpeg
// -layouts), as the same channels in the same order, and that a layout of more channels than a Meter takes is
// refused as such rather than as an unknown name.
func TestLayoutNamesOfFFmpeg(t *testing.T) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not installed (apt-get install ffmpeg): skipping the layout names against ffmpeg -layouts")
	}
	out, err := exec.Command(ffmpeg, "-hide_banner", "-layouts").Output()
	if err != nil {
		t.Fatalf("ffmpeg -layouts: %v", err)
	}
	_, std, ok := strings.Cut(string(out), "Standard channel layouts:")
	if !ok {
		t.Fatalf("ffmpeg -layouts lists no standard layouts:\n%s", out)
	}
	n := 0
	for _, line := range strings.Split(std, "\n") {
		f := strings.Fields(line)
		if len(f) != 2 || f[0] == "NAME" {
			continue
		}
		n++
		name, channels := f[0], strings.Split(f[1], "+")
		l, err := ParseLayout(name)
		if len(channels) > MaxChannels {
			if err == nil || !strings.Contains(err.Error(), "channels: at most") {
				t.Errorf("ParseLayout(%q) = %v, %v: want refused for its %d channels", name, l, err, len(channels))
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseLayout(%q): %v", name, err)
			continue
		}
		if got := strings.Join(positionNames(l), "+"); got != f[1] {
			t.Errorf("ParseLayout(%q) = %s, ffmpeg %s", name, got, f[1])
		}
		if l.String() != name {
			t.Errorf("ParseLayout(%q).String() = %q", name, l.String())
		}
	}
	if n < 28 {
		t.Errorf("ffmpeg -layouts listed %d standard layouts; ffmpeg 5.1 lists 28", n)
	}
}

// positionNames returns ffmpeg's name of each channel of l.
func positionNames(l Layout) []string {
	s := make([]string, len(l))
	for c, p := range l {
		s[c] = p.String()
	}
	return s
}

// plainWAV returns a WAVE_FORMAT_IEEE_FLOAT file of p with no channel mask: what a recorder writes that gives
// no positions.
func plainWAV(p []float32, rate, channels int) []byte {
	var b bytes.Buffer
	data := rawF32(p)
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + len(data)))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(3)) // IEEE float
	w(uint16(channels))
	w(uint32(rate))
	w(uint32(rate * channels * 4))
	w(uint16(channels * 4))
	w(uint16(32))
	b.WriteString("data")
	w(uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

// ffmpegR128 runs ffmpeg's ebur128 over a WAV file and returns its integrated loudness (-70 when nothing passed
// the gate, as ffmpeg reports it) and its momentary loudness at the end of every 100 ms (printed to 0.001 LU).
func ffmpegR128(t *testing.T, ffmpeg, file string) (i float64, m []float64) {
	t.Helper()
	out, err := exec.Command(ffmpeg, "-nostats", "-hide_banner", "-loglevel", "error", "-i", file,
		"-af", "ebur128=metadata=1,ametadata=print:file=-", "-f", "null", "-").Output()
	if err != nil {
		t.Fatalf("ffmpeg ebur128 %s: %v", file, err)
	}
	i = math.NaN()
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "lavfi.r128.I="); ok {
			i, _ = strconv.ParseFloat(v, 64)
		}
		if v, ok := strings.CutPrefix(line, "lavfi.r128.M="); ok {
			f, _ := strconv.ParseFloat(v, 64) // "nan" for digital silence parses as NaN
			m = append(m, f)
		}
	}
	return i, m
}

// Each layout against ffmpeg 5.1's ebur128 on a WAV file ffmpeg writes with the layout's channel mask (checked
// in the file's header), and on plain WAVs with no mask, which both read with ffmpeg's default layout for the
// channel count. Our layout is built from the mask given to ffmpeg. The file holds a -20 dBFS 1 kHz tone for
// half a second in all channels, then half a second in each channel alone; the momentary loudness at the end of
// each half second (a 400 ms window inside it) is that channel's reading, and integrated loudness covers the
// whole file. (One file per layout rather than one per channel keeps the test to two runs of ffmpeg a layout.)
//
// Where the weights agree the two agree within 0.05 LU (0.01 measured). Where they differ, ffmpeg reads exactly
// what its weights predict, 10·log10(Σ ffmpeg's weights / Σ ours) above us: +1.49 LU for a 7.1's back pair, a
// back centre (4.0, 6.0, 6.1) and the top-back channels, which are not surrounds by BS.1770's position rule
// (1.0 here, 1.41 in ffmpeg), and -1.49 LU for wide channels (1.41 here, 1.0 in ffmpeg). A channel that weighs 0
// (LFE) reads nothing in both. Without a mask, ffmpeg takes hexadecagonal for 16 channels (its side pair weighs
// 1.41 in both); a file of another count above 8 without a mask (no named layout has 9 to 15 channels) ffmpeg
// 5.1 cannot measure at all; with a mask it can (7.1.4 below).
func TestLayoutsAgainstFFmpeg(t *testing.T) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not installed (apt-get install ffmpeg): skipping the layouts against its ebur128 filter")
	}
	const rate = 48000
	dir := t.TempDir()
	cases := []struct {
		ffLayout string // ffmpeg's name, or "" for a plain WAV of channels channels with no mask
		channels int
		mask     uint32 // what ffmpeg writes for ffLayout
	}{
		{"mono", 1, 0x4},
		{"stereo", 2, 0x3},
		{"2.1", 3, 0xB},
		{"3.1", 4, 0xF},
		{"quad", 4, 0x33},
		{"4.0", 4, 0x107},
		{"5.0", 5, 0x37},
		{"5.1", 6, 0x3F},
		{"5.1(side)", 6, 0x60F},
		{"6.0", 6, 0x707},
		{"6.1", 7, 0x70F},
		{"7.1", 8, 0x63F},
		{"7.1(wide)", 8, 0xFF},
		{"FL+FR+FC+LFE+BL+BR+SL+SR+TFL+TFR+TBL+TBR", 12, 0x2D63F}, // 7.1.4
		{"", 3, 0}, {"", 4, 0}, {"", 5, 0}, {"", 6, 0}, {"", 7, 0}, {"", 8, 0},
		{"", 16, 0}, // hexadecagonal
	}
	differ := 0
	for _, c := range cases {
		name := c.ffLayout
		if name == "" {
			name = strconv.Itoa(c.channels) + " channels, no mask"
		}
		lay := LayoutFromMask(c.mask, c.channels)
		segs := []toneSegment{{dbfsOnly(c.channels, -1, -20), 0.5}}
		for on := range c.channels {
			segs = append(segs, toneSegment{dbfsOnly(c.channels, on, -20), 0.5})
		}
		p := tone(rate, 1000, segs...)
		file := filepath.Join(dir, "in.wav")
		if c.ffLayout == "" {
			if err := os.WriteFile(file, plainWAV(p, rate, c.channels), 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			cmd := exec.Command(ffmpeg, "-y", "-nostats", "-hide_banner", "-loglevel", "error",
				"-f", "f32le", "-ar", strconv.Itoa(rate), "-ch_layout", c.ffLayout, "-i", "pipe:0",
				"-c:a", "pcm_f32le", file)
			cmd.Stdin = bytes.NewReader(rawF32(p))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: ffmpeg cannot write the file: %v\n%s", name, err, out)
			}
			hdr, _ := os.ReadFile(file)
			if len(hdr) < 44 || binary.LittleEndian.Uint16(hdr[20:]) != 0xFFFE || binary.LittleEndian.Uint32(hdr[40:]) != c.mask {
				t.Errorf("%s: ffmpeg did not write WAVE_FORMAT_EXTENSIBLE with mask 0x%X", name, c.mask)
			}
		}
		ffI, ffM := ffmpegR128(t, ffmpeg, file)
		if len(ffM) < 5*len(segs) {
			t.Fatalf("%s: ffmpeg reported %d momentary values for %d half seconds", name, len(ffM), len(segs))
		}

		// each second: all channels, then each alone
		l := newLoudness(t, rate, c.channels, lay.Weights())
		allAgree := true
		for k, seg := range segs {
			l.Process(tone(rate, 1000, seg))
			got := l.Loudness().Momentary
			ff := ffM[5*k+4] // the window ending with half-second k
			var ours, theirs float64
			for ch, pos := range lay {
				if !math.IsInf(seg.dbfs[ch], -1) {
					ours += lay.Weight(ch)
					theirs += ffmpegWeight(pos)
				}
			}
			what := "all channels"
			if k > 0 {
				what = "channel " + strconv.Itoa(k) + " (" + lay.Label(k-1) + ")"
			}
			switch {
			case ours == 0 || theirs == 0:
				if ours != theirs || got > absoluteGate || ff > absoluteGate {
					t.Errorf("%s, %s: %.4f LUFS, ffmpeg %.3f; want nothing above the gate in both (weights %g, ffmpeg %g)",
						name, what, got, ff, ours, theirs)
				}
			default:
				diff := 10 * math.Log10(theirs/ours)
				if diff != 0 {
					differ++
					allAgree = false
					t.Logf("%s, %s: %.4f LUFS, ffmpeg %.3f: weights %g here, %g in ffmpeg (%+.2f LU)", name, what, got, ff, ours, theirs, diff)
				}
				if !nearLU(ff, got+diff, 0.05) {
					t.Errorf("%s, %s: %.4f LUFS, ffmpeg %.3f; want ffmpeg within 0.05 LU of %.4f (weights %g here, %g in ffmpeg)",
						name, what, got, ff, got+diff, ours, theirs)
				}
			}
		}
		// integrated loudness of the whole file: ours where the weights agree, and ours with ffmpeg's weights
		ffw := make([]float64, c.channels)
		for ch, pos := range lay {
			ffw[ch] = ffmpegWeight(pos)
		}
		asFF := newLoudness(t, rate, c.channels, ffw)
		asFF.Process(p)
		if got := asFF.Loudness().Integrated; !nearLU(ffI, got, 0.05) {
			t.Errorf("%s: integrated %.4f LUFS with ffmpeg's weights, ffmpeg %.3f", name, got, ffI)
		}
		if got := l.Loudness().Integrated; allAgree && !nearLU(ffI, got, 0.05) {
			t.Errorf("%s: integrated %.4f LUFS, ffmpeg %.3f", name, got, ffI)
		}
	}
	if differ == 0 {
		t.Error("no case where BS.1770's position weights and ffmpeg's differ: the test lost its point")
	}
}

// dbfsOnly returns per-channel levels: level in channel on, silence in the others; on = -1 puts level in all.
func dbfsOnly(channels, on int, level float64) []float64 {
	d := make([]float64, channels)
	for c := range d {
		if on == -1 || c == on {
			d[c] = level
		} else {
			d[c] = math.Inf(-1)
		}
	}
	return d
}
