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
	r       *bufio.Reader
	afterCR bool // the last line ended with "\r": a "\n" right after it belongs to that ending
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

// line returns the next line without its ending. Lines end with "\r\n", "\n" or a lone "\r", as the format
// allows; a "\n" after a "\r" is skipped when the next line is read, so that an event ending in "\r" is not held
// back until more of the stream arrives.
func (er *EventReader) line() ([]byte, error) {
	var line []byte
	for {
		if er.r.Buffered() == 0 {
			if _, err := er.r.Peek(1); err != nil {
				// An unterminated last line ends the stream without completing an event.
				return nil, err
			}
		}
		buf, _ := er.r.Peek(er.r.Buffered())
		if er.afterCR {
			er.afterCR = false
			if buf[0] == '\n' {
				er.r.Discard(1)
				continue
			}
		}
		i := bytes.IndexAny(buf, "\r\n")
		if i < 0 {
			i = len(buf)
		}
		line = append(line, buf[:i]...)
		if len(line) > 1<<20 {
			return nil, ErrLineTooLong
		}
		if i == len(buf) {
			er.r.Discard(i)
			continue
		}
		er.afterCR = buf[i] == '\r'
		er.r.Discard(i + 1)
		return line, nil
	}
}
