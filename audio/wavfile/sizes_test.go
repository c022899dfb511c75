package wavfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Headers whose sizes a writer could not or did not get right, and the other containers and wrappers writers use.

type dsEntry struct {
	id   string
	size uint64
}

// buildWide builds an RF64 or BW64 file: its ds64 chunk holds dataSize and the table, then come chunks.
func buildWide(magic string, dataSize uint64, table []dsEntry, chunks ...[]byte) []byte {
	ds := make([]byte, 28, 28+12*len(table))
	le := binary.LittleEndian
	le.PutUint64(ds[8:], dataSize)
	le.PutUint32(ds[24:], uint32(len(table)))
	for _, e := range table {
		ds = append(append(ds, e.id...), make([]byte, 8)...)
		le.PutUint64(ds[len(ds)-8:], e.size)
	}
	b := append([]byte(magic+"\xFF\xFF\xFF\xFFWAVE"), chunk("ds64", ds)...)
	for _, c := range chunks {
		b = append(b, c...)
	}
	le.PutUint64(b[20:], uint64(len(b)-8))
	return b
}

// id3Tag returns an ID3v2.4 tag whose size field says n (syncsafe), with n zero bytes of padding, and a footer
// if asked.
func id3Tag(n int, footer bool) []byte {
	b := []byte{'I', 'D', '3', 4, 0, 0, byte(n >> 21 & 0x7F), byte(n >> 14 & 0x7F), byte(n >> 7 & 0x7F), byte(n & 0x7F)}
	if footer {
		b[5] = 0x10
	}
	b = append(b, make([]byte, n)...)
	if footer {
		b = append(b, "3DI\x04\x00\x10"...)
		b = append(b, b[6:10]...)
	}
	return b
}

