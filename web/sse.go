package web

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// An Event is one Server-Sent Event: its type ("message" when the stream names none) and its data, the data
// lines joined by "\n".
type Event struct {
	Name string
	Data []byte
}

// An EventReader reads Server-Sent Events (the text/event-stream format of the HTML standard) from a stream,
// for clients of /events other than a browser.
type EventReader struct {
	r *bufio.Reader
}

// NewEventReader returns an EventReader reading from r.
func NewEventReader(r io.Reader) *EventReader {
	return &EventReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// ErrLineTooLong is returned by Next for a line longer than a megabyte.
var ErrLineTooLong = errors.New("web: event stream line longer than 1 MiB")

// Next returns the next event with data, skipping comments, retry and id fields and events without data, as a
// browser does. At the end of the stream it returns io.EOF (an event cut off by the end is discarded); any
// other error is the reader's. The returned Data is the caller's.
func (er *EventReader) Next() (Event, error) {
	var ev Event
	var data []byte
	have := false
	for {
		line, err := er.line()
		if err != nil {
			if err == io.EOF {
				return Event{}, io.EOF
			}
			return Event{}, err
		}
		if len(line) == 0 {
			if have {
				if ev.Name == "" {
					ev.Name = "message"
				}
				ev.Data = data
				return ev, nil
			}
			ev = Event{}
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			ev.Name = string(value)
		case "data":
			if have {
				data = append(data, '\n')
			}
			data = append(data, value...)
			have = true
		}
	}
}

// line returns the next line without its end (LF or CRLF; a lone CR, which the standard also allows, is not
// recognised: Go and browser servers do not send it).
func (er *EventReader) line() ([]byte, error) {
	var line []byte
	for {
		chunk, err := er.r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > 1<<20 {
			return nil, ErrLineTooLong
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				// An unterminated last line ends the stream without completing an event.
				return nil, io.EOF
			}
			return nil, err
		}
		line = line[:len(line)-1]
		return bytes.TrimSuffix(line, []byte("\r")), nil
	}
}
