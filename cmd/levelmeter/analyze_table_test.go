package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The rows of the table of "Right on every file and every channel layout", each measured through the command on
// a file generated here: small files, written as recorders, DAWs and ffmpeg write them.

// wavSpec describes a generated WAV file: float32 samples, WAVE_FORMAT_EXTENSIBLE when mask is not 0.
type wavSpec struct {
	rate, channels int
	mask           uint32
	extensible     bool
	pcm16          bool   // 16-bit PCM instead of 32-bit float
	dataSize       *int64 // the data chunk's size field; nil: the real size
	prefix         []byte // bytes before RIFF (an ID3v2 tag)
}

// toneIn renders seconds of a 1 kHz sine at dbfs (peak) in the channels on, silence in the others.
func toneIn(rate, channels int, seconds, dbfs float64, on ...int) []float32 {
	n := int(math.Round(seconds * float64(rate)))
	out := make([]float32, n*channels)
	amp := math.Pow(10, dbfs/20)
	for i := range n {
		x := float32(amp * math.Sin(2*math.Pi*1000*float64(i)/float64(rate)))
		for _, c := range on {
			out[i*channels+c] = x
		}
	}
	return out
}

func allChannels(n int) []int {
	c := make([]int, n)
	for i := range c {
		c[i] = i
	}
	return c
}

func wavBytes(s wavSpec, samples []float32) []byte {
	le := binary.LittleEndian
	bits := 32
	if s.pcm16 {
		bits = 16
	}
	align := s.channels * bits / 8
	var data bytes.Buffer
	for _, x := range samples {
		if s.pcm16 {
			v := int16(math.Max(-32768, math.Min(32767, math.Round(float64(x)*32768))))
			data.Write(le.AppendUint16(nil, uint16(v)))
		} else {
			data.Write(le.AppendUint32(nil, math.Float32bits(x)))
		}
	}
	var fmtc bytes.Buffer
	tag := uint16(3)
	if s.pcm16 {
		tag = 1
	}
	ext := s.extensible || s.mask != 0
	outer := tag
	if ext {
		outer = 0xFFFE
	}
	fmtc.Write(le.AppendUint16(nil, outer))
	fmtc.Write(le.AppendUint16(nil, uint16(s.channels)))
	fmtc.Write(le.AppendUint32(nil, uint32(s.rate)))
	fmtc.Write(le.AppendUint32(nil, uint32(s.rate*align)))
	fmtc.Write(le.AppendUint16(nil, uint16(align)))
	fmtc.Write(le.AppendUint16(nil, uint16(bits)))
	if ext {
		fmtc.Write(le.AppendUint16(nil, 22))
		fmtc.Write(le.AppendUint16(nil, uint16(bits)))
		fmtc.Write(le.AppendUint32(nil, s.mask))
		fmtc.Write(le.AppendUint16(nil, tag))
		fmtc.Write([]byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71})
	}
	size := int64(data.Len())
	if s.dataSize != nil {
		size = *s.dataSize
	}
	var b bytes.Buffer
	b.Write(s.prefix)
	b.WriteString("RIFF")
	b.Write(le.AppendUint32(nil, uint32(4+8+fmtc.Len()+8+data.Len())))
	b.WriteString("WAVEfmt ")
	b.Write(le.AppendUint32(nil, uint32(fmtc.Len())))
	b.Write(fmtc.Bytes())
	b.WriteString("data")
	b.Write(le.AppendUint32(nil, uint32(size)))
	b.Write(data.Bytes())
	return b.Bytes()
}

func writeWAVSpec(t *testing.T, name string, s wavSpec, samples []float32) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, wavBytes(s, samples), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// analyzeReport is the part of analyze's JSON the table tests read.
type analyzeReport struct {
	Frames   int64     `json:"frames"`
	Layout   string    `json:"layout"`
	Labels   []string  `json:"channel_labels"`
	Weights  []float64 `json:"weights"`
	Warnings []struct {
		Cause   string `json:"cause"`
		Message string `json:"message"`
	} `json:"warnings"`
	Overall struct {
		SamplePeak *float64 `json:"sample_peak_dbfs"`
	} `json:"overall"`
	Loudness struct {
		Integrated   *float64          `json:"integrated_lufs"`
		MomentaryMax *float64          `json:"momentary_max_lufs"`
		ShortTermMax *float64          `json:"shortterm_max_lufs"`
		Notes        map[string]string `json:"notes"`
	} `json:"loudness"`
	Profile *struct {
		Name     string   `json:"name"`
		Pass     bool     `json:"pass"`
		Gain     *float64 `json:"gain_db"`
		Limited  *string  `json:"gain_limited_by"`
		Criteria []struct {
			Criterion string `json:"criterion"`
			Pass      bool   `json:"pass"`
		} `json:"criteria"`
	} `json:"profile"`
}

