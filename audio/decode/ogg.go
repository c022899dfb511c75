package decode

import (
	"encoding/binary"
	"errors"
	"io"
)

// An oggReader splits one logical Ogg stream into packets, reading forward only. Pages of other logical
// streams (a multiplexed file) are skipped; a second stream that begins after the first (a chained file) ends
// the stream, as it does for ffmpeg's decode of the first one.
type oggReader struct {
	r       io.Reader
	hdr     [27]byte
	segs    []byte // the current page's segment table
	seg     int    // the next segment to take
	body    []byte // the current page's content
	off     int    // where the next segment starts in body
	serial  uint32
	started bool
	packet  []byte // the packet being assembled; reused
	// Of the current page:
	granule int64
	eos     bool
	// lastOnPage: the packet just returned is the last one to end on its page, which the granule position
	// counts up to.
	lastOnPage bool
}

// maxOggPacket bounds a packet assembled across pages: a Vorbis setup header is a few kB, an audio packet less.
const maxOggPacket = 4 << 20

var errOggEnd = errors.New("end of the logical stream")

// readPage reads the next page of the stream's serial number.
func (o *oggReader) readPage() error {
	for {
		if _, err := io.ReadFull(o.r, o.hdr[:]); err != nil {
			return err
		}
		h := o.hdr[:]
		if string(h[:4]) != "OggS" || h[4] != 0 {
			return errors.New("missing Ogg page header (damaged or not Ogg)")
		}
		n := int(h[26])
		if cap(o.segs) < 255 {
			o.segs = make([]byte, 0, 255)
		}
		o.segs = o.segs[:n]
		if _, err := io.ReadFull(o.r, o.segs); err != nil {
			return noEOF(err)
		}
		size := 0
		for _, s := range o.segs {
			size += int(s)
		}
		if cap(o.body) < size {
			o.body = make([]byte, size, 255*255)
		}
		o.body = o.body[:size]
		if _, err := io.ReadFull(o.r, o.body); err != nil {
			return noEOF(err)
		}
		crc := binary.LittleEndian.Uint32(h[22:])
		h[22], h[23], h[24], h[25] = 0, 0, 0, 0
		if oggCRC(oggCRC(oggCRC(0, h), o.segs), o.body) != crc {
			return errors.New("ogg: page checksum mismatch (the file is damaged)")
		}
		serial := binary.LittleEndian.Uint32(h[14:])
		if !o.started {
			o.serial, o.started = serial, true
		} else if serial != o.serial {
			if h[5]&0x02 != 0 && o.eos {
				return errOggEnd // a chained stream begins
			}
			continue // another stream of a multiplexed file
		}
		o.granule = int64(binary.LittleEndian.Uint64(h[6:]))
		o.eos = h[5]&0x04 != 0
		o.seg, o.off = 0, 0
		return nil
	}
}

// next returns the next packet, valid until the following call.
func (o *oggReader) next() ([]byte, error) {
	o.packet = o.packet[:0]
	for {
		for o.seg < len(o.segs) {
			s := int(o.segs[o.seg])
			o.packet = append(o.packet, o.body[o.off:o.off+s]...)
			o.off += s
			o.seg++
			if len(o.packet) > maxOggPacket {
				return nil, errors.New("an Ogg packet larger than 4 MB (the file is damaged)")
			}
			if s < 255 {
				o.lastOnPage = true
				for _, rest := range o.segs[o.seg:] {
					if rest < 255 {
						o.lastOnPage = false // another packet ends on this page
						break
					}
				}
				return o.packet, nil
			}
		}
		if o.eos && o.started {
			return nil, io.EOF
		}
		if err := o.readPage(); err != nil {
			if err == errOggEnd || err == io.EOF && len(o.packet) == 0 && o.seg == len(o.segs) {
				return nil, io.EOF
			}
			return nil, err
		}
	}
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

var oggCRCTable = func() (t [256]uint32) {
	for i := range t {
		r := uint32(i) << 24
		for range 8 {
			if r&0x80000000 != 0 {
				r = r<<1 ^ 0x04C11DB7
			} else {
				r <<= 1
			}
		}
		t[i] = r
	}
	return t
}()

func oggCRC(crc uint32, b []byte) uint32 {
	for _, c := range b {
		crc = crc<<8 ^ oggCRCTable[byte(crc>>24)^c]
	}
	return crc
}
