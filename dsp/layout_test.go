package dsp

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Layouts from WAV channel masks (the common masks of the WAVEFORMATEXTENSIBLE documentation and ffmpeg) and
// from the channel count: positions, BS.1770 weights and labels.
func TestLayoutFromMask(t *testing.T) {
	for _, c := range []struct {
		name     string
		mask     uint32
		channels int
		weights  []float64
		labels   string
	}{
		{"mono", 0x4, 1, []float64{1}, "M"},
		{"stereo", 0x3, 2, []float64{1, 1}, "L R"},
		{"2.1", 0xB, 3, []float64{1, 1, 0}, "L R LFE"},
		{"3.1", 0xF, 4, []float64{1, 1, 1, 0}, "L R C LFE"},
		{"quad", 0x33, 4, []float64{1, 1, 1.41, 1.41}, "L R Ls Rs"},
		{"4.0", 0x107, 4, []float64{1, 1, 1, 1}, "L R C Cs"},
		{"5.0(back)", 0x37, 5, []float64{1, 1, 1, 1.41, 1.41}, "L R C Ls Rs"},
		{"5.1(back)", 0x3F, 6, []float64{1, 1, 1, 0, 1.41, 1.41}, "L R C LFE Ls Rs"},
		{"5.1(side)", 0x60F, 6, []float64{1, 1, 1, 0, 1.41, 1.41}, "L R C LFE Ls Rs"},
		{"6.0", 0x707, 6, []float64{1, 1, 1, 1, 1.41, 1.41}, "L R C Cs Ls Rs"},
		{"6.1", 0x70F, 7, []float64{1, 1, 1, 0, 1, 1.41, 1.41}, "L R C LFE Cs Ls Rs"},
		{"7.1", 0x63F, 8, []float64{1, 1, 1, 0, 1, 1, 1.41, 1.41}, "L R C LFE Lb Rb Ls Rs"},
		{"7.1(wide)", 0xFF, 8, []float64{1, 1, 1, 0, 1.41, 1.41, 1, 1}, "L R C LFE Ls Rs Lc Rc"},
		{"7.1.4", 0x2D63F, 12, []float64{1, 1, 1, 0, 1, 1, 1.41, 1.41, 1, 1, 1, 1}, "L R C LFE Lb Rb Ls Rs Ltf Rtf Ltr Rtr"},
		{"all 18 bits, 16 channels", 0x3FFFF, 16, []float64{1, 1, 1, 0, 1, 1, 1, 1, 1, 1.41, 1.41, 1, 1, 1, 1, 1},
			"L R C LFE Lb Rb Lc Rc Cs Ls Rs Tc Ltf Ctf Rtf Ltr"},
		{"no mask: default for 6", 0, 6, []float64{1, 1, 1, 0, 1.41, 1.41}, "L R C LFE Ls Rs"},
		{"no mask, 10 channels", 0, 10, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, "1 2 3 4 5 6 7 8 9 10"},
		{"mask short of the count", 0x3, 4, []float64{1, 1, 1, 1}, "L R 3 4"},
		{"mask beyond the count", 0x3F, 2, []float64{1, 1}, "L R"},
		{"reserved bits place nothing", 0x80000003, 3, []float64{1, 1, 1}, "L R 3"},
		{"LFE alone", 0x8, 1, []float64{0}, "LFE"},
	} {
		l := LayoutFromMask(c.mask, c.channels)
		if got := l.Weights(); !slices.Equal(got, c.weights) {
			t.Errorf("%s (0x%X, %d ch): weights %v, want %v", c.name, c.mask, c.channels, got, c.weights)
		}
		if got := strings.Join(l.Labels(), " "); got != c.labels {
			t.Errorf("%s (0x%X, %d ch): labels %q, want %q", c.name, c.mask, c.channels, got, c.labels)
		}
		if m, ok := l.Mask(); c.mask != 0 && bitsIn(c.mask&0x3FFFF) == c.channels && (!ok || m != c.mask) {
			t.Errorf("%s: Mask() = 0x%X, %v; want 0x%X", c.name, m, ok, c.mask)
		}
	}
}