func TestHeaderSizes(t *testing.T) {
	four := s16(1, -1, 16384, -32768)
	want := []float32{1.0 / 32768, -1.0 / 32768, 0.5, -1}
	mono := fmtPCM(1, 1, 48000, 16)
	list := chunk("LIST", []byte("INFOISFT\x04\x00\x00\x00abc\x00"))
	plain := build(mono, chunk("data", four))
	tests := []struct {
		name      string
		file      []byte
		frames    int64
		container string
		warn      error  // the one warning's cause, or nil for none
		says      string // the warning must contain this
	}{
		{"size 0 (recorder that died)", build(mono, chunkClaim("data", 0, four)), 4, "RIFF", ErrSizeUnknown,
			"its data chunk size was never written (0x00000000): read to the end of the file, 4 frames (0.000 s)"},
		{"size 0 at the end: empty", build(mono, chunkClaim("data", 0, nil)), 0, "RIFF", nil, ""},
		{"size 0 then a chunk: empty", build(mono, chunkClaim("data", 0, nil), list), 0, "RIFF", nil, ""},
		{"size 0 before fmt, then fmt: empty", build(chunkClaim("data", 0, nil), mono), 0, "RIFF", nil, ""},
		{"size 0xFFFFFFFF (ffmpeg to a pipe)", build(mono, chunkClaim("data", 0xFFFFFFFF, four)), 4, "RIFF",
			ErrSizeUnknown, "(0xFFFFFFFF): read to the end of the file, 4 frames"},
		{"size 0xFFFFFFFF, a partial frame at the end", build(mono, chunkClaim("data", 0xFFFFFFFF, append(four, 7))),
			4, "RIFF", ErrSizeUnknown, "4 frames (0.000 s) (and 1 bytes of a partial frame, not read)"},
		{"SoX's 0x7FFFF000 past the end", build(mono, chunkClaim("data", 0x7FFFF000, four)), 4, "RIFF",
			ErrSizeUnknown, "(0x7FFFF000)"},
		{"SoX's marker in whole 3-byte frames", build(fmtPCM(1, 1, 48000, 24), chunkClaim("data", 0x7FFFEFFF,
			[]byte{0, 0, 0, 0, 0, 0x40})), 2, "RIFF", ErrSizeUnknown, "(0x7FFFEFFF)"},
		{"truncated", build(mono, chunkClaim("data", 2000, four)), 4, "RIFF", ErrTruncated,
			"is truncated: its data chunk claims 1000 frames but the file holds 4, 996 frames (0.021 s) are missing"},
		{"truncated mid-frame", build(mono, chunkClaim("data", 2000, append(four, 9))), 4, "RIFF", ErrTruncated,
			"claims 1000 frames but the file holds 4,"},
		{"10 GB claim on 1 kB", build(fmtPCM(1, 2, 48000, 24), chunkClaim("data", 0xFFFFFFF0, make([]byte, 1000))),
			166, "RIFF", ErrTruncated, "claims 715827880 frames but the file holds 166"},
		{"RF64", buildWide("RF64", 8, nil, mono, chunkClaim("data", 0xFFFFFFFF, four)), 4, "RF64", nil, ""},
		{"BW64", buildWide("BW64", 8, nil, mono, chunkClaim("data", 0xFFFFFFFF, four)), 4, "BW64", nil, ""},
		{"RF64 with its 32-bit size used", buildWide("RF64", 0, nil, mono, chunk("data", four)), 4, "RF64", nil, ""},
		{"RF64 ds64 table sizes a chunk", buildWide("RF64", 8, []dsEntry{{"JUNK", 6}, {"LIST", 16}},
			chunkClaim("LIST", 0xFFFFFFFF, list[8:]), mono, chunkClaim("data", 0xFFFFFFFF, four)), 4, "RF64", nil, ""},
		{"RF64 ds64 never patched (to a pipe)", buildWide("RF64", 0, nil, mono, chunkClaim("data", 0xFFFFFFFF, four)),
			4, "RF64", ErrSizeUnknown, "(0 in ds64): read to the end of the file, 4 frames"},
		{"RF64 without ds64", append([]byte("RF64\xFF\xFF\xFF\xFFWAVE"), append(mono, chunkClaim("data", 0xFFFFFFFF,
			four)...)...), 4, "RF64", ErrSizeUnknown, "read to the end of the file"},
		{"RF64 truncated", buildWide("RF64", 1<<40, nil, mono, chunkClaim("data", 0xFFFFFFFF, four)), 4, "RF64",
			ErrTruncated, "claims 549755813888 frames but the file holds 4"},
		{"RF64 ds64 data size beyond int64", buildWide("RF64", 1<<63+5, nil, mono, chunkClaim("data", 0xFFFFFFFF,
			four)), 4, "RF64", ErrTruncated, "claims 2305843009213693952 frames"},
		{"ds64 in RIFF is skipped", build(chunk("ds64", make([]byte, 28)), mono, chunk("data", four)), 4, "RIFF", nil, ""},
		{"ID3 before RIFF", append(id3Tag(300, false), plain...), 4, "RIFF", nil, ""},
		{"ID3 with footer before RIFF", append(id3Tag(17, true), plain...), 4, "RIFF", nil, ""},
		{"empty ID3 before RF64", append(id3Tag(0, false), buildWide("RF64", 8, nil, mono,
			chunkClaim("data", 0xFFFFFFFF, four))...), 4, "RF64", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			info := r.Info()
			if info.Frames != tt.frames || info.Container != tt.container {
				t.Fatalf("Frames, Container = %d, %q; want %d, %q", info.Frames, info.Container, tt.frames, tt.container)
			}
			ws := r.Warnings()
			switch {
			case tt.warn == nil && len(ws) != 0:
				t.Fatalf("warnings %q, want none", ws)
			case tt.warn != nil && len(ws) != 1:
				t.Fatalf("warnings %q, want one", ws)
			case tt.warn != nil && (!errors.Is(ws[0], tt.warn) || !strings.Contains(ws[0].Error(), tt.says) ||
				!strings.HasPrefix(ws[0].Error(), "wavfile: ")):
				t.Fatalf("warning %q, want %v saying %q", ws[0], tt.warn, tt.says)
			}
			for range 2 { // and again after Rewind
				got := readAll(t, r, 3)
				if tt.frames == 4 && info.BitsPerSample == 16 && info.Channels == 1 && !equal(got, want) {
					t.Fatalf("got %v, want %v", got, want)
				}
				if int64(len(got)) != tt.frames*int64(info.Channels) {
					t.Fatalf("read %d samples, want %d", len(got), tt.frames*int64(info.Channels))
				}
				if err := r.Rewind(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestTruncatedWarning(t *testing.T) {
	r, err := NewReader(bytes.NewReader(build(fmtPCM(1, 2, 48000, 16), chunkClaim("data", 4000, make([]byte, 402)))))
	if err != nil {
		t.Fatal(err)
	}
	var te *TruncatedError
	if ws := r.Warnings(); len(ws) != 1 || !errors.As(ws[0], &te) {
		t.Fatalf("warnings %v, want one *TruncatedError", ws)
	}
	if te.Frames != 1000 || te.Present != 100 || r.Info().Frames != 100 {
		t.Errorf("Frames, Present, Info().Frames = %d, %d, %d; want 1000, 100, 100", te.Frames, te.Present, r.Info().Frames)
	}
}

func TestChannelMask(t *testing.T) {
	ext := func(channels int, mask uint32) []byte {
		b := fmtExt(1, channels, 16, guidTail)
		binary.LittleEndian.PutUint32(b[8+20:], mask)
		return b
	}
	tests := []struct {
		name string
		fmt  []byte
		want uint32
	}{
		{"plain PCM has none", fmtPCM(1, 6, 48000, 16), 0},
		{"stereo", ext(2, 0x3), 0x3},
		{"5.1", ext(6, 0x3F), 0x3F},
		{"5.1(side)", ext(6, 0x60F), 0x60F},
		{"7.1", ext(8, 0x63F), 0x63F},
		{"none given", ext(3, 0), 0},
		{"more positions than channels, as written", ext(2, 0x3F), 0x3F},
		{"reserved bit", ext(1, 0x80000000), 0x80000000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(build(tt.fmt, chunk("data", make([]byte, 96)))))
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Info().ChannelMask; got != tt.want {
				t.Errorf("ChannelMask = %#x, want %#x", got, tt.want)
			}
		})
	}
}

// A bigFile is a file of any size held in a few bytes: its head, zeros, and its tail at the end.
type bigFile struct {
	head, tail []byte
	size, pos  int64
}

func (f *bigFile) Read(p []byte) (int, error) {
	if f.pos >= f.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), f.size-f.pos))
	for i := range p[:n] {
		off := f.pos + int64(i)
		switch {
		case off < int64(len(f.head)):
			p[i] = f.head[off]
		case off >= f.size-int64(len(f.tail)):
			p[i] = f.tail[off-(f.size-int64(len(f.tail)))]
		default:
			p[i] = 0
		}
	}
	f.pos += int64(n)
	return n, nil
}

