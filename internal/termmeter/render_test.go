package termmeter

import (
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/levelmeter/levelmeter/web"
)

func TestRenderFitsTheWidth(t *testing.T) {
	r := testReport("a-source-with-a-long-name-"+strings.Repeat("n", 100), math.Inf(-1), 6)
	r.Interval.Loudness.Momentary = -449.8
	u := web.NewUpdate(r)
	for _, width := range []int{60, 80, 132} {
		for _, color := range []bool{false, true} {
			s := render(map[string]*source{u.Source: {Update: &u}}, "header", width, color)
			if color != strings.Contains(s, "\x1b[") {
				t.Errorf("width %d color %v: escape codes present = %v", width, color, !color)
			}
			for line := range strings.Lines(ansiCodes.ReplaceAllString(s, "")) {
				line = strings.TrimSuffix(line, "\n")
				if n := utf8.RuneCountInString(line); n > width {
					t.Errorf("width %d: a line of %d columns: %q", width, n, line)
				}
			}
			if !strings.Contains(s, "-449.8") {
				t.Errorf("a momentary loudness below the gate is not shown as it is:\n%s", s)
			}
			if !strings.Contains(s, "-inf") {
				t.Errorf("silent integrated loudness is not shown as -inf:\n%s", s)
			}
		}
	}
}

// TestRenderLabels: the stream's labels where it carries them, else those of dsp.DefaultLayout; a long one is cut, and the
// bars stay aligned.
func TestRenderLabels(t *testing.T) {
	cases := []struct {
		name     string
		channels int
		labels   []string
		want     []string
	}{
		{"mono", 1, nil, []string{"M"}},
		{"stereo", 2, nil, []string{"L", "R"}},
		{"5.1", 6, nil, []string{"L", "R", "C", "LFE", "Ls", "Rs"}},
		{"4 channels (ffmpeg's 4.0)", 4, nil, []string{"L", "R", "C", "Cs"}},
		{"from the stream", 2, []string{"Lt", "Rt"}, []string{"Lt", "Rt"}},
		{"too many from the stream", 2, []string{"a", "b", "c"}, []string{"L", "R"}},
		{"a long one", 2, []string{"left-total", "R"}, []string{"left…", "R"}},
	}
	for _, c := range cases {
		u := web.NewUpdate(testReport("s", -23, c.channels))
		s := render(map[string]*source{"s": {Update: &u, labels: c.labels}}, "h", 80, false)
		var barAt []int
		for line := range strings.Lines(s) {
			if i := strings.IndexAny(line, "█▏▎▍▌▋▊▉·"); i >= 0 && strings.Contains(line, "hold") {
				barAt = append(barAt, utf8.RuneCountInString(line[:i]))
			}
		}
		if len(barAt) != c.channels {
			t.Fatalf("%s: %d channel lines, want %d:\n%s", c.name, len(barAt), c.channels, s)
		}
		for i, want := range c.want {
			if !strings.Contains(s, "\n  "+want+" ") {
				t.Errorf("%s: channel %d is not labelled %q:\n%s", c.name, i, want, s)
			}
			if barAt[i] != barAt[0] {
				t.Errorf("%s: the bars do not line up: columns %v\n%s", c.name, barAt, s)
			}
		}
	}
}

func TestBar(t *testing.T) {
	plain := func(code, s string) string { return s }
	cases := []struct {
		peak, hold float64
		want       string
	}{
		{math.Inf(-1), math.Inf(-1), "··········"},
		{-60, -60, "··········"},
		{-30, -12, "█████···│·"},
		{0, 0, "██████████"},
		{-27, -3, "█████▌···│"},
		{-30, math.NaN(), "█████·····"},
	}
	for _, c := range cases {
		if got := bar(web.Float(c.peak), web.Float(c.hold), 10, plain); got != c.want {
			t.Errorf("bar(%v, %v) = %q, want %q", c.peak, c.hold, got, c.want)
		}
	}
}