func bitsIn(m uint32) int {
	n := 0
	for ; m != 0; m &= m - 1 {
		n++
	}
	return n
}

// DefaultLayout is ffmpeg's av_channel_layout_default (checked against ffmpeg by TestLayoutsAgainstFFmpeg).
func TestDefaultLayout(t *testing.T) {
	for n, want := range map[int]string{
		1: "mono", 2: "stereo", 3: "2.1", 4: "4.0", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1",
		9: "1+2+3+4+5+6+7+8+9", 15: "1+2+3+4+5+6+7+8+9+10+11+12+13+14+15", 16: "hexadecagonal",
		17: "1+2+3+4+5+6+7+8+9+10+11+12+13+14+15+16+17", 24: "22.2", 0: "",
	} {
		if got := DefaultLayout(n).String(); got != want {
			t.Errorf("DefaultLayout(%d) = %q, want %q", n, got, want)
		}
	}
	if l := DefaultLayout(-1); len(l) != 0 {
		t.Errorf("DefaultLayout(-1) = %v", l)
	}
}

func TestParseLayout(t *testing.T) {
	for _, c := range []struct {
		in      string
		want    string // String() of the result
		weights []float64
		err     string // in the error, if one is expected
	}{
		{"5.1", "5.1", []float64{1, 1, 1, 0, 1.41, 1.41}, ""},
		{" 7.1 ", "7.1", []float64{1, 1, 1, 0, 1, 1, 1.41, 1.41}, ""},
		{"STEREO", "stereo", []float64{1, 1}, ""},
		{"9.1.6", "9.1.6", []float64{1, 1, 1, 0, 1.41, 1.41, 1, 1, 1.41, 1.41, 1, 1, 1, 1, 1, 1}, ""},
		{"L,R,C,LFE,Ls,Rs", "5.1(side)", []float64{1, 1, 1, 0, 1.41, 1.41}, ""},
		{"l, r, c, lfe, lb, rb", "5.1", []float64{1, 1, 1, 0, 1.41, 1.41}, ""},
		{"FL+FR+FC+LFE+BL+BR+SL+SR", "7.1", []float64{1, 1, 1, 0, 1, 1, 1.41, 1.41}, ""},
		{"L,R,C,LFE,Lrs,Rrs,Lss,Rss", "7.1", nil, ""},
		{"C,L,R,Ls,Rs,LFE", "FC+FL+FR+SL+SR+LFE", []float64{1, 1, 1, 1.41, 1.41, 0}, ""}, // film order
		{"L,R,-,4", "FL+FR+3+4", []float64{1, 1, 1, 1}, ""},
		{"M", "mono", []float64{1}, ""},
		{"0x63F", "7.1", nil, ""},
		{"0x3f", "5.1", nil, ""},
		{"", "", nil, "empty"},
		{"5.2", "", nil, `unknown layout "5.2"`},
		{"L,R,X", "", nil, `unknown channel "X" (channel 3`},
		{"L,R,L", "", nil, `channel "L" appears twice`},
		{"L,,R", "", nil, "channel 2 of"},
		{"L,R,2", "", nil, `unknown channel "2"`},
		{"0x0", "", nil, "places no channel"},
		{"0x40000", "", nil, "is not a channel mask"},
		{"0xZZ", "", nil, "is not a channel mask"},
		{strings.Repeat("-,", 16) + "-", "", nil, "17 channels: at most 16"},
	} {
		l, err := ParseLayout(c.in)
		if c.err != "" {
			if err == nil || !errors.Is(err, ErrLayout) || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseLayout(%q) = %v, %v; want an ErrLayout saying %q", c.in, l, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseLayout(%q): %v", c.in, err)
			continue
		}
		if got := l.String(); got != c.want {
			t.Errorf("ParseLayout(%q) = %q, want %q", c.in, got, c.want)
		}
		if c.weights != nil && !slices.Equal(l.Weights(), c.weights) {
			t.Errorf("ParseLayout(%q) weights %v, want %v", c.in, l.Weights(), c.weights)
		}
	}
}