func analyzeJSON(t *testing.T, args ...string) (analyzeReport, string) {
	t.Helper()
	out, errs, status := analyze(t, append([]string{"--json"}, args...)...)
	if status != 0 {
		t.Fatalf("analyze %q: status %d, stderr %s", args, status, errs)
	}
	var r analyzeReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("analyze %q: %v\n%s", args, err, out)
	}
	return r, errs
}

func integrated(r analyzeReport) float64 {
	if r.Loudness.Integrated == nil {
		return math.Inf(-1)
	}
	return *r.Loudness.Integrated
}

// TestTableLFEOnly: signal only in an LFE channel is not measured: nothing above the gate, whatever the layout.
func TestTableLFEOnly(t *testing.T) {
	for _, tc := range []struct {
		name     string
		channels int
		mask     uint32
		lfe      int
	}{
		{"7.1", 8, 0x63F, 3}, {"2.1", 3, 0x0B, 2}, {"3.1", 4, 0x0F, 3},
		{"2.1 without a mask (ffmpeg's default for 3 channels)", 3, 0, 2},
	} {
		p := writeWAVSpec(t, "lfe.wav", wavSpec{rate: 48000, channels: tc.channels, mask: tc.mask},
			toneIn(48000, tc.channels, 1, -20, tc.lfe))
		r, _ := analyzeJSON(t, p)
		if r.Loudness.Integrated != nil || r.Labels[tc.lfe] != "LFE" || r.Weights[tc.lfe] != 0 {
			t.Errorf("%s: integrated %v, labels %q, weights %v; want null, LFE weighted 0", tc.name,
				r.Loudness.Integrated, r.Labels, r.Weights)
		}
		if !strings.Contains(r.Loudness.Notes["integrated"], "nothing above the -70 LUFS gate") {
			t.Errorf("%s: notes %q", tc.name, r.Loudness.Notes)
		}
	}
}

// TestTableSurroundWeights: the 7.1 surrounds, all 8 channels, quad's rear pair and 6.0's back centre, weighted
// by position (BS.1770: 1.41 at 60°–120°), and against ffmpeg, which weighs every back channel 1.41: with
// ffmpeg's weights (--weights) the command agrees with ffmpeg; with its own, a 7.1's back pair and a back centre
// read lower by the documented difference.
func TestTableSurroundWeights(t *testing.T) {
	const level = -20.0
	one := 10 * math.Log10(math.Pow(10, level/10)/2) // a 1 kHz sine's loudness in one channel of weight 1 (K-weighting's +0.691 dB at 1 kHz cancels BS.1770's -0.691)
	cases := []struct {
		name      string
		channels  int
		mask      uint32
		on        []int
		weightSum float64 // BS.1770 by position
		ffmpeg    string  // ffmpeg's weights for --weights
		ffSum     float64
	}{
		{"7.1 surrounds only", 8, 0x63F, []int{4, 5, 6, 7}, 1 + 1 + 1.41 + 1.41, "1,1,1,0,1.41,1.41,1.41,1.41", 4 * 1.41},
		{"7.1 all 8 equal", 8, 0x63F, allChannels(8), 3 + 2 + 2*1.41, "1,1,1,0,1.41,1.41,1.41,1.41", 3 + 4*1.41},
		{"quad rears only", 4, 0x33, []int{2, 3}, 2 * 1.41, "1,1,1.41,1.41", 2 * 1.41},
		{"6.0 back centre only", 6, 0x707, []int{3}, 1, "1,1,1,1.41,1.41,1.41", 1.41},
	}
	for _, tc := range cases {
		p := writeWAVSpec(t, "layout.wav", wavSpec{rate: 48000, channels: tc.channels, mask: tc.mask},
			toneIn(48000, tc.channels, 4, level, tc.on...))
		r, _ := analyzeJSON(t, p)
		want := one + 10*math.Log10(tc.weightSum)
		if got := integrated(r); math.Abs(got-want) > 0.05 {
			t.Errorf("%s (%s, %q, weights %v): %.2f LUFS, want %.2f", tc.name, r.Layout, r.Labels, r.Weights, got, want)
		}
		ff, _ := analyzeJSON(t, "--weights", tc.ffmpeg, p)
		wantFF := one + 10*math.Log10(tc.ffSum)
		if got := integrated(ff); math.Abs(got-wantFF) > 0.05 {
			t.Errorf("%s with ffmpeg's weights: %.2f LUFS, want %.2f", tc.name, got, wantFF)
		}
		t.Logf("%s: %.2f LUFS by position, %.2f with ffmpeg's weights", tc.name, integrated(r), integrated(ff))
		if _, err := lookTool("ffmpeg"); err == nil {
			ref := ffmpegEBUR128(t, p, tc.channels, false)
			if math.Abs(integrated(ff)-ref.integrated) > 0.1 {
				t.Errorf("%s: ffmpeg reads %.2f, the command with ffmpeg's weights %.2f", tc.name, ref.integrated, integrated(ff))
			}
		}
	}
}

