//go:build unix

package audio

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// The stream child writes a deterministic stream to standard output, as the environment says:
//
//	CHILD_ENC       wav (default), s16le, s24le, s32le or f32le
//	CHILD_RATE      sample rate (8000), CHILD_CH channels (2)
//	CHILD_FRAMES    frames to write (8000); the sample of frame i, channel c is streamValue(i, c)
//	CHILD_PACE      write in real time, 10 ms at a time (otherwise at once)
//	CHILD_THEN      after the frames: exit (default), "stall" (sleep), "loop" (write on forever, paced)
//	CHILD_EXIT      exit status (0)
//	CHILD_STDERR    text written to standard error first
//	CHILD_PIDS      a file to write "childpid grandchildpid" to, after starting a grandchild `sleep 1000`
//	CHILD_NOTERM    ignore SIGTERM
func init() {
	children["stream"] = streamChild
	children["runner"] = runnerChild
}

func streamValue(i, c int) float64 { return float64((i*7+c*3)%200-100) / 128 }

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func streamChild() int {
	if os.Getenv("CHILD_NOTERM") != "" {
		signal.Ignore(syscall.SIGTERM)
	}
	if f := os.Getenv("CHILD_PIDS"); f != "" {
		gc := exec.Command("sleep", "1000")
		if err := gc.Start(); err != nil {
			return 3
		}
		os.WriteFile(f, []byte(strconv.Itoa(os.Getpid())+" "+strconv.Itoa(gc.Process.Pid)), 0o600)
	}
	os.Stderr.WriteString(os.Getenv("CHILD_STDERR"))
	enc, err := ParseEncoding(os.Getenv("CHILD_ENC"))
	if os.Getenv("CHILD_ENC") == "" {
		enc, err = WAV, nil
	}
	if err != nil {
		return 2
	}
	rate, ch, frames := envInt("CHILD_RATE", 8000), envInt("CHILD_CH", 2), envInt("CHILD_FRAMES", 8000)
	bits, float := 16, false
	switch enc {
	case S24LE:
		bits = 24
	case S32LE:
		bits = 32
	case F32LE:
		bits, float = 32, true
	}
	if enc == WAV {
		os.Stdout.Write(wavStreamHeader(rate, ch, bits, float))
	}
	paced := os.Getenv("CHILD_PACE") != ""
	then := os.Getenv("CHILD_THEN")
	start := time.Now()
	step := rate / 100
	for i := 0; i < frames || then == "loop"; i += step {
		n := step
		if then != "loop" {
			n = min(step, frames-i)
		}
		os.Stdout.Write(encodeFrames(i, n, ch, bits, float))
		if paced || then == "loop" {
			time.Sleep(time.Until(start.Add(time.Duration(i+n) * time.Second / time.Duration(rate))))
		}
	}
	if then == "stall" {
		time.Sleep(time.Hour)
	}
	return envInt("CHILD_EXIT", 0)
}

// wavStreamHeader is the header ffmpeg writes to a pipe: sizes 0xFFFFFFFF.
func wavStreamHeader(rate, ch, bits int, float bool) []byte {
	le := binary.LittleEndian
	b := []byte("RIFF\xff\xff\xff\xffWAVEfmt \x10\x00\x00\x00")
	tag := uint16(1)
	if float {
		tag = 3
	}
	b = le.AppendUint16(b, tag)
	b = le.AppendUint16(b, uint16(ch))
	b = le.AppendUint32(b, uint32(rate))
	b = le.AppendUint32(b, uint32(rate*ch*bits/8))
	b = le.AppendUint16(b, uint16(ch*bits/8))
	b = le.AppendUint16(b, uint16(bits))
	return append(b, "data\xff\xff\xff\xff"...)
}

// encodeFrames encodes frames [i, i+n) of the stream child's signal.
func encodeFrames(i, n, ch, bits int, float bool) []byte {
	le := binary.LittleEndian
	var b []byte
	for f := i; f < i+n; f++ {
		for c := 0; c < ch; c++ {
			v := streamValue(f, c)
			switch {
			case float:
				b = le.AppendUint32(b, math.Float32bits(float32(v)))
			case bits == 16:
				b = le.AppendUint16(b, uint16(int16(v*32768)))
			case bits == 24:
				x := uint32(int32(v * (1 << 23)))
				b = append(b, byte(x), byte(x>>8), byte(x>>16))
			default:
				b = le.AppendUint32(b, uint32(int32(v*(1<<31))))
			}
		}
	}
	return b
}

// The runner child runs a Command of a looping stream child, writes the pids to CHILD_PIDS as the stream
// child does, and waits to be killed: a levelmeter that dies.
func runnerChild() int {
	pids := os.Getenv("CHILD_PIDS")
	os.Unsetenv("CHILD_PIDS")
	c := &Command{Args: []string{os.Args[0], "-test.run=^$"}, SampleRate: 8000, Channels: 2,
		Env: append(os.Environ(), childEnv+"=stream", "CHILD_THEN=loop", "CHILD_PIDS="+pids)}
	c.Run(context.Background(), WriterFunc(func(p []float32, s Status) int { return len(p) / 2 }))
	return 1
}
