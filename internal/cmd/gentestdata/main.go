// Command gentestdata writes the WAV files in testdata/ and the table of their levels in testdata/README.md.
//
// It is deterministic: the noise comes from a PCG seeded with a constant, so running it again writes the same
// bytes. Run it from the repository root through testdata/generate.sh.
//
// Expected levels are computed from the quantised samples actually written (peak, RMS, DC, clipped count), or
// analytically for loudness (BS.1770: a 1 kHz sine at X dBFS peak in both stereo channels reads X LUFS; in one
// channel X - 3.01).
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// format is how a file stores its samples.
type format struct {
	bits  int
	float bool
	ext   bool // WAVE_FORMAT_EXTENSIBLE
}

func (f format) String() string {
	s := fmt.Sprintf("%d-bit int", f.bits)
	if f.bits == 8 {
		s = "8-bit unsigned"
	}
	if f.float {
		s = fmt.Sprintf("%d-bit float", f.bits)
	}
	if f.ext {
		s += ", extensible"
	}
	return s
}

var (
	u8    = format{bits: 8}
	s16   = format{bits: 16}
	s24   = format{bits: 24}
	s32   = format{bits: 32}
	f32   = format{bits: 32, float: true}
	f64   = format{bits: 64, float: true}
	s24x  = format{bits: 24, ext: true}
	f32x  = format{bits: 32, float: true, ext: true}
	s16x  = format{bits: 16, ext: true}
	rate  = 48000
	dbAmp = func(db float64) float64 { return math.Pow(10, db/20) }
)

// quantise returns the value a sample takes once written in f, normalised the way levelmeter reads it.
func quantise(f format, x float64) (q float64, clipped bool) {
	if f.float {
		if f.bits == 32 {
			return float64(float32(x)), false
		}
		return x, false
	}
	full := math.Ldexp(1, f.bits-1)
	v := math.Round(x * full)
	if v >= full-1 {
		v, clipped = full-1, v >= full-1
	}
	if v <= -full {
		v, clipped = -full, true
	}
	return v / full, clipped
}

func encode(f format, x float64) []byte {
	var b [8]byte
	if f.float {
		if f.bits == 32 {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(x)))
			return b[:4]
		}
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
		return b[:8]
	}
	q, _ := quantise(f, x)
	v := int64(math.Round(q * math.Ldexp(1, f.bits-1)))
	switch f.bits {
	case 8:
		return []byte{byte(v + 128)}
	case 16:
		binary.LittleEndian.PutUint16(b[:], uint16(int16(v)))
		return b[:2]
	case 24:
		return []byte{byte(v), byte(v >> 8), byte(v >> 16)}
	default:
		binary.LittleEndian.PutUint32(b[:], uint32(int32(v)))
		return b[:4]
	}
}

// writeWAV writes interleaved samples (channels of them per frame) in format f.
func writeWAV(path string, sr, channels int, f format, samples []float64) {
	var data bytes.Buffer
	for _, x := range samples {
		data.Write(encode(f, x))
	}
	tag := uint16(1)
	if f.float {
		tag = 3
	}
	var fmtc bytes.Buffer
	le := binary.LittleEndian
	w := func(v any) { binary.Write(&fmtc, le, v) }
	align := channels * f.bits / 8
	w(tag)
	if f.ext {
		fmtc.Reset()
		w(uint16(0xFFFE))
	}
	w(uint16(channels))
	w(uint32(sr))
	w(uint32(sr * align))
	w(uint16(align))
	w(uint16(f.bits))
	if f.ext {
		masks := map[int]uint32{1: 0x4, 2: 0x3, 6: 0x3F}
		w(uint16(22))
		w(uint16(f.bits))
		w(masks[channels])
		w(tag)
		fmtc.Write([]byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71})
	} else if f.float {
		w(uint16(0)) // cbSize: non-PCM formats carry it
	}
	var out bytes.Buffer
	chunk := func(id string, body []byte) {
		out.WriteString(id)
		binary.Write(&out, le, uint32(len(body)))
		out.Write(body)
		if len(body)%2 == 1 {
			out.WriteByte(0)
		}
	}
	chunk("fmt ", fmtc.Bytes())
	if f.float {
		var fact [4]byte
		le.PutUint32(fact[:], uint32(len(samples)/channels))
		chunk("fact", fact[:])
	}
	chunk("data", data.Bytes())
	file := append([]byte("RIFF\x00\x00\x00\x00WAVE"), out.Bytes()...)
	le.PutUint32(file[4:], uint32(len(file)-8))
	if err := os.WriteFile(path, file, 0o644); err != nil {
		log.Fatal(err)
	}
}