func (f *bigFile) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += f.pos
	case io.SeekEnd:
		off += f.size
	}
	if off < 0 {
		return 0, errors.New("negative position")
	}
	f.pos = off
	return off, nil
}

// readEnd reads the last n frames of r, skipping those before them (reading gigabytes of zeros takes too long).
func readEnd(t *testing.T, r *Reader, n int64) []float32 {
	t.Helper()
	skip := (r.Info().Frames - n) * int64(r.frame)
	if _, err := r.rs.Seek(r.dataOff+skip, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	r.left -= skip
	return readAll(t, r, 64)
}

// TestOver4GiB: a plain RIFF whose data outgrew its 32-bit size is read whole, its size found from the file's;
// RF64 holds it in ds64. No large file is stored: the files are generated or sparse.
func TestOver4GiB(t *testing.T) {
	const big = 1<<32 + 1000 // bytes of 16-bit mono audio
	mono := fmtPCM(1, 1, 48000, 16)
	head := build(mono, chunkClaim("data", big&0xFFFFFFFF, nil))
	end := s16(1, 2, 3, 4)
	endWant := []float32{1.0 / 32768, 2.0 / 32768, 3.0 / 32768, 4.0 / 32768}
	list := chunk("LIST", []byte("INFOISFT\x04\x00\x00\x00abc\x00"))
	tests := []struct {
		name   string
		file   *bigFile
		frames int64
		warn   error
		says   string
	}{
		{"wrapped once", &bigFile{head: head, tail: end, size: int64(len(head)) + big}, big / 2, ErrSizeWrapped,
			"its data chunk claims 1000 bytes but holds 4294968296, 2147484148 frames (44739.253 s), to the end of the " +
				"file (its 32-bit size wrapped)"},
		{"wrapped once, a chunk after", &bigFile{head: head, tail: append(end, list...),
			size: int64(len(head)) + big + int64(len(list))}, big / 2, ErrSizeWrapped, "(its 32-bit size wrapped)"},
		{"wrapped twice", &bigFile{head: head, tail: end, size: int64(len(head)) + big + 1<<32}, (big + 1<<32) / 2,
			ErrSizeWrapped, "holds 8589935592"},
		{"no chunk where any size ends", &bigFile{head: head, tail: append(end, 0, 0, 0, 0, 0, 0, 0), size: int64(len(head)) + big + 7},
			(big + 6) / 2, ErrSizeWrapped, "claims 1000 bytes but no chunk follows it and the file goes on for " +
				"4294968303: read to the end of the file, 2147484151 frames (44739.253 s) (and 1 bytes of a partial frame, not read)"},
		{"RF64", func() *bigFile {
			h := buildWide("RF64", big, nil, mono, chunkClaim("data", 0xFFFFFFFF, nil))
			return &bigFile{head: h, tail: end, size: int64(len(h)) + big}
		}(), big / 2, nil, ""},
		{"size 0xFFFFFFFF", func() *bigFile {
			h := build(mono, chunkClaim("data", 0xFFFFFFFF, nil))
			return &bigFile{head: h, tail: end, size: int64(len(h)) + big}
		}(), big / 2, ErrSizeUnknown, "2147484148 frames"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Info().Frames; got != tt.frames {
				t.Fatalf("Frames = %d, want %d", got, tt.frames)
			}
			checkWarning(t, r.Warnings(), tt.warn, tt.says)
			lastN := min(tt.frames, 4)
			if tt.name == "no chunk where any size ends" {
				lastN = 7 // ends with 1 2 3 4 0 0 0 and a lone byte
			}
			got := readEnd(t, r, lastN)
			if !equal(got[:4], endWant) {
				t.Fatalf("the last frames are %v, want %v first", got, endWant)
			}
		})
	}

	// A plain RIFF's size that wrapped leaves a chunk that fits after it: it is the data's size.
	junk := chunkClaim("JUNK", 1<<32-100, nil)
	h := build(mono, chunk("data", s16(1, 2)), junk)
	r, err := NewReader(&bigFile{head: h, size: int64(len(h)) + 1<<32 - 100})
	if err != nil {
		t.Fatal(err)
	}
	if r.Info().Frames != 2 || len(r.Warnings()) != 0 {
		t.Errorf("data followed by a 4 GiB chunk: Frames %d, warnings %v; want 2, none", r.Info().Frames, r.Warnings())
	}
}

