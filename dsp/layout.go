package dsp

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
)

// A Position is where a channel's loudspeaker stands. The first eighteen are the positions of
// WAVE_FORMAT_EXTENSIBLE's channel mask, in the mask's bit order (FrontLeft is bit 0, TopBackRight bit 17); the
// others have no mask bit and come only from a layout name or a list of channel names.
type Position uint8

// The positions, named as ffmpeg and the WAV channel mask name them (FL, FR, FC, LFE, BL, ...): every channel
// that ffmpeg 5.1's named layouts (ffmpeg -layouts) use.
const (
	Unknown           Position = iota // a channel whose position nobody gave: weight 1.0, labelled by its number
	FrontLeft                         // FL, mask 0x1
	FrontRight                        // FR, mask 0x2
	FrontCenter                       // FC, mask 0x4
	LowFrequency                      // LFE, mask 0x8
	BackLeft                          // BL, mask 0x10
	BackRight                         // BR, mask 0x20
	FrontLeftCenter                   // FLC, mask 0x40
	FrontRightCenter                  // FRC, mask 0x80
	BackCenter                        // BC, mask 0x100
	SideLeft                          // SL, mask 0x200
	SideRight                         // SR, mask 0x400
	TopCenter                         // TC, mask 0x800
	TopFrontLeft                      // TFL, mask 0x1000
	TopFrontCenter                    // TFC, mask 0x2000
	TopFrontRight                     // TFR, mask 0x4000
	TopBackLeft                       // TBL, mask 0x8000
	TopBackCenter                     // TBC, mask 0x10000
	TopBackRight                      // TBR, mask 0x20000
	WideLeft                          // WL, no mask bit
	WideRight                         // WR, no mask bit
	TopSideLeft                       // TSL, no mask bit
	TopSideRight                      // TSR, no mask bit
	LowFrequency2                     // LFE2, no mask bit
	StereoLeft                        // DL, the left of a stereo downmix (Lt/Lo), no mask bit
	StereoRight                       // DR, the right of a stereo downmix, no mask bit
	BottomFrontCenter                 // BFC, no mask bit
	BottomFrontLeft                   // BFL, no mask bit
	BottomFrontRight                  // BFR, no mask bit
	numPositions
)

// maskPositions is the number of positions that have a bit in a WAV channel mask.
const maskPositions = int(TopBackRight)

// position describes one Position: its names and where it stands.
type position struct {
	abbr  string // ffmpeg's and the WAV mask's name
	label string // the short label people read on a meter
	az    int    // azimuth in degrees, 0 ahead, absolute (left and right weigh the same)
	el    int    // elevation in degrees
	lfe   bool
}

var positions = [numPositions]position{
	Unknown:          {"", "", 0, 0, false},
	FrontLeft:        {"FL", "L", 30, 0, false},
	FrontRight:       {"FR", "R", 30, 0, false},
	FrontCenter:      {"FC", "C", 0, 0, false},
	LowFrequency:     {"LFE", "LFE", 0, 0, true},
	BackLeft:         {"BL", "Lb", 150, 0, false}, // ±110° and "Ls" where it is the only surround pair: see surroundBack
	BackRight:        {"BR", "Rb", 150, 0, false},
	FrontLeftCenter:  {"FLC", "Lc", 15, 0, false},
	FrontRightCenter: {"FRC", "Rc", 15, 0, false},
	BackCenter:       {"BC", "Cs", 180, 0, false},
	SideLeft:         {"SL", "Ls", 90, 0, false},
	SideRight:        {"SR", "Rs", 90, 0, false},
	TopCenter:        {"TC", "Tc", 0, 90, false},
	TopFrontLeft:     {"TFL", "Ltf", 45, 45, false},
	TopFrontCenter:   {"TFC", "Ctf", 0, 45, false},
	TopFrontRight:    {"TFR", "Rtf", 45, 45, false},
	TopBackLeft:      {"TBL", "Ltr", 135, 45, false},
	TopBackCenter:    {"TBC", "Ctr", 180, 45, false},
	TopBackRight:     {"TBR", "Rtr", 135, 45, false},
	WideLeft:         {"WL", "Lw", 60, 0, false},
	WideRight:        {"WR", "Rw", 60, 0, false},
	TopSideLeft:      {"TSL", "Ltm", 90, 45, false},
	TopSideRight:     {"TSR", "Rtm", 90, 45, false},
	LowFrequency2:    {"LFE2", "LFE2", 0, 0, true},
	// A stereo downmix stands where the front pair does.
	StereoLeft:  {"DL", "Ld", 30, 0, false},
	StereoRight: {"DR", "Rd", 30, 0, false},
	// The bottom layer of 22.2 (BS.2051 system H: BtFC, BtFL, BtFR), 30° below the listener.
	BottomFrontCenter: {"BFC", "BtFC", 0, -30, false},
	BottomFrontLeft:   {"BFL", "BtFL", 45, -30, false},
	BottomFrontRight:  {"BFR", "BtFR", 45, -30, false},
}