// TestTableJSONPrecision: a sample peak of -32.9951 dBFS is -32.9951 in the JSON, not -33.
func TestTableJSONPrecision(t *testing.T) {
	amp := math.Pow(10, -32.9951/20)
	s := make([]float32, 4800)
	s[100] = float32(amp)
	p := writeWAVSpec(t, "peak.wav", wavSpec{rate: 48000, channels: 1}, s)
	r, _ := analyzeJSON(t, p)
	if got := r.Overall.SamplePeak; got == nil || math.Abs(*got - -32.9951) > 1e-5 {
		t.Errorf("sample peak %v, want -32.9951", got)
	}
	out, _, _ := analyze(t, p)
	if !strings.Contains(out, "-33.00 dBFS") {
		t.Errorf("the text report rounds for people: %s", out)
	}
}

// TestTableWAVSizes: a data size never written, RF64, a file cut short (with and without --strict) and an
// ID3v2 tag before RIFF, through the command.
func TestTableWAVSizes(t *testing.T) {
	const rate = 48000
	samples := toneIn(rate, 1, 1, -20, 0)
	zero := int64(0)
	long := int64(len(samples)*2 + 4000)

	p := writeWAVSpec(t, "zero.wav", wavSpec{rate: rate, channels: 1, pcm16: true, dataSize: &zero}, samples)
	r, errs := analyzeJSON(t, p)
	if r.Frames != rate || len(r.Warnings) != 1 || r.Warnings[0].Cause != "size_unknown" ||
		!strings.Contains(errs, p+": warning: its data chunk size was never written") {
		t.Errorf("data size 0: %d frames, warnings %+v, stderr %q", r.Frames, r.Warnings, errs)
	}
	out, _, _ := analyze(t, p)
	if !strings.Contains(out, "  warning        its data chunk size was never written (0x00000000): read to the end of the file, 48000 frames") {
		t.Errorf("data size 0: no note in the report:\n%s", out)
	}

	rf := filepath.Join(t.TempDir(), "big.rf64")
	if err := os.WriteFile(rf, rf64Header(19200, 19200), 0o644); err != nil {
		t.Fatal(err)
	}
	r, errs = analyzeJSON(t, rf)
	if r.Frames != 4800 || len(r.Warnings) != 0 || errs != "" {
		t.Errorf("RF64: %d frames, warnings %+v, stderr %q", r.Frames, r.Warnings, errs)
	}
	if out, _, _ := analyze(t, rf); !strings.Contains(out, "(RF64)") {
		t.Errorf("RF64: the format line does not say so:\n%s", out)
	}

	cut := writeWAVSpec(t, "cut.wav", wavSpec{rate: rate, channels: 1, pcm16: true, dataSize: &long}, samples)
	r, errs = analyzeJSON(t, cut)
	if r.Frames != rate || len(r.Warnings) != 1 || r.Warnings[0].Cause != "truncated" ||
		!strings.Contains(errs, cut+": warning: is truncated: its data chunk claims 50000 frames but the file holds 48000") {
		t.Errorf("cut short: %d frames, warnings %+v, stderr %q", r.Frames, r.Warnings, errs)
	}
	out, errs, status := analyze(t, "--strict", cut, td+"dc.wav")
	if status != exitTruncated || !strings.Contains(errs, "levelmeter analyze: "+cut+": is truncated") ||
		!strings.Contains(errs, "refused (--strict)") || strings.Contains(out, cut) || !strings.Contains(out, "dc.wav") {
		t.Errorf("--strict: status %d, stderr %q, stdout %q", status, errs, out)
	}
	if _, _, status := analyze(t, "--strict", p); status != 0 {
		t.Errorf("--strict refuses only a file cut short: status %d for a size never written", status)
	}

	tag := append([]byte("ID3\x04\x00\x00\x00\x00\x00\x0a"), make([]byte, 10)...)
	id3 := writeWAVSpec(t, "tagged.wav", wavSpec{rate: rate, channels: 1, pcm16: true, prefix: tag}, samples)
	if r, errs := analyzeJSON(t, id3); r.Frames != rate || errs != "" {
		t.Errorf("ID3v2 before RIFF: %d frames, stderr %q", r.Frames, errs)
	}
}