// sine returns n frames of a sine of frequency hz and peak amplitude amp, phase in radians.
func sine(n int, hz, amp, phase float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = amp * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)+phase)
	}
	return s
}

// interleave makes frames from one slice per channel (all of the same length).
func interleave(chans ...[]float64) []float64 {
	out := make([]float64, 0, len(chans)*len(chans[0]))
	for i := range chans[0] {
		for _, c := range chans {
			out = append(out, c[i])
		}
	}
	return out
}

// stats are the expected sample-domain levels of one channel or of all.
type stats struct {
	peak, rms, dc float64 // dBFS, dBFS, linear
	clipped       int
	nonFinite     int
}

func measure(f format, samples []float64, channels, ch int) stats {
	var peak, sum, sq float64
	var n, clipped, nonFinite int
	for i := 0; i < len(samples); i += channels {
		for c := 0; c < channels; c++ {
			if ch >= 0 && c != ch {
				continue
			}
			q, clip := quantise(f, samples[i+c])
			if math.IsNaN(q) || math.IsInf(q, 0) {
				nonFinite++
				q = 0
			}
			if clip || math.Abs(q) >= 1 {
				clipped++
			}
			peak = math.Max(peak, math.Abs(q))
			sum += q
			sq += q * q
			n++
		}
	}
	return stats{peak: 20 * math.Log10(peak), rms: 10 * math.Log10(sq/float64(n)), dc: sum / float64(n),
		clipped: clipped, nonFinite: nonFinite}
}

func dbs(x float64) string {
	if math.IsInf(x, -1) || math.IsNaN(x) {
		return "null"
	}
	return fmt.Sprintf("%.2f", x)
}

type entry struct {
	name, format, contents, levels string
}

func main() {
	dir := flag.String("dir", "testdata", "directory to write to")
	flag.Parse()
	generate(*dir)
}