// String returns ffmpeg's name for the position (FL, FR, FC, LFE, ...), or "unknown".
func (p Position) String() string {
	if p == Unknown || p >= numPositions {
		return "unknown"
	}
	return positions[p].abbr
}

// A Layout lists the position of each channel, in the order the samples are interleaved. Its weights and labels
// follow from the positions alone: build it from a WAV channel mask (LayoutFromMask), from the channel count
// (DefaultLayout, ffmpeg's choice when a file gives no mask) or from what a user typed (ParseLayout).
//
// Weights follow ITU-R BS.1770-4's position rule: LFE channels weigh 0 (they are not measured at all); a channel
// below 30° elevation whose azimuth is 60° to 120° off centre weighs 1.41; every other channel 1.0. The
// positions stand where ITU-R BS.775 and BS.2051 put them: L/R ±30°, C 0°, side surrounds ±90°, wide ±60°,
// back surrounds of a 7.1 ±150° (BS.2051 allows 135°–150°), back centre 180°, top layer at 45° elevation. A
// WAV mask has no bit for the 5.1 surrounds at ±110°: a 5.1 file says BL BR (0x3F) or SL SR (0x60F). Either
// pair, when it is the layout's only surround pair, is the 5.1 Ls/Rs at ±110° and weighs 1.41; a back pair
// next to a side pair (7.1: 0x63F) is the back surround pair at ±150° and weighs 1.0.
//
// Where ffmpeg's ebur128 differs: it weighs by name, 1.41 for every back, side and top-back channel. So a 7.1's
// back pair, a back centre (4.0, 6.1) and the top-back channels weigh 1.41 in ffmpeg and 1.0 here; wide
// channels (±60°) weigh 1.0 in ffmpeg and 1.41 here. Stereo, 5.0, 5.1, quad and 7.1's side pair agree.
//
// Labels are the short names of film and broadcast practice: L R C LFE Ls Rs for 5.1, Lb Rb for a 7.1's back
// pair, Lc Rc, Cs (back centre), Lw Rw, and for the top layer Ltf Ctf Rtf, Ltm Rtm, Ltr Ctr Rtr, Tc. A layout
// of one front-centre channel (mono) is labelled M; a channel of Unknown position by its number from 1.
type Layout []Position

// ErrLayout is the error ParseLayout and Config validation wrap when a layout is not usable.
var ErrLayout = errors.New("dsp: bad channel layout")

// surroundBack reports whether the layout's back pair is its surround pair (5.x, quad: no side channels), at
// ±110°, rather than a 7.1's back pair at ±150°.
func (l Layout) surroundBack() bool {
	for _, p := range l {
		if p == SideLeft || p == SideRight {
			return false
		}
	}
	return true
}

