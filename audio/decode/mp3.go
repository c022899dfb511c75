package decode

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	mp3 "github.com/hajimehoshi/go-mp3"
)

// mp3Source decodes MP3 through github.com/hajimehoshi/go-mp3, which always hands out 16-bit little-endian
// stereo (a mono stream comes out with both channels equal). The channel count comes from the first frame
// header instead, and a mono stream is read back as one channel, as ffmpeg reads it: metering the duplicate
// would add 3 dB to its loudness.
//
// go-mp3 knows nothing of gapless playback; the trimming is done here, as ffmpeg does it (see mp3Gapless), so
// that the length, and the time of every value in a series, are ffmpeg's.
type mp3Source struct {
	d    *mp3.Decoder // nil for a stream of no audio frames
	name string
	ch   int
	buf  []byte // whole stereo frames of 4 bytes
	trim mp3Gapless
	pos  int64 // frames go-mp3 has handed out so far, dropped ones included: trim.keptOf(pos) went to the caller
	rate int
}

// mp3Block is how many frames one read asks go-mp3 for at most.
const mp3Block = 4096

// mp3Gapless is what ffmpeg drops from an MP3 decode, as libavformat's mp3 demuxer reads it from a Xing/Info
// header frame (written by LAME, and by ffmpeg's own muxer): the header frame itself, which holds no audio;
// then, when it has a LAME extension, the encoder delay plus the decoder's own delay of 528+1 samples at the
// start, and the end padding less that decoder delay at the end, out of the number of frames the header
// declares. Positions count the decoded frames of the audio frames after the header frame.
type mp3Gapless struct {
	skipBytes int   // the length of the Xing/Info frame, 0 when there is none to skip
	start     int64 // frames dropped at the start
	// Frames in [endFrom, endTo) are dropped (ffmpeg's first_discard_sample and last_discard_sample): the
	// padding after the last sample encoded. Anything decoded past endTo (a file longer than its header says)
	// is kept, as ffmpeg keeps it.
	endFrom, endTo int64
	// declared is the number of frames the audio frames decode to by the header's count (0 when it has none),
	// and spf the frames of one MPEG frame: a decode that ends more than one MPEG frame short of declared is a
	// file cut short. (One frame of slack: some encoders count the header frame too.)
	declared, spf int64
}

// mp3DecoderDelay is the delay of the MP3 synthesis filterbank that ffmpeg adds to a LAME tag's encoder delay
// (528 + 1 samples, as LAME documents it).
const mp3DecoderDelay = 528 + 1

