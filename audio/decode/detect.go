package decode

import (
	"path/filepath"
	"strings"
)

// Format is a container or codec, as told by its first bytes.
type Format int

const (
	Unknown Format = iota
	WAV            // RIFF/WAVE, and RF64/BW64, read by audio/wavfile
	FLAC
	MP3
	Vorbis // Ogg Vorbis
	AIFF   // AIFF and AIFF-C
	// The formats below are decoded by ffmpeg when it is installed.
	Opus      // Ogg Opus
	OggOther  // Ogg holding anything but Vorbis or Opus (FLAC in Ogg, Speex)
	CAF       // Apple Core Audio Format
	MP4       // MP4/M4A/MOV (AAC, ALAC)
	ADTS      // raw AAC
	Matroska  // Matroska/WebM
	ASF       // WMA
	AU        // Sun/NeXT .au
	W64       // Sony Wave64
	WavPack   // WavPack
	APE       // Monkey's Audio
	AC3       // Dolby AC-3
	RIFX      // big-endian WAV
	numFormat // keep last
)

var formatNames = [numFormat]string{
	Unknown: "unknown", WAV: "WAV", FLAC: "FLAC", MP3: "MP3", Vorbis: "Ogg Vorbis", AIFF: "AIFF", Opus: "Ogg Opus",
	OggOther: "Ogg", CAF: "CAF", MP4: "MP4/M4A", ADTS: "AAC (ADTS)", Matroska: "Matroska/WebM", ASF: "WMA/ASF",
	AU: "Sun AU", W64: "Wave64", WavPack: "WavPack", APE: "Monkey's Audio", AC3: "AC-3", RIFX: "big-endian WAV (RIFX)",
}

func (f Format) String() string {
	if f < 0 || f >= numFormat {
		return "unknown"
	}
	return formatNames[f]
}

// Native reports whether the format is decoded in-process, without ffmpeg.
func (f Format) Native() bool { return f >= WAV && f <= AIFF }

// SniffLen is how many leading bytes Detect needs to tell every format apart. Fewer are enough for most.
const SniffLen = 64

// Detect names the format of a stream from its first bytes (at most SniffLen are looked at), by their magic
// numbers alone: a file's name is never consulted, so a FLAC file named x.wav is read as FLAC. An ID3v2 tag must
// have been skipped first (see id3Size); Detect reports Unknown for one.
func Detect(b []byte) Format {
	has := func(off int, s string) bool { return len(b) >= off+len(s) && string(b[off:off+len(s)]) == s }
	switch {
	case has(0, "RIFF") && has(8, "WAVE"), has(0, "RF64") && has(8, "WAVE"), has(0, "BW64") && has(8, "WAVE"):
		return WAV
	case has(0, "fLaC"):
		return FLAC
	case has(0, "OggS"):
		// The first page holds the codec's identification header, which starts at 27 + the segment count.
		if len(b) > 27 {
			p := 27 + int(b[26])
			switch {
			case has(p, "\x01vorbis"):
				return Vorbis
			case has(p, "OpusHead"):
				return Opus
			}
		}
		return OggOther
	case has(0, "FORM") && (has(8, "AIFF") || has(8, "AIFC")):
		return AIFF
	case has(0, "caff"):
		return CAF
	case has(4, "ftyp"):
		return MP4
	case has(0, "\x1A\x45\xDF\xA3"):
		return Matroska
	case has(0, "\x30\x26\xB2\x75\x8E\x66\xCF\x11"):
		return ASF
	case has(0, ".snd"):
		return AU
	case has(0, "riff\x2E\x91\xCF\x11"):
		return W64
	case has(0, "wvpk"):
		return WavPack
	case has(0, "MAC "):
		return APE
	case has(0, "RIFX"):
		return RIFX
	case has(0, "\x0B\x77"):
		return AC3
	case mpegAudioHeader(b):
		return MP3
	case len(b) >= 4 && b[0] == 0xFF && b[1]&0xF6 == 0xF0 && (b[2]>>2)&0x0F < 13:
		// ADTS: 12 sync bits, layer 00, a sampling frequency index that exists.
		return ADTS
	}
	return Unknown
}

// mpegAudioHeader reports whether b starts with a plausible MPEG-1/2/2.5 Layer I-III frame header: 11 sync bits,
// a version and a layer that exist, and a bit rate and a sample rate index that are not reserved.
func mpegAudioHeader(b []byte) bool {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return false
	}
	version := (b[1] >> 3) & 3
	layer := (b[1] >> 1) & 3
	bitrate := b[2] >> 4
	rate := (b[2] >> 2) & 3
	return version != 1 && layer != 0 && bitrate != 15 && rate != 3
}

// mpegChannels is the channel count in an MPEG audio frame header: mode 3 is single channel.
func mpegChannels(b []byte) int {
	if b[3]>>6 == 3 {
		return 1
	}
	return 2
}

// id3Size is the length of the ID3v2 tag at the start of b, header and footer included, or 0 when b does not
// start with one. A tag can precede MP3, AAC and even FLAC; it says nothing about the audio, so it is skipped
// before the format is detected.
func id3Size(b []byte) int64 {
	if len(b) < 10 || string(b[:3]) != "ID3" || b[3] == 0xFF || b[4] == 0xFF ||
		b[6]|b[7]|b[8]|b[9] >= 0x80 {
		return 0
	}
	size := int64(b[6])<<21 | int64(b[7])<<14 | int64(b[8])<<7 | int64(b[9])
	size += 10
	if b[5]&0x10 != 0 {
		size += 10 // footer
	}
	return size
}

// audioExtensions are the file name endings HasAudioExtension accepts, lower case.
var audioExtensions = map[string]bool{
	".wav": true, ".wave": true, ".bwf": true, ".rf64": true, ".w64": true, ".flac": true, ".mp3": true,
	".ogg": true, ".oga": true, ".opus": true, ".aif": true, ".aiff": true, ".aifc": true, ".caf": true,
	".m4a": true, ".aac": true, ".wma": true, ".wv": true, ".ape": true, ".mka": true, ".au": true,
	".snd": true, ".ac3": true,
}

// HasAudioExtension reports whether a file name ends in an extension of an audio format this package decodes
// (natively or through ffmpeg), in any case. It is how a directory's audio files are picked without opening every
// file in it (cover art, cue sheets and logs sit beside the audio in most libraries); a file a user names is
// detected by its content whatever its name.
func HasAudioExtension(name string) bool {
	return audioExtensions[strings.ToLower(filepath.Ext(name))]
}