// Weight returns the BS.1770 weight of channel c (0 for LFE, 1.41 for a surround, 1.0 otherwise).
func (l Layout) Weight(c int) float64 {
	p := l[c]
	if p >= numPositions {
		p = Unknown
	}
	d := positions[p]
	if d.lfe {
		return 0
	}
	az := d.az
	if (p == BackLeft || p == BackRight) && l.surroundBack() {
		az = 110
	}
	if d.el < 30 && az >= 60 && az <= 120 {
		return 1.41
	}
	return 1
}

// Weights returns the BS.1770 weight of every channel, a new slice.
func (l Layout) Weights() []float64 {
	w := make([]float64, len(l))
	for c := range l {
		w[c] = l.Weight(c)
	}
	return w
}

// Label returns the short label of channel c, as analyze, the terminal meter, the web page and the metrics
// show it: see Layout.
func (l Layout) Label(c int) string {
	p := l[c]
	switch {
	case p == Unknown || p >= numPositions:
		return strconv.Itoa(c + 1)
	case p == FrontCenter && len(l) == 1:
		return "M"
	case p == BackLeft && l.surroundBack():
		return "Ls"
	case p == BackRight && l.surroundBack():
		return "Rs"
	}
	return positions[p].label
}

// Labels returns the label of every channel, a new slice.
func (l Layout) Labels() []string {
	s := make([]string, len(l))
	for c := range l {
		s[c] = l.Label(c)
	}
	return s
}

// Mask returns the WAV channel mask of the layout, and false if the layout cannot be written as one: a
// position without a mask bit, an Unknown one, a repeat, or channels out of the mask's order.
func (l Layout) Mask() (uint32, bool) {
	var m uint32
	last := Unknown
	for _, p := range l {
		if p == Unknown || int(p) > maskPositions || p <= last {
			return 0, false
		}
		m |= 1 << (p - 1)
		last = p
	}
	return m, len(l) > 0
}

// String returns the layout's name (ParseLayout's, such as "5.1") if it has one, and otherwise its positions
// as ffmpeg writes them, FL+FR+..., with the number of each channel of Unknown position. ParseLayout reads it
// back as the same layout.
func (l Layout) String() string {
	for _, n := range namedLayouts {
		if slices.Equal(n.l, l) {
			return n.name
		}
	}
	s := make([]string, len(l))
	for c, p := range l {
		if p == Unknown || p >= numPositions {
			s[c] = strconv.Itoa(c + 1)
		} else {
			s[c] = p.String()
		}
	}
	return strings.Join(s, "+")
}

// DefaultLayout returns the layout ffmpeg assumes for a channel count when a file gives no channel mask (its
// av_channel_layout_default, checked against ffmpeg 5.1: the first of its named layouts with that many
// channels): 1 mono (C), 2 stereo, 3 2.1 (L R LFE), 4 4.0 (L R C Cs), 5 5.0 (L R C Ls Rs), 6 5.1
// (L R C LFE Ls Rs), 7 6.1 (L R C LFE Cs Ls Rs), 8 7.1 (L R C LFE Lb Rb Ls Rs), 16 hexadecagonal
// (L R C Lb Rb Cs Ls Rs Ltf Ctf Rtf Ltr Ctr Rtr Lw Rw) and 24 22.2 (more than a Meter takes). ffmpeg has no named
// layout of 9 to 15 or 17 to 23 channels: for those every channel is of Unknown position, weighs 1.0 and is
// labelled by its number, as in ffmpeg. Counts below 1 give an empty layout.
func DefaultLayout(channels int) Layout {
	for _, n := range namedLayouts {
		if n.ffmpeg && len(n.l) == channels {
			return append(Layout(nil), n.l...)
		}
	}
	return make(Layout, max(channels, 0))
}