// TestTableMessages: short files say why there is no value, a rate outside the meter's range says the range,
// more than 16 channels says so, a compressed file says how to convert it.
func TestTableMessages(t *testing.T) {
	for _, tc := range []struct {
		seconds float64
		want    []string
	}{
		{0.2, []string{"integrated     n/a (the audio is shorter than 400 ms", "short-term max n/a (the audio is shorter than 3 s"}},
		{2.5, []string{"integrated     -23.0 LUFS", "short-term max n/a (the audio is shorter than 3 s", "loudness range n/a (the audio is shorter than 3 s"}},
	} {
		p := writeWAVSpec(t, "short.wav", wavSpec{rate: 48000, channels: 1}, toneIn(48000, 1, tc.seconds, -19.99, 0)) // -23 LUFS
		out, _, _ := analyze(t, p)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%g s: report lacks %q:\n%s", tc.seconds, w, out)
			}
		}
		if strings.Contains(out, "gate") {
			t.Errorf("%g s: the report blames a gate:\n%s", tc.seconds, out)
		}
	}

	low := writeWAVSpec(t, "4k.wav", wavSpec{rate: 4000, channels: 1}, make([]float32, 4000))
	_, errs, status := analyze(t, low)
	if want := "levelmeter analyze: " + low + ": its sample rate, 4000 Hz, is not supported: levelmeter measures 8000 to 768000 Hz; resample it"; status != 1 || !strings.HasPrefix(errs, want) || strings.Contains(errs, "Config") {
		t.Errorf("4 kHz: status %d, stderr %q", status, errs)
	}
	low = writeWAVSpec(t, "500.wav", wavSpec{rate: 500, channels: 1}, make([]float32, 500))
	if _, errs, _ := analyze(t, low); !strings.Contains(errs, "its sample rate, 500 Hz, is not supported: levelmeter measures 8000 to 768000 Hz") {
		t.Errorf("500 Hz: stderr %q", errs)
	}
	many := writeWAVSpec(t, "18.wav", wavSpec{rate: 48000, channels: 18}, make([]float32, 18*480))
	if _, errs, _ := analyze(t, many); !strings.Contains(errs, "has 18 channels") || !strings.Contains(errs, "at most 16 channels") {
		t.Errorf("18 channels: stderr %q", errs)
	}
	mp3 := filepath.Join(t.TempDir(), "song.mp3")
	os.WriteFile(mp3, []byte("\xff\xfb\x90\x64rest of an mp3 frame"), 0o644)
	if _, errs, _ := analyze(t, mp3); !strings.Contains(errs, mp3+": cannot decode the first MP3 frame") {
		t.Errorf("MP3: stderr %q", errs)
	}
}

// TestTableGatingWorstCase: a third of the programme on each side of the relative gate, inside one 0.01 LU bin
// of a histogram: the command agrees with libebur128 (exact mode) within 0.01 LU.
func TestTableGatingWorstCase(t *testing.T) {
	const rate = 48000
	const loud, gate, delta = -9.998626055081747, -24.491404439449738, 0.002 // from dsp's TestIntegratedExactAtTheGate
	s := append(toneIn(rate, 1, 10, loud, 0), toneIn(rate, 1, 10, gate+delta, 0)...)
	s = append(s, toneIn(rate, 1, 10, gate-delta, 0)...)
	p := writeWAVSpec(t, "gate.wav", wavSpec{rate: rate, channels: 1}, s)
	r, _ := analyzeJSON(t, p)
	got := integrated(r)
	t.Logf("integrated %.4f LUFS", got)
	if _, err := lookTool("gcc"); err != nil {
		t.Skip("gcc is not installed: no libebur128 comparison")
	}
	ref := libebur128(t, buildEBUR128(t, t.TempDir()), p)
	if math.Abs(got-ref.integrated) > 0.01 {
		t.Errorf("integrated %.4f LUFS, libebur128 %.4f", got, ref.integrated)
	}
}