// TestOver4GiBSparseFile opens a real file over 4 GiB, sparse, so that it takes no room on disk.
func TestOver4GiBSparseFile(t *testing.T) {
	const big = 1<<32 + 4 // stereo 16-bit: one frame past the wrap
	name := filepath.Join(t.TempDir(), "long.wav")
	head := build(fmtPCM(1, 2, 48000, 16), chunkClaim("data", big&0xFFFFFFFF, nil))
	size := int64(len(head)) + big
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Write(head)
	if err == nil {
		_, err = f.WriteAt(s16(7, -7), size-4)
	}
	if err2 := f.Close(); err == nil {
		err = err2
	}
	if err != nil {
		t.Skipf("cannot write a sparse file of %d bytes here: %v", size, err)
	}

	r, err := Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if want := int64(big / 4); r.Info().Frames != want {
		t.Fatalf("Frames = %d, want %d", r.Info().Frames, want)
	}
	checkWarning(t, r.Warnings(), ErrSizeWrapped, name+": its data chunk claims 4 bytes but holds 4294967300")
	if got := readEnd(t, r, 1); !equal(got, []float32{7.0 / 32768, -7.0 / 32768}) {
		t.Errorf("the last frame is %v", got)
	}
}

func checkWarning(t *testing.T, ws []error, cause error, says string) {
	t.Helper()
	switch {
	case cause == nil && len(ws) != 0:
		t.Fatalf("warnings %q, want none", ws)
	case cause != nil && len(ws) != 1:
		t.Fatalf("warnings %q, want one", ws)
	case cause != nil && (!errors.Is(ws[0], cause) || !strings.Contains(ws[0].Error(), says)):
		t.Fatalf("warning %q, want %v saying %q", ws[0], cause, says)
	}
}