// LayoutFromMask returns the layout of a WAV file with the given channel count and WAVE_FORMAT_EXTENSIBLE
// channel mask: the channels take the mask's positions in bit order. A mask of 0 gives no positions, and the
// layout is DefaultLayout's for the count (as ffmpeg reads such a file). A mask with fewer bits than channels
// places the first channels and leaves the rest Unknown; bits beyond the channel count are ignored (as the
// WAVEFORMATEXTENSIBLE documentation prescribes).
func LayoutFromMask(mask uint32, channels int) Layout {
	if mask == 0 {
		return DefaultLayout(channels)
	}
	l := make(Layout, max(channels, 0))
	c := 0
	for m := mask; m != 0 && c < len(l); m &= m - 1 {
		b := bits.TrailingZeros32(m)
		if b >= maskPositions {
			break // reserved bits (and SPEAKER_ALL, 0x80000000) place nothing
		}
		l[c] = Position(b + 1)
		c++
	}
	return l
}

// namedLayouts are the layouts ParseLayout knows by name: ffmpeg 5.1's names and orders (ffmpeg -layouts), in
// its order, which decides DefaultLayout (ffmpeg true), then the immersive layouts as ffmpeg 7 orders them
// (5.1.2, 5.1.4, 7.1.2, 7.1.4) plus 9.1.6 in Dolby's order, which ffmpeg 5.1 does not name (so that no later
// ffmpeg's defaults creep in: ffmpeg 7 would take 5.1.2 for 8 channels were it before 7.1).
var namedLayouts = []struct {
	name   string
	l      Layout
	ffmpeg bool
}{
	{"mono", Layout{FrontCenter}, true},
	{"stereo", Layout{FrontLeft, FrontRight}, true},
	{"2.1", Layout{FrontLeft, FrontRight, LowFrequency}, true},
	{"3.0", Layout{FrontLeft, FrontRight, FrontCenter}, true},
	{"3.0(back)", Layout{FrontLeft, FrontRight, BackCenter}, true},
	{"4.0", Layout{FrontLeft, FrontRight, FrontCenter, BackCenter}, true},
	{"quad", Layout{FrontLeft, FrontRight, BackLeft, BackRight}, true},
	{"quad(side)", Layout{FrontLeft, FrontRight, SideLeft, SideRight}, true},
	{"3.1", Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency}, true},
	{"5.0", Layout{FrontLeft, FrontRight, FrontCenter, BackLeft, BackRight}, true},
	{"5.0(side)", Layout{FrontLeft, FrontRight, FrontCenter, SideLeft, SideRight}, true},
	{"4.1", Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, BackCenter}, true},
	{"5.1", Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, BackLeft, BackRight}, true},
	{"5.1(side)", Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, SideLeft, SideRight}, true},
	{"6.0", Layout{FrontLeft, FrontRight, FrontCenter, BackCenter, SideLeft, SideRight}, true},
	{"6.0(front)", Layout{FrontLeft, FrontRight, FrontLeftCenter, FrontRightCenter, SideLeft, SideRight}, true},
	{"hexagonal", Layout{FrontLeft, FrontRight, FrontCenter, BackLeft, BackRight, BackCenter}, true},
	{"6.1", Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, BackCenter, SideLeft, SideRight}, true},
	{"6.1(back)", Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, BackLeft, BackRight, BackCenter}, true},
	{"6.1(front)", Layout{FrontLeft, FrontRight, LowFrequency, FrontLeftCenter, FrontRightCenter, SideLeft, SideRight}, true},
	{"7.0", Layout{FrontLeft, FrontRight, FrontCenter, BackLeft, BackRight, SideLeft, SideRight}, true},
	{"7.0(front)", Layout{FrontLeft, FrontRight, FrontCenter, FrontLeftCenter, FrontRightCenter, SideLeft, SideRight}, true},
	{"7.1", Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, BackLeft, BackRight, SideLeft, SideRight}, true},
	{"7.1(wide)", Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, BackLeft, BackRight, FrontLeftCenter, FrontRightCenter}, true},
	{"7.1(wide-side)", Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, FrontLeftCenter, FrontRightCenter, SideLeft, SideRight}, true},
	{"octagonal", Layout{FrontLeft, FrontRight, FrontCenter, BackLeft, BackRight, BackCenter, SideLeft, SideRight}, true},
	{"hexadecagonal", Layout{FrontLeft, FrontRight, FrontCenter, BackLeft, BackRight, BackCenter, SideLeft, SideRight,
		TopFrontLeft, TopFrontCenter, TopFrontRight, TopBackLeft, TopBackCenter, TopBackRight, WideLeft, WideRight}, true},
	{"downmix", Layout{StereoLeft, StereoRight}, true},
	{"22.2", Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, BackLeft, BackRight, FrontLeftCenter, FrontRightCenter,
		BackCenter, SideLeft, SideRight, TopCenter, TopFrontLeft, TopFrontCenter, TopFrontRight, TopBackLeft, TopBackCenter,
		TopBackRight, LowFrequency2, TopSideLeft, TopSideRight, BottomFrontCenter, BottomFrontLeft, BottomFrontRight}, true},
	{"5.1.2", Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, BackLeft, BackRight, TopFrontLeft, TopFrontRight}, false},
	{"5.1.4", Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, BackLeft, BackRight, TopFrontLeft, TopFrontRight, TopBackLeft, TopBackRight}, false},
	{"7.1.2", Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, BackLeft, BackRight, SideLeft, SideRight, TopFrontLeft, TopFrontRight}, false},
	{"7.1.4", Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, BackLeft, BackRight, SideLeft, SideRight, TopFrontLeft, TopFrontRight, TopBackLeft, TopBackRight}, false},
	{"9.1.6", Layout{FrontLeft, FrontRight, FrontCenter, LowFrequency, SideLeft, SideRight, BackLeft, BackRight, WideLeft, WideRight,
		TopFrontLeft, TopFrontRight, TopSideLeft, TopSideRight, TopBackLeft, TopBackRight}, false},
}