// generate writes every file and the README into dir.
func generate(dir string) {
	var table []entry
	add := func(name string, sr, channels int, f format, samples []float64, contents, loudness string) {
		writeWAV(filepath.Join(dir, name), sr, channels, f, samples)
		all := measure(f, samples, channels, -1)
		lv := fmt.Sprintf("peak %s dBFS, RMS %s dBFS", dbs(all.peak), dbs(all.rms))
		if math.Abs(all.dc) > 1e-9 {
			lv += fmt.Sprintf(", DC %.6f", all.dc)
		}
		if channels > 1 {
			var per []string
			differ := false
			first := measure(f, samples, channels, 0)
			for c := 0; c < channels; c++ {
				s := measure(f, samples, channels, c)
				per = append(per, dbs(s.peak))
				if math.Abs(s.peak-first.peak) > 0.005 {
					differ = true
				}
			}
			if differ {
				lv += "; channel peaks " + strings.Join(per, " / ")
			}
		}
		if all.clipped > 0 {
			lv += fmt.Sprintf("; %d clipped samples", all.clipped)
		}
		if all.nonFinite > 0 {
			lv += fmt.Sprintf("; %d NaN/Inf samples (measured as 0)", all.nonFinite)
		}
		if loudness != "" {
			lv += "; " + loudness
		}
		fr := len(samples) / channels
		fm := fmt.Sprintf("%d Hz, %d ch, %v, %d frames", sr, channels, f, fr)
		table = append(table, entry{name, fm, contents, lv})
	}

	const a20 = 0.1 // -20 dBFS
	mono := func(s []float64) []float64 { return s }
	sec := func(s float64) int { return int(s * float64(rate)) }

	add("sine-s16-stereo.wav", rate, 2, s16, interleave(sine(sec(0.5), 1000, a20, 0), sine(sec(0.5), 1000, a20, 0)),
		"1 kHz sine at -20 dBFS in both channels, 0.5 s", "integrated -20.0 LUFS, correlation 1")
	add("sine-u8-mono.wav", rate, 1, u8, mono(sine(sec(0.5), 1000, a20, 0)),
		"1 kHz sine at -20 dBFS, 0.5 s", "integrated -23.0 LUFS")
	add("sine-s24-mono.wav", rate, 1, s24, mono(sine(sec(0.5), 1000, a20, 0)),
		"1 kHz sine at -20 dBFS, 0.5 s", "integrated -23.0 LUFS")
	add("sine-s32-mono.wav", rate, 1, s32, mono(sine(sec(0.5), 1000, a20, 0)),
		"1 kHz sine at -20 dBFS, 0.5 s", "integrated -23.0 LUFS")
	add("sine-f32-mono.wav", rate, 1, f32, mono(sine(sec(0.5), 1000, a20, 0)),
		"1 kHz sine at -20 dBFS, 0.5 s", "integrated -23.0 LUFS")
	add("sine-f64-mono.wav", rate, 1, f64, mono(sine(sec(0.5), 1000, a20, 0)),
		"1 kHz sine at -20 dBFS, 0.5 s", "integrated -23.0 LUFS")
	add("sine-s24x-stereo.wav", rate, 2, s24x, interleave(sine(sec(0.5), 1000, a20, 0), sine(sec(0.5), 1000, a20, 0)),
		"1 kHz sine at -20 dBFS in both channels, 0.5 s", "integrated -20.0 LUFS")
	add("sine-f32x-stereo.wav", rate, 2, f32x, interleave(sine(sec(0.5), 1000, a20, 0), sine(sec(0.5), 1000, a20, 0)),
		"1 kHz sine at -20 dBFS in both channels, 0.5 s", "integrated -20.0 LUFS")
	add("sine-s16-44k1-mono.wav", 44100, 1, s16, func() []float64 {
		s := make([]float64, 22050)
		for i := range s {
			s[i] = a20 * math.Sin(2*math.Pi*1000*float64(i)/44100)
		}
		return s
	}(), "1 kHz sine at -20 dBFS, 0.5 s at 44.1 kHz (its samples miss the crest: peak a little under -20)",
		"integrated -23.0 LUFS")
	{
		n := sec(0.5)
		l, r := sine(n, 1000, a20, 0), sine(n, 1000, a20, 0)
		c := sine(n, 1000, dbAmp(-24), 0)
		lfe := sine(n, 60, dbAmp(-30), 0)
		ls, rs := sine(n, 1000, dbAmp(-26), 0), sine(n, 1000, dbAmp(-26), 0)
		add("sine-s16x-5.1.wav", rate, 6, s16x, interleave(l, r, c, lfe, ls, rs),
			"5.1 (L R C LFE Ls Rs): 1 kHz sines at -20 (L, R), -24 (C), -26 (Ls, Rs) dBFS, 60 Hz at -30 dBFS in "+
				"the LFE, 0.5 s", "integrated -18.09 LUFS (LFE excluded, surrounds weighted 1.41)")
	}
	add("dc.wav", rate, 1, s16, func() []float64 {
		s := make([]float64, sec(0.25))
		for i := range s {
			s[i] = 0.25
		}
		return s
	}(), "constant 0.25 (DC only), 0.25 s", "")
	add("clip.wav", rate, 2, s16, interleave(sine(sec(0.1), 1000, 2, 0), sine(sec(0.1), 1000, 2, 0)),
		"1 kHz sine at +6 dBFS clipped to full scale in both channels, 0.1 s", "")
	add("silence.wav", rate, 2, s16, make([]float64, 2*sec(0.2)),
		"digital silence, 0.2 s", "every level null; correlation null")
	add("empty.wav", rate, 2, s16, nil, "a valid file with zero frames", "every level null")
	{
		s := sine(sec(0.5), 1000, a20, 0)
		s[100], s[2000], s[2001], s[20000] = math.NaN(), math.Inf(1), math.Inf(-1), math.NaN()
		add("nonfinite-f32.wav", rate, 1, f32, s, "1 kHz sine at -20 dBFS with 2 NaN and 2 ±Inf samples, 0.5 s", "")
	}
	add("antiphase.wav", rate, 2, s16, interleave(sine(sec(0.5), 1000, a20, 0), sine(sec(0.5), 1000, -a20, 0)),
		"1 kHz sine at -20 dBFS, right channel inverted, 0.5 s", "correlation -1")
	{
		// Pseudo-random white noise, seeded: content up to fs/2, the hardest case for a true-peak meter.
		rng := rand.New(rand.NewPCG(1, 2))
		n := sec(0.5)
		l, r := make([]float64, n), make([]float64, n)
		for i := range l {
			l[i] = 0.25 * (rng.Float64()*2 - 1)
			r[i] = 0.25 * (rng.Float64()*2 - 1)
		}
		add("white-noise-s24-stereo.wav", rate, 2, s24, interleave(l, r),
			"uniform white noise at ±0.25 (seeded), independent channels, 0.5 s", "correlation about 0")
	}
	{
		// Pink noise (Paul Kellet's filter over seeded white noise): a spectrum like music's.
		rng := rand.New(rand.NewPCG(3, 4))
		n := sec(0.5)
		pink := func() []float64 {
			var b0, b1, b2, b3, b4, b5, b6 float64
			out := make([]float64, n)
			for i := range out {
				w := rng.Float64()*2 - 1
				b0 = 0.99886*b0 + w*0.0555179
				b1 = 0.99332*b1 + w*0.0750759
				b2 = 0.96900*b2 + w*0.1538520
				b3 = 0.86650*b3 + w*0.3104856
				b4 = 0.55000*b4 + w*0.5329522
				b5 = -0.7616*b5 - w*0.0168980
				out[i] = 0.05 * (b0 + b1 + b2 + b3 + b4 + b5 + b6 + w*0.5362)
				b6 = w * 0.115926
			}
			return out
		}
		add("pink-noise-s16-stereo.wav", rate, 2, s16, interleave(pink(), pink()),
			"pink noise (seeded), independent channels, 0.5 s", "correlation about 0")
	}
	add("demo.wav", rate, 2, s16, demo(), "the live demo: 10 s of tones, chords and noise bursts at varied "+
		"loudness, panned; loops cleanly", "integrated -19.3 LUFS, LRA 5 LU, momentary max -11.9 LUFS, a quiet passage near -45 LUFS (6-8 s)")

	writeREADME(filepath.Join(dir, "README.md"), table)
}

