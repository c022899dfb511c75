package termmeter

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/levelmeter/levelmeter/dsp"
	"github.com/levelmeter/levelmeter/web"
)

// draw redraws the screen.
func (m *meter) draw() {
	if m.alt {
		if width, ok := terminalWidth(m.out); ok {
			m.width = width
		}
	}
	frame := render(m.sources, m.header(), m.width, m.color)
	if m.alt {
		// Home, draw each line over the old one and clear its rest, clear below.
		frame = "\x1b[H" + strings.ReplaceAll(frame, "\n", "\x1b[K\n") + "\x1b[J"
	}
	io.WriteString(m.out, frame)
}

func (m *meter) header() string {
	h := "levelmeter watch · " + m.addr + " · " + m.status
	if m.version != "" {
		h += " · " + m.version
	}
	return h
}

// ANSI colours.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiRed    = "\x1b[31m"
	ansiCyan   = "\x1b[36m"
	ansiWhite  = "\x1b[97m"
)

// The bar scale in dBFS and its colour zones (as on the web page).
const (
	floorDB  = -60.0
	yellowDB = -18.0
	redDB    = -6.0
)

// maxLabel is the widest channel label drawn, in columns; longer labels from the stream are cut.
const maxLabel = 5

// render draws every source as lines of at most width columns. Every text that came from the network (names,
// labels, errors, the header's version) is sanitized here, so no caller can forget it.
func render(sources map[string]*source, header string, width int, color bool) string {
	width = max(width, 60)
	c := func(code, s string) string {
		if !color || code == "" {
			return s
		}
		return code + s + ansiReset
	}
	var b strings.Builder
	b.WriteString(c(ansiBold, fit(Sanitize(header), width)))
	b.WriteString("\n")
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		b.WriteString("\nwaiting for the first report…\n")
	}

	for _, name := range names {
		u := sources[name]
		b.WriteString("\n")
		state := c(ansiGreen, "running")
		if u.Final {
			state = c(ansiDim, "stopped")
		}
		line := fmt.Sprintf("  %s · %d ch · ", kHz(u.SampleRate), len(u.Channels))
		title := fit(Sanitize(name), width-utf8.RuneCountInString(line)-len("running"))
		fmt.Fprintf(&b, "%s%s%s\n", c(ansiBold+ansiWhite, title), line, state)
		if u.LastError != "" {
			b.WriteString(c(ansiRed, fit("  last error: "+Sanitize(u.LastError), width)) + "\n")
		}
		if len(u.Alarms) > 0 {
			b.WriteString(c(ansiRed+ansiBold, fit("  ALARM "+alarms(u.Alarms), width)) + "\n")
		}
		L := u.Loudness
		loudness := []string{
			"mom " + c(ansiCyan, lu(L.Momentary, 6)), "short " + c(ansiYellow, lu(L.ShortTerm, 6)),
			"int " + c(ansiBold+ansiWhite, lu(L.Integrated, 6)) + " LUFS", " LRA " + num(L.Range, 4) + " LU",
			" TP max " + peak(u.TruePeakMax, c) + " dBTP", " corr " + corr(u.Update, c),
		}
		if t := u.Target; t != nil {
			loudness = append(loudness, "target "+fit(target(t), width-len("  target ")))
		}
		fields(&b, width, loudness)

		// Each channel line: "  " + label + " " + bar + readouts (30 columns).
		from := u.labels
		if len(from) != len(u.Channels) {
			from = dsp.DefaultLayout(len(u.Channels)).Labels() // as analyze and the daemon label them
		}
		labels := make([]string, len(u.Channels))
		labelWidth := 1
		for i := range labels {
			labels[i] = fit(Sanitize(from[i]), maxLabel)
			labelWidth = max(labelWidth, utf8.RuneCountInString(labels[i]))
		}
		const readouts = 30
		indent := 2 + labelWidth + 1
		barWidth := width - indent - readouts - 2
		b.WriteString(strings.Repeat(" ", indent) + c(ansiDim, ruler(barWidth)) + "\n")
		for i, ch := range u.Channels {
			label := labels[i] + strings.Repeat(" ", labelWidth-utf8.RuneCountInString(labels[i]))
			line := fmt.Sprintf("  %s %s  %s  hold %s  %s", label, bar(ch.Peak, ch.Hold, barWidth, c),
				num(ch.Peak, 6), num(ch.Hold, 6), clip(ch.Clip, c))
			b.WriteString(strings.TrimRight(line, " ") + "\n")
		}
		k := u.Counters
		bad := func(n int64) string {
			if n > 0 {
				return c(ansiRed+ansiBold, group(n))
			}
			return group(n)
		}
		ring := 0
		if k.RingCap > 0 {
			ring = 100 * k.RingFill / k.RingCap
		}
		fields(&b, width, []string{
			"captured " + group(k.Captured), "metered " + group(k.Metered), "dropped " + bad(k.Dropped),
			"overflows " + bad(k.Overflows), "restarts " + bad(k.Restarts), "lost reports " + bad(k.Lost),
			fmt.Sprintf("ring %d%%", ring), "latency " + latency(u.Latency),
		})
	}
	return b.String()
}

// fit cuts s to at most width columns, ending it with "…" when cut.
func fit(s string, width int) string {
	width = max(width, 1)
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	return string([]rune(s)[:width-1]) + "…"
}