// channelNames maps what ParseLayout accepts for one channel, lower-cased, to its position: the labels Layout
// shows, ffmpeg's names, and the Dolby names of the 7.1 surrounds (Lss Rss side, Lrs Rrs back).
var channelNames = func() map[string]Position {
	m := map[string]Position{
		"m": FrontCenter, "ls": SideLeft, "rs": SideRight, "lss": SideLeft, "rss": SideRight,
		"lrs": BackLeft, "rrs": BackRight, "lfe1": LowFrequency,
	}
	for p := FrontLeft; p < numPositions; p++ {
		m[strings.ToLower(positions[p].abbr)] = p
		if _, ok := m[strings.ToLower(positions[p].label)]; !ok {
			m[strings.ToLower(positions[p].label)] = p
		}
	}
	return m
}()

// ParseLayout reads a channel layout as a user gives it (a --layout flag, a layout: key):
//   - a name: mono, stereo, 2.1, 3.0, 4.0, quad, 5.0, 5.1, 5.1(side), 6.1, 7.1, 5.1.2, 5.1.4, 7.1.4, 9.1.6,
//     hexadecagonal and every other name ffmpeg 5.1 lists (ffmpeg -layouts), but 22.2, whose 24 channels are
//     more than a Meter takes;
//   - a WAV channel mask in hexadecimal, such as 0x63F (as a WAV file would give it, by DefaultLayout for 0);
//   - the channels in order, separated by commas (or +, as ffmpeg writes them): the labels Layout shows (L, R,
//     C, LFE, Ls, Rs, Lb, Rb, Lc, Rc, Cs, Lw, Rw, Ltf, Rtf, ...) or ffmpeg's names (FL, FR, FC, LFE, BL, BR, SL,
//     SR, TFL, ...), in any case. Ls and Rs are the side positions (which weigh as the 5.1 surrounds do), Lb
//     and Rb the back pair; a channel whose position is unknown is written as its number or as "-".
//
// Errors wrap ErrLayout and say what was wrong.
func ParseLayout(s string) (Layout, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("%w: empty; give a name such as 5.1 or the channels such as L,R,C,LFE,Ls,Rs", ErrLayout)
	}
	for _, n := range namedLayouts {
		if strings.EqualFold(n.name, s) {
			if len(n.l) > MaxChannels {
				return nil, fmt.Errorf("%w: %s has %d channels: at most %d", ErrLayout, n.name, len(n.l), MaxChannels)
			}
			return append(Layout(nil), n.l...), nil
		}
	}
	if len(s) > 2 && (s[:2] == "0x" || s[:2] == "0X") {
		m, err := strconv.ParseUint(s[2:], 16, 32)
		if err != nil || m>>maskPositions != 0 {
			return nil, fmt.Errorf("%w: %q is not a channel mask: want hexadecimal bits up to 0x%X", ErrLayout, s, 1<<maskPositions-1)
		}
		if bits.OnesCount64(m) > MaxChannels {
			return nil, fmt.Errorf("%w: mask %s has %d channels: at most %d", ErrLayout, s, bits.OnesCount64(m), MaxChannels)
		}
		if m == 0 {
			return nil, fmt.Errorf("%w: mask 0 places no channel", ErrLayout)
		}
		return LayoutFromMask(uint32(m), bits.OnesCount64(m)), nil
	}
	fields := strings.Split(strings.ReplaceAll(s, "+", ","), ",")
	if len(fields) > MaxChannels {
		return nil, fmt.Errorf("%w: %d channels: at most %d", ErrLayout, len(fields), MaxChannels)
	}
	var seen [numPositions]bool
	l := make(Layout, 0, len(fields))
	for i, f := range fields {
		f = strings.TrimSpace(f)
		if f == "" {
			return nil, fmt.Errorf("%w: channel %d of %q is empty", ErrLayout, i+1, s)
		}
		if f == "-" || f == strconv.Itoa(i+1) {
			l = append(l, Unknown)
			continue
		}
		p, ok := channelNames[strings.ToLower(f)]
		if !ok {
			if len(fields) == 1 {
				return nil, fmt.Errorf("%w: unknown layout %q: want a name such as stereo, 5.1 or 7.1, or the channels such as L,R,C,LFE,Ls,Rs", ErrLayout, s)
			}
			return nil, fmt.Errorf("%w: unknown channel %q (channel %d of %q): want a label such as L, R, C, LFE, Ls, Rs, Lb, Rb or a name such as FL, FR, FC", ErrLayout, f, i+1, s)
		}
		if seen[p] {
			return nil, fmt.Errorf("%w: channel %q appears twice in %q", ErrLayout, f, s)
		}
		seen[p] = true
		l = append(l, p)
	}
	return l, nil
}

// ErrWeights is the error ParseWeights wraps when a list of weights is not usable.
var ErrWeights = errors.New("dsp: bad channel weights")

// ParseWeights reads BS.1770 channel weights as a user gives them (a --weights flag), one per channel separated
// by commas, such as 1,1,1,0,1.41,1.41: finite numbers, 0 or more (0 leaves a channel out). It does not know the
// channel count; Config checks that there is one weight per channel. Errors wrap ErrWeights.
func ParseWeights(s string) ([]float64, error) {
	fields := strings.Split(s, ",")
	if len(fields) > MaxChannels {
		return nil, fmt.Errorf("%w: %d weights: at most %d", ErrWeights, len(fields), MaxChannels)
	}
	w := make([]float64, len(fields))
	for i, f := range fields {
		f = strings.TrimSpace(f)
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || !(v >= 0 && v <= math.MaxFloat64) {
			return nil, fmt.Errorf("%w: weight %d, %q, is not a finite number of at least 0 (write them as 1,1,1,0,1.41,1.41)", ErrWeights, i+1, f)
		}
		w[i] = v
	}
	return w, nil
}