// demo makes 10 s of stereo sound with levels that move: a melody with note envelopes, a bass line, noise
// bursts like hi-hats and snares, a quiet passage and a loud one. It starts and ends in near-silence so that it
// loops without a click.
func demo() []float64 {
	n := 10 * rate
	l, r := make([]float64, n), make([]float64, n)
	rng := rand.New(rand.NewPCG(2026, 11))
	note := func(start, dur, hz, amp, pan float64) {
		i0, i1 := int(start*float64(rate)), int((start+dur)*float64(rate))
		for i := i0; i < i1 && i < n; i++ {
			t := float64(i-i0) / float64(rate)
			env := math.Min(t/0.01, 1) * math.Exp(-3*t/dur)
			x := amp * env * (math.Sin(2*math.Pi*hz*t) + 0.3*math.Sin(4*math.Pi*hz*t) + 0.1*math.Sin(6*math.Pi*hz*t))
			l[i] += x * math.Cos(pan*math.Pi/2)
			r[i] += x * math.Sin(pan*math.Pi/2)
		}
	}
	burst := func(start, dur, amp, pan float64) {
		i0, i1 := int(start*float64(rate)), int((start+dur)*float64(rate))
		var lp float64
		for i := i0; i < i1 && i < n; i++ {
			t := float64(i-i0) / float64(rate)
			w := rng.Float64()*2 - 1
			lp += 0.3 * (w - lp)
			x := amp * math.Exp(-t/(dur/4)) * (w - lp) // high-passed noise, fast decay
			l[i] += x * math.Cos(pan*math.Pi/2)
			r[i] += x * math.Sin(pan*math.Pi/2)
		}
	}
	scaleHz := []float64{261.63, 293.66, 329.63, 392.00, 440.00, 523.25, 587.33, 659.25}
	// 0.2–3 s: a melody, getting louder.
	for k := 0; k < 11; k++ {
		note(0.2+float64(k)*0.25, 0.45, scaleHz[(k*3)%len(scaleHz)], 0.05+0.02*float64(k), 0.2+0.06*float64(k))
	}
	// 3–6 s: bass, chords and percussion: the loud part.
	for k := 0; k < 6; k++ {
		t := 3 + float64(k)*0.5
		note(t, 0.5, 65.41*[]float64{1, 1, 1.5, 1.335}[k%4], 0.35, 0.5)
		for _, hz := range []float64{261.63, 329.63, 392.00} {
			note(t, 0.45, hz*[]float64{1, 1, 1.5, 1.335}[k%4], 0.08, 0.5)
		}
		burst(t+0.25, 0.12, 0.5, 0.7)
		burst(t, 0.05, 0.25, 0.3)
	}
	// 6–8 s: a quiet passage, sparse high notes far left and right.
	for k := 0; k < 6; k++ {
		note(6+float64(k)*0.33, 0.6, scaleHz[7-k%4]*2, 0.012, float64(k%2))
	}
	// 8–9.6 s: a final swell and a short burst near full scale, then silence.
	note(8, 1.4, 110, 0.4, 0.5)
	note(8, 1.4, 220, 0.25, 0.3)
	note(8, 1.4, 330, 0.2, 0.7)
	burst(9.0, 0.2, 0.9, 0.5)
	// Fade the last 50 ms so that the loop joins without a click.
	for i := n - rate/20; i < n; i++ {
		k := float64(n-i) / float64(rate/20)
		l[i] *= k
		r[i] *= k
	}
	return interleave(l, r)
}