// TestLayoutOverride: --layout and --weights set the labels and weights; bad values are one usage line.
func TestLayoutOverride(t *testing.T) {
	p := writeWAVSpec(t, "six.wav", wavSpec{rate: 48000, channels: 6}, toneIn(48000, 6, 1, -20, 3))
	r, _ := analyzeJSON(t, p)
	if r.Layout != "5.1" || r.Labels[3] != "LFE" || integrated(r) != math.Inf(-1) {
		t.Errorf("6 channels without a mask: layout %s %q, integrated %v", r.Layout, r.Labels, integrated(r))
	}
	r, _ = analyzeJSON(t, "--layout", "L,R,C,Ls,Rs,LFE", p)
	if r.Labels[3] != "Ls" || r.Weights[3] != 1.41 || integrated(r) == math.Inf(-1) {
		t.Errorf("--layout: labels %q, weights %v, integrated %v", r.Labels, r.Weights, integrated(r))
	}
	for _, tc := range []struct {
		args   []string
		status int
		stderr string
	}{
		{[]string{"--layout", "5.2", p}, 2, `levelmeter analyze: --layout 5.2: unknown layout "5.2"`},
		{[]string{"--weights", "1,x", p}, 2, `levelmeter analyze: --weights 1,x: weight 2, "x", is not a finite number`},
		{[]string{"--layout", "stereo", p}, 1, p + ": has 6 channels, but --layout stereo gives 2"},
		{[]string{"--weights", "1,1", p}, 1, p + ": has 6 channels, but --weights gives 2 weights"},
		{[]string{"--profile", "ebu", p}, 2, "--profile ebu: unknown profile; the profiles are aes-td1008-music, aes-td1008-speech, atsc-a85, ebu-r128, ebu-r128-s1, streaming"},
	} {
		_, errs, status := analyze(t, tc.args...)
		if status != tc.status || !strings.Contains(errs, tc.stderr) {
			t.Errorf("%q: status %d, stderr %q; want %d, %q", tc.args, status, errs, tc.status, tc.stderr)
		}
	}
}

// TestProfile: --profile judges each criterion and gives the gain, limited by the true-peak ceiling.
func TestProfile(t *testing.T) {
	p := writeWAVSpec(t, "loud.wav", wavSpec{rate: 48000, channels: 2}, toneIn(48000, 2, 4, -2, 0, 1))
	r, _ := analyzeJSON(t, "--profile", "ebu-r128", p)
	if r.Profile == nil || r.Profile.Pass || r.Profile.Gain == nil || len(r.Profile.Criteria) != 2 {
		t.Fatalf("profile %+v", r.Profile)
	}
	// A sine at -2 dBFS peak in both channels reads about +0.0 LUFS: -23 needs about -23 dB, the peak allows it.
	if g := *r.Profile.Gain; math.Abs(g-(-23-integrated(r))) > 1e-9 || r.Profile.Limited != nil {
		t.Errorf("gain %v (limited by %v), integrated %v", g, r.Profile.Limited, integrated(r))
	}
	// A quiet programme with one peak at -3 dBFS: the gain to -14 LUFS would take the peak past -1 dBTP.
	quiet := toneIn(48000, 2, 4, -30, 0, 1)
	quiet[2*48000] = float32(math.Pow(10, -3.0/20))
	q := writeWAVSpec(t, "quiet.wav", wavSpec{rate: 48000, channels: 2}, quiet)
	r, _ = analyzeJSON(t, "--profile", "streaming", q)
	if r.Profile.Limited == nil || *r.Profile.Limited != "true_peak" || *r.Profile.Gain > 2.01 || *r.Profile.Gain < 1 {
		t.Errorf("streaming: gain %v limited by %v", *r.Profile.Gain, r.Profile.Limited)
	}
	out, _, _ := analyze(t, "--profile", "streaming", q)
	for _, w := range []string{"  profile        streaming: FAIL", "true peak", "PASS", "held back by the true peak limit"} {
		if !strings.Contains(out, w) {
			t.Errorf("report lacks %q:\n%s", w, out)
		}
	}
}