func TestDecodeReportLabels(t *testing.T) {
	cases := []struct {
		data string
		want []string
	}{
		{`{"source":"s","channels":[{},{}]}`, nil},
		{`{"source":"s","channels":[{},{}],"labels":["Lt","Rt"]}`, []string{"Lt", "Rt"}},
		{`{"source":"s","channels":[{"label":"Lt"},{"label":"Rt"}]}`, []string{"Lt", "Rt"}},
		{`{"source":"s","channels":[{"label":"Lt"},{}]}`, nil},
		{`{"source":"s","channels":[{},{}],"labels":["only one"]}`, nil},
	}
	for _, c := range cases {
		s, err := decodeReport([]byte(c.data))
		if err != nil {
			t.Fatalf("%s: %v", c.data, err)
		}
		if strings.Join(s.labels, ",") != strings.Join(c.want, ",") || len(s.Channels) != 2 {
			t.Errorf("%s: labels %q, %d channels; want %q", c.data, s.labels, len(s.Channels), c.want)
		}
	}
}

// FuzzRender: whatever a report event holds, what is drawn without colour holds no escape code or other control
// character but the line ends, is valid UTF-8, and no line is wider than the terminal.
func FuzzRender(f *testing.F) {
	f.Add([]byte(`{"source":"studio","sampleRate":48000,"channels":[{"peak":-12,"hold":-3,"clip":true},{"peak":null}],"loudness":{"momentary":-21.5},"counters":{"captured":1234567,"ringFill":1,"ringCap":2}}`))
	f.Add([]byte(`{"source":"evil\u001b]0;TITLE\u0007\u001b[2J","lastError":"\u009b2J","labels":["\u202e","x"],"channels":[{},{}]}`))
	f.Add([]byte(`{"source":"s","sampleRate":-1,"latency":1e300,"truePeakMax":-1e300,"channels":[{"peak":1e300,"hold":-1e300}]}`))
	f.Add([]byte(`{"source":"s","channels":[{}],"alarms":[{"name":"silence","since":"2026-11-30T00:25:24Z","value":-96.2},{"name":"\u001b[2Jx","value":null}],"target":{"name":"\u009bhouse","lufs":-1e300,"tolerance":1e300,"maxTruePeak":null}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := decodeReport(data)
		if err != nil {
			return
		}
		for _, width := range []int{60, 100} {
			out := render(map[string]*source{s.Source: s}, "levelmeter watch · "+s.Source, width, false)
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 drawn for %q:\n%q", data, out)
			}
			if i := strings.IndexFunc(out, func(r rune) bool { return r != '\n' && unsafeRune(r) }); i >= 0 {
				t.Fatalf("a control character drawn for %q at %d:\n%q", data, i, out)
			}
			for line := range strings.Lines(out) {
				if n := utf8.RuneCountInString(strings.TrimSuffix(line, "\n")); n > width {
					t.Fatalf("a line of %d columns at width %d for %q:\n%s", n, width, data, out)
				}
			}
		}
	})
}

// TestRenderAlarmsAndTarget: the active alarms in one line, each with the time it started and the value that
// raised it, and the loudness target beside the loudness.
func TestRenderAlarmsAndTarget(t *testing.T) {
	since := time.Date(2026, 11, 30, 0, 25, 24, 0, time.Local)
	for _, c := range []struct {
		name   string
		alarms []web.Alarm
		target *web.Target
		want   []string
		not    []string
	}{
		{name: "none", not: []string{"ALARM", "target"}},
		{name: "one", alarms: []web.Alarm{{Name: "silence", Since: since, Value: web.Float(math.Inf(-1))}},
			want: []string{"  ALARM silence since 00:25:24\n"}},
		{name: "two", alarms: []web.Alarm{{Name: "clipping", Since: since, Value: 25}, {Name: "dc_offset", Value: 0.0123}},
			want: []string{"  ALARM clipping since 00:25:24 (25) · dc_offset (0.0123)\n"}},
		{name: "target", target: &web.Target{Name: "ebu-r128", LUFS: -23, Tolerance: 1, MaxTruePeak: -1},
			want: []string{"  target ebu-r128 -23 ±1 LUFS"}},
		{name: "target without tolerance or name", target: &web.Target{LUFS: -16.5, Tolerance: web.Float(math.NaN())},
			want: []string{"  target -16.5 LUFS"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := web.NewUpdate(testReport("s", -20, 2))
			u.Alarms, u.Target = c.alarms, c.target
			s := render(map[string]*source{"s": {Update: &u}}, "h", 100, false)
			for _, w := range c.want {
				if !strings.Contains(s, w) {
					t.Errorf("no %q in\n%s", w, s)
				}
			}
			for _, w := range c.not {
				if strings.Contains(s, w) {
					t.Errorf("%q in\n%s", w, s)
				}
			}
		})
	}
}