// Every named layout reads back from its name and from its String; ffmpeg's 22.2, the one beyond MaxChannels, is
// refused for its channel count, whichever way it is written.
func TestNamedLayoutsRoundTrip(t *testing.T) {
	for _, n := range namedLayouts {
		if len(n.l) > MaxChannels {
			for _, s := range []string{n.name, positionsString(n.l), strings.Join(n.l.Labels(), ",")} {
				if l, err := ParseLayout(s); !errors.Is(err, ErrLayout) || !strings.Contains(err.Error(), "channels: at most 16") {
					t.Errorf("ParseLayout(%q) = %v, %v: want refused for its %d channels", s, l, err, len(n.l))
				}
			}
			if n.name != "22.2" {
				t.Errorf("%s: %d channels, more than MaxChannels", n.name, len(n.l))
			}
			continue
		}
		for _, s := range []string{n.name, positionsString(n.l)} {
			l, err := ParseLayout(s)
			if err != nil || !slices.Equal(l, n.l) {
				t.Errorf("ParseLayout(%q) = %v, %v; want %s", s, l, err, n.name)
			}
		}
		// the labels may name a 5.1's surrounds by the side positions rather than the back ones: they weigh
		// and read the same
		s := strings.Join(n.l.Labels(), ",")
		l, err := ParseLayout(s)
		if err != nil || !slices.Equal(l.Labels(), n.l.Labels()) || !slices.Equal(l.Weights(), n.l.Weights()) {
			t.Errorf("ParseLayout(%q) = %v, %v; want the labels and weights of %s", s, l, err, n.name)
		}
		if m, ok := n.l.Mask(); ok && !slices.Equal(LayoutFromMask(m, len(n.l)), n.l) {
			t.Errorf("%s: mask 0x%X does not give the layout back", n.name, m)
		}
	}
}

func positionsString(l Layout) string {
	s := make([]string, len(l))
	for i, p := range l {
		s[i] = p.String()
	}
	return strings.Join(s, "+")
}

// FuzzParseLayout: whatever a user types, ParseLayout does not panic, fails with ErrLayout or returns a layout
// of 1 to MaxChannels known positions without repeats, whose String reads back as the same layout.
func FuzzParseLayout(f *testing.F) {
	for _, s := range []string{"5.1", "7.1.4", "L,R,C,LFE,Ls,Rs", "FL+FR", "0x63F", "L,,R", "-,-", "", "\xff", "0x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLayout(s)
		if err != nil {
			if !errors.Is(err, ErrLayout) {
				t.Fatalf("ParseLayout(%q): error %v does not wrap ErrLayout", s, err)
			}
			return
		}
		if len(l) < 1 || len(l) > MaxChannels {
			t.Fatalf("ParseLayout(%q) = %v: %d channels", s, l, len(l))
		}
		seen := map[Position]bool{}
		for _, p := range l {
			if p >= numPositions || (p != Unknown && seen[p]) {
				t.Fatalf("ParseLayout(%q) = %v: bad or repeated position %d", s, l, p)
			}
			seen[p] = true
		}
		back, err := ParseLayout(l.String())
		if err != nil || !slices.Equal(back, l) {
			t.Fatalf("ParseLayout(%q) = %v, whose String %q reads back as %v, %v", s, l, l.String(), back, err)
		}
		for _, lab := range l.Labels() {
			if !utf8.ValidString(lab) || lab == "" {
				t.Fatalf("ParseLayout(%q): label %q", s, lab)
			}
		}
	})
}