// Bit rates in kbit/s by index, for layer III: MPEG-1, then MPEG-2 and 2.5.
var mp3Bitrates = [2][15]int{
	{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
	{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
}

// mp3Rates are the sample rates by index: MPEG-1; MPEG-2 and 2.5 are a half and a quarter of them.
var mp3Rates = [3]int{44100, 48000, 32000}

// parseMP3Gapless reads the Xing/Info header frame at the start of b (the first frame, after any ID3 tag), as
// ffmpeg's mp3 demuxer reads it (mp3_parse_vbr_tags and mp3_parse_info_tag in libavformat/mp3dec.c). It
// returns the zero value (nothing trimmed) when the first frame is not one: a file from an encoder that writes
// none, or from ffmpeg with -write_xing 0, decodes whole, as ffmpeg decodes it.
func parseMP3Gapless(b []byte) mp3Gapless {
	if !mpegAudioHeader(b) || (b[1]>>1)&3 != 1 {
		return mp3Gapless{} // not layer III: no Xing header
	}
	version := (b[1] >> 3) & 3 // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
	lsf := 0
	spf := int64(1152)
	if version != 3 {
		lsf, spf = 1, 576
	}
	kbps := mp3Bitrates[lsf][b[2]>>4]
	rate := mp3HeaderRate(b)
	if kbps == 0 {
		return mp3Gapless{} // free format: the frame's length is not in its header
	}
	size := (144/(lsf+1))*kbps*1000/rate + int(b[2]>>1&1)
	mono := mpegChannels(b) == 1
	// The side information's length, which the Xing header follows (ffmpeg's xing_offtbl; it ignores a CRC,
	// which encoders do not put on this frame).
	side := 32
	switch {
	case lsf == 1 && mono:
		side = 9
	case lsf == 1 || mono:
		side = 17
	}
	p := 4 + side
	if len(b) < size {
		return mp3Gapless{} // the input ends inside its first frame
	}
	// has reports whether the frame holds n more bytes at p (a tag cut short by its frame's end is no tag).
	has := func(n int) bool { return p+n <= size }
	if !has(8) {
		return mp3Gapless{}
	}
	if tag := string(b[p : p+4]); tag != "Xing" && tag != "Info" {
		return mp3Gapless{}
	}
	flags := binary.BigEndian.Uint32(b[p+4:])
	p += 8
	var frames, bytes uint32
	if flags&1 != 0 {
		if !has(4) {
			return mp3Gapless{}
		}
		frames = binary.BigEndian.Uint32(b[p:])
		p += 4
	}
	if flags&2 != 0 {
		if !has(4) {
			return mp3Gapless{}
		}
		bytes = binary.BigEndian.Uint32(b[p:])
		p += 4
	}
	if flags&4 != 0 {
		p += 100 // the seek table
	}
	if flags&8 != 0 {
		p += 4 // the quality indicator
	}
	var g mp3Gapless
	// The LAME extension: a 9-byte encoder version, then 12 bytes of other fields, then the encoder delay and
	// the padding, 12 bits each.
	if has(24) {
		if enc := string(b[p : p+4]); enc == "LAME" || enc == "Lavf" || enc == "Lavc" {
			v := uint32(b[p+21])<<16 | uint32(b[p+22])<<8 | uint32(b[p+23])
			delay, padding := int64(v>>12), int64(v&0xFFF)
			g.start = delay + mp3DecoderDelay
			if frames > 0 {
				g.endTo = int64(frames) * spf
				g.endFrom = g.endTo - padding + mp3DecoderDelay
			}
		}
	}
	if frames == 0 && bytes == 0 {
		// ffmpeg takes a header that declares neither for no header, and decodes the frame.
		return mp3Gapless{start: g.start}
	}
	g.skipBytes = size
	g.declared, g.spf = int64(frames)*spf, spf
	return g
}

// keptOf is how many of the first pos decoded frames are kept.
func (g *mp3Gapless) keptOf(pos int64) int64 {
	kept := max(0, pos-g.start)
	if g.endFrom < g.endTo {
		kept -= max(0, min(pos, g.endTo)-max(g.endFrom, g.start))
	}
	return kept
}

func newMP3(br *bufio.Reader, name string) (source, Info, error) {
	// The first frame header is at the start (Detect saw it there, after any ID3 tag).
	head, _ := br.Peek(4)
	ch := mpegChannels(head)
	first, _ := br.Peek(2048) // the longest layer III frame is 1441 bytes
	trim := parseMP3Gapless(first)
	if trim.skipBytes > 0 {
		br.Discard(trim.skipBytes)
		if _, err := br.Peek(1); err == io.EOF {
			// A header frame and nothing after it: no audio, as ffmpeg decodes it.
			rate := mp3HeaderRate(head)
			return &mp3Source{name: name, ch: ch, trim: trim, rate: rate},
				Info{Format: MP3, SampleRate: rate, Channels: ch, Frames: trim.frames()}, nil
		}
	}
	d, err := mp3.NewDecoder(br)
	if err != nil {
		return nil, Info{}, &Error{File: name, Format: MP3, Msg: "cannot decode the first MP3 frame: " + err.Error(),
			Err: ErrMalformed}
	}
	return &mp3Source{d: d, name: name, ch: ch, buf: make([]byte, mp3Block*4), trim: trim, rate: d.SampleRate()},
		Info{Format: MP3, SampleRate: d.SampleRate(), Channels: ch, Frames: trim.frames()}, nil
}

// frames is the length the header declares, as it decodes after trimming, or -1 when it declares none.
func (g *mp3Gapless) frames() int64 {
	if g.declared <= 0 {
		return -1
	}
	return g.keptOf(g.declared)
}

// mp3HeaderRate is the sample rate in an MPEG audio frame header.
func mp3HeaderRate(b []byte) int {
	rate := mp3Rates[(b[2]>>2)&3]
	switch (b[1] >> 3) & 3 {
	case 2:
		return rate / 2
	case 0:
		return rate / 4
	}
	return rate
}

// keep reports whether the frame at pos is kept, and how many frames from pos on are kept or dropped alike
// (math.MaxInt64 for all the rest).
func (g *mp3Gapless) keep(pos int64) (bool, int64) {
	if pos < g.start {
		return false, g.start - pos
	}
	if g.endFrom < g.endTo {
		if pos < g.endFrom {
			return true, g.endFrom - pos
		}
		if pos < g.endTo {
			return false, g.endTo - pos
		}
	}
	return true, math.MaxInt64
}

func (s *mp3Source) read(dst []float32) (int, error) {
	if s.d == nil {
		return 0, s.end()
	}
	for {
		keep, run := s.trim.keep(s.pos)
		frames := int(min(int64(min(len(dst)/s.ch, mp3Block)), run))
		if !keep {
			frames = int(min(int64(mp3Block), run))
		}
		n, err := io.ReadAtLeast(s.d, s.buf[:frames*4], 4)
		if n%4 != 0 && err == nil {
			// go-mp3 hands out whole decoded frames, so this does not happen; finish the stereo frame if it does.
			var m int
			m, err = io.ReadFull(s.d, s.buf[n:n+4-n%4])
			n += m
		}
		frames = n / 4
		s.pos += int64(frames)
		if frames == 0 {
			if err == nil || err == io.EOF || err == io.ErrUnexpectedEOF {
				return 0, s.end()
			}
			return 0, &Error{File: s.name, Format: MP3, Msg: fmt.Sprintf("cannot decode: %v", err), Err: ErrMalformed}
		}
		if !keep {
			continue
		}
		b := s.buf[:frames*4]
		const scale = 1.0 / 32768
		if s.ch == 1 {
			for i := range frames {
				dst[i] = float32(int16(uint16(b[4*i])|uint16(b[4*i+1])<<8)) * scale
			}
			return frames, nil
		}
		for i := range frames * 2 {
			dst[i] = float32(int16(uint16(b[2*i])|uint16(b[2*i+1])<<8)) * scale
		}
		return frames * 2, nil
	}
}

// end is what the end of the decode means: io.EOF, or that the file was cut short. go-mp3 ends a stream cut
// inside a frame as if it were whole; the header's count of frames tells.
func (s *mp3Source) end() error {
	if g := &s.trim; g.declared > 0 && s.pos+g.spf < g.declared {
		return truncated(s.name, MP3, s.rate, g.keptOf(s.pos), g.keptOf(g.declared), "is truncated: it ends", "")
	}
	return io.EOF
}

func (s *mp3Source) close() error { return nil }