func writeREADME(path string, table []entry) {
	var b strings.Builder
	b.WriteString(`# testdata

Small WAV files with known levels, written by ` + "`generate.sh`" + ` (which runs ` + "`go run ./internal/cmd/gentestdata`" + `;
deterministic: the noise generators are seeded, so running it again writes the same bytes). Everything is
48 kHz unless the table says otherwise; sines are 1 kHz and start at phase 0, so at 48 kHz they hit their crest
exactly (48 samples per period).

Expected levels follow ` + "`../README.md`" + `'s conventions: integers are divided by 2^(bits-1), RMS reads a
full-scale sine as -3.01 dBFS, silence is null. Peak, RMS, DC and clip counts are computed by the generator from
the quantised samples it wrote (so a 16-bit -20 dBFS sine peaks at 3277/32768 = -20.00 dBFS); loudness is the
BS.1770 value of the signal (a stereo 1 kHz sine at X dBFS reads X LUFS, a mono one X - 3.01). True peak of the
sines equals their sample peak within 0.01 dB; the accuracy tests in cmd/levelmeter compare every file against
ffmpeg and libebur128.

| file | format | contents | expected levels |
| --- | --- | --- | --- |
`)
	for _, e := range table {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", e.name, e.format, e.contents, e.levels)
	}
	b.WriteString(`
` + "`demo.wav`" + ` is the file the daemon's default configuration replays in real time, in a loop.
`)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		log.Fatal(err)
	}
}