// fields writes fields two spaces apart on lines indented by two, wrapping them at width columns.
func fields(b *strings.Builder, width int, fields []string) {
	col := 0
	for _, f := range fields {
		n := utf8.RuneCountInString(ansiCodes.ReplaceAllString(f, ""))
		if col > 0 && col+2+n > width {
			b.WriteString("\n")
			col = 0
		}
		b.WriteString("  ")
		b.WriteString(f)
		col += 2 + n
	}
	b.WriteString("\n")
}

// ansiCodes matches the colour codes render writes (and nothing from the network, which is sanitized).
var ansiCodes = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

// bar draws a peak meter of width cells: the level in eighths of a cell, coloured by zone, and the peak-hold
// marker.
func bar(peak, hold web.Float, width int, c func(code, s string) string) string {
	pos := func(db web.Float) float64 {
		if !db.Valid() || float64(db) <= floorDB {
			return 0
		}
		return math.Min(1, (float64(db)-floorDB)/-floorDB) * float64(width)
	}
	level, mark := pos(peak), int(pos(hold))
	if !hold.Valid() || float64(hold) <= floorDB {
		mark = -1
	}
	mark = min(mark, width-1)
	var b strings.Builder
	partial := []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}
	for i := range width {
		db := floorDB + (float64(i)+0.5)/float64(width)*-floorDB
		zone := ansiGreen
		switch {
		case db > redDB:
			zone = ansiRed
		case db > yellowDB:
			zone = ansiYellow
		}
		var cell string
		switch {
		case float64(i+1) <= level:
			cell = "█"
		case float64(i) < level:
			cell = partial[int((level-float64(i))*8)]
			if cell == "" {
				cell = " "
			}
		case i == mark:
			cell = "│"
			if db > redDB {
				zone = ansiRed
			} else {
				zone = ansiWhite
			}
		default:
			cell, zone = "·", ansiDim
		}
		b.WriteString(c(zone, cell))
	}
	return b.String()
}

// ruler labels the bar scale every 10 dB.
func ruler(width int) string {
	r := []byte(strings.Repeat(" ", width+4))
	for db := floorDB; db <= 0; db += 10 {
		label := strconv.Itoa(int(db))
		at := int((db - floorDB) / -floorDB * float64(width))
		at = min(at, width-len(label)+1)
		copy(r[max(at, 0):], label)
	}
	return strings.TrimRight(string(r), " ")
}

// lu formats a loudness in w columns. The daemon sends null (drawn "-inf") for a window below the meter's floor,
// as it does for digital silence, so the terminal shows what the page, the logs and the JSON show.
func lu(f web.Float, w int) string { return num(f, w) }

func num(f web.Float, w int) string {
	if !f.Valid() {
		return fmt.Sprintf("%*s", w, "-inf")
	}
	if math.Abs(float64(f)) >= 1e5 { // no level is; keep a hostile stream's from widening the line
		return fmt.Sprintf("%*.3g", w, float64(f))
	}
	return fmt.Sprintf("%*.1f", w, float64(f))
}

// alarms lists the active alarms: name, the local time it started and the value that raised it.
func alarms(list []web.Alarm) string {
	parts := make([]string, len(list))
	for i, a := range list {
		parts[i] = fit(Sanitize(a.Name), 24)
		if !a.Since.IsZero() {
			parts[i] += " since " + a.Since.Local().Format("15:04:05")
		}
		if a.Value.Valid() {
			parts[i] += " (" + short(a.Value) + ")"
		}
	}
	return strings.Join(parts, " · ")
}

// target shows a loudness target as "NAME -23 ±1 LUFS".
func target(t *web.Target) string {
	s := short(t.LUFS)
	if t.Tolerance.Valid() && t.Tolerance != 0 {
		s += " ±" + short(t.Tolerance)
	}
	s += " LUFS"
	if t.Name != "" {
		s = fit(Sanitize(t.Name), 24) + " " + s
	}
	return s
}

// short formats a value of any unit (dB, LU, a correlation, a DC offset, a count) in four significant digits.
func short(f web.Float) string {
	if !f.Valid() {
		return "-inf"
	}
	return strconv.FormatFloat(float64(f), 'g', 4, 64)
}

func latency(f web.Float) string {
	if !f.Valid() {
		return "—"
	}
	return strconv.Itoa(int(math.Round(float64(f)*1000))) + " ms"
}

func peak(f web.Float, c func(code, s string) string) string {
	s := num(f, 5)
	if f.Valid() && float64(f) > -1 {
		return c(ansiRed+ansiBold, s)
	}
	return s
}

func corr(u *web.Update, c func(code, s string) string) string {
	switch {
	case len(u.Channels) == 1:
		return "mono"
	case !u.Correlation.Valid():
		return "  —"
	case u.Correlation < 0:
		return c(ansiRed, fmt.Sprintf("%+.2f", float64(u.Correlation)))
	}
	return fmt.Sprintf("%+.2f", float64(u.Correlation))
}

func clip(clip bool, c func(code, s string) string) string {
	if clip {
		return c(ansiRed+ansiBold, "CLIP")
	}
	return ""
}

func kHz(rate int) string {
	if rate < 0 || rate > 10_000_000 {
		return "? kHz"
	}
	return strconv.FormatFloat(float64(rate)/1000, 'f', -1, 64) + " kHz"
}

// group writes n with thin groups of three digits: 1 291 200.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