func lookTool(name string) (string, error) { return exec.LookPath(name) }

// TestTableWrappedOver4GiB: a plain RIFF file over 4 GiB whose 32-bit data size wrapped is read whole, with a
// warning, not as the few frames the wrapped size claims. The file is sparse: it takes no disk space. The
// command is built without the race detector, as users run it: 537 million samples take about 10 s of CPU.
func TestTableWrappedOver4GiB(t *testing.T) {
	if testing.Short() {
		t.Skip("meters 4 GiB (of a sparse file): not in -short")
	}
	const channels, frame = 16, 16 * 8 // 64-bit float: the fewest samples to meter per byte
	data := int64(1)<<32 + 1000*frame
	claim := data % (1 << 32)
	p := filepath.Join(t.TempDir(), "wrapped.wav")
	le := binary.LittleEndian
	var h bytes.Buffer
	h.WriteString("RIFF")
	h.Write(le.AppendUint32(nil, uint32((36+data)%(1<<32))))
	h.WriteString("WAVEfmt ")
	h.Write(le.AppendUint32(nil, 16))
	h.Write(le.AppendUint16(nil, 3))
	h.Write(le.AppendUint16(nil, channels))
	h.Write(le.AppendUint32(nil, 768000))
	h.Write(le.AppendUint32(nil, 768000*frame))
	h.Write(le.AppendUint16(nil, frame))
	h.Write(le.AppendUint16(nil, 64))
	h.WriteString("data")
	h.Write(le.AppendUint32(nil, uint32(claim)))
	if err := os.WriteFile(p, h.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, int64(h.Len())+data); err != nil {
		t.Skipf("cannot make a sparse file of 4 GiB here: %v", err)
	}
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "analyze", "--json", p)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("levelmeter analyze: %v\n%s", err, stderr.String())
	}
	var r analyzeReport
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	errs := stderr.String()
	if want := data / frame; r.Frames != want || len(r.Warnings) != 1 || r.Warnings[0].Cause != "size_wrapped" ||
		!strings.Contains(errs, "warning: its data chunk claims 128000 bytes but holds 4295095296") {
		t.Errorf("%d frames (want %d, not %d), warnings %+v, stderr %q", r.Frames, want, claim/frame, r.Warnings, errs)
	}
}

// TestTableCutShortFormats: a FLAC, Ogg Vorbis, AIFF or MP3 file cut short, as an interrupted copy leaves it, is
// measured as far as it goes with one warning of cause "truncated", as a cut WAV is; --strict refuses it (3).
func TestTableCutShortFormats(t *testing.T) {
	ffmpeg, err := lookTool("ffmpeg")
	if err != nil {
		t.Skip("ffmpeg is not installed (make deps-test installs it)")
	}
	dir := t.TempDir()
	for _, c := range []struct{ name, ext string }{
		{"FLAC", "flac"}, {"Ogg Vorbis", "ogg"}, {"AIFF", "aiff"}, {"MP3", "mp3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			whole := filepath.Join(dir, "whole."+c.ext)
			out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "sine=f=997:r=48000:d=4",
				"-ac", "2", whole).CombinedOutput()
			if err != nil {
				t.Fatalf("ffmpeg: %v\n%s", err, out)
			}
			b, err := os.ReadFile(whole)
			if err != nil {
				t.Fatal(err)
			}
			cut := filepath.Join(dir, "cut."+c.ext)
			if err := os.WriteFile(cut, b[:len(b)*6/10], 0o644); err != nil {
				t.Fatal(err)
			}
			r, errs := analyzeJSON(t, cut)
			if r.Frames < 48000 || r.Frames >= 4*48000 || len(r.Warnings) != 1 || r.Warnings[0].Cause != "truncated" ||
				!strings.Contains(errs, cut+": warning: is truncated") {
				t.Errorf("cut short: %d frames, warnings %+v, stderr %q; want the frames before the cut and one warning", r.Frames, r.Warnings, errs)
			}
			if _, errs, status := analyze(t, "--strict", cut); status != exitTruncated || !strings.Contains(errs, "refused (--strict)") {
				t.Errorf("--strict: status %d, stderr %q; want %d", status, errs, exitTruncated)
			}
		})
	}
}
