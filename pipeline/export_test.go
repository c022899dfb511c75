package pipeline

// WithBeforeMeter returns opts with the fault-injection hook set: f is called by a source's DSP goroutine before
// it meters n frames. Tests in package pipeline_test stall the meter with it.
func WithBeforeMeter(opts Options, f func(source string, n int)) Options {
	opts.beforeMeter = f
	return opts
}

// AlarmWindow exposes alarmWindow.
var AlarmWindow = alarmWindow