// A Meter labels and weighs its channels by its layout; without one it takes the default for the count.
func TestMeterLayout(t *testing.T) {
	m := newTestMeter(t, Config{SampleRate: 48000, Channels: 8})
	if got := m.Layout().String(); got != "7.1" {
		t.Errorf("default 8-channel layout %q, want 7.1", got)
	}
	l, _ := ParseLayout("L,R,C,LFE,Ls,Rs,Lb,Rb")
	m = newTestMeter(t, Config{SampleRate: 48000, Channels: 8, Layout: l})
	if got, want := m.Weights(), []float64{1, 1, 1, 0, 1.41, 1.41, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("weights %v, want %v", got, want)
	}
	if got := strings.Join(m.Layout().Labels(), " "); got != "L R C LFE Ls Rs Lb Rb" {
		t.Errorf("labels %q", got)
	}
	l[0] = Unknown // the meter keeps its own copy
	if m.Layout()[0] != FrontLeft {
		t.Error("the meter's layout changed with the caller's slice")
	}
	m = newTestMeter(t, Config{SampleRate: 48000, Channels: 2, Layout: Layout{FrontLeft, FrontRight}, Weights: []float64{1, 0}})
	if got := m.Weights(); !slices.Equal(got, []float64{1, 0}) {
		t.Errorf("explicit weights %v", got)
	}
}

func ExampleParseLayout() {
	l, err := ParseLayout("L,R,C,LFE,Ls,Rs,Lb,Rb")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.Labels(), l.Weights())
	_, err = ParseLayout("5.2")
	fmt.Println(err)
	// Output:
	// [L R C LFE Ls Rs Lb Rb] [1 1 1 0 1.41 1.41 1 1]
	// dsp: bad channel layout: unknown layout "5.2": want a name such as stereo, 5.1 or 7.1, or the channels such as L,R,C,LFE,Ls,Rs
}

func ExampleLayoutFromMask() {
	l := LayoutFromMask(0x63F, 8) // a 7.1 WAV file's channel mask
	fmt.Println(l, l.Labels(), l.Weights())
	fmt.Println(LayoutFromMask(0, 6)) // no mask: ffmpeg's default for 6 channels
	// Output:
	// 7.1 [L R C LFE Lb Rb Ls Rs] [1 1 1 0 1 1 1.41 1.41]
	// 5.1
}

func TestParseWeights(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []float64
		err  string
	}{
		{"1,1,1,0,1.41,1.41", []float64{1, 1, 1, 0, 1.41, 1.41}, ""},
		{" 0.5 , 2 ", []float64{0.5, 2}, ""},
		{"1", []float64{1}, ""},
		{"", nil, `weight 1, "", is not`},
		{"1,,1", nil, "weight 2"},
		{"1,-1", nil, `weight 2, "-1", is not`},
		{"1,NaN", nil, "weight 2"},
		{"1,Inf", nil, "weight 2"},
		{"1,1e400", nil, "weight 2"},
		{"1,x", nil, `"x"`},
		{strings.Repeat("1,", 16) + "1", nil, "17 weights: at most 16"},
	} {
		got, err := ParseWeights(c.in)
		if c.err != "" {
			if err == nil || !errors.Is(err, ErrWeights) || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseWeights(%q) = %v, %v; want an ErrWeights saying %q", c.in, got, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("ParseWeights(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

// FuzzParseWeights: whatever a user types, ParseWeights does not panic, fails with ErrWeights or returns 1 to
// MaxChannels finite weights of at least 0, which a Meter accepts.
func FuzzParseWeights(f *testing.F) {
	for _, s := range []string{"1,1,1,0,1.41,1.41", "", ",", "-0", "1e308,1e309", "0x1p-2", "NaN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWeights(s)
		if err != nil {
			if !errors.Is(err, ErrWeights) {
				t.Fatalf("ParseWeights(%q): error %v does not wrap ErrWeights", s, err)
			}
			return
		}
		if len(w) < 1 || len(w) > MaxChannels {
			t.Fatalf("ParseWeights(%q) = %v", s, w)
		}
		if _, err := NewMeter(Config{SampleRate: 48000, Channels: len(w), Weights: w}); err != nil {
			t.Fatalf("ParseWeights(%q) = %v, which a Meter refuses: %v", s, w, err)
		}
	})
}
