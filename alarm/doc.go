// Package alarm watches a source's levels for the faults an unattended meter must report (silence, clipping,
// true-peak overs, loudness off target, inverted polarity, a dead channel, DC offset, a stalled source), and
// judges programmes against named loudness targets (EBU R 128, ATSC A/85, AES TD1008, streaming).
//
// Guarantees:
//
//   - Allocation-free: Detector.Update allocates nothing, takes no lock and never blocks, so it runs on the
//     goroutine that meters the audio. Its events go into a slice the caller owns; one Update raises at most
//     one event per kind, so a slice with capacity NumKinds never grows.
//   - Deterministic on the stream clock: every audio-derived alarm counts time in frames metered divided by
//     the sample rate, never the wall clock, so a file replayed as fast as it can be read raises the same
//     alarms at the same stream positions as in real time. Only source_stalled (frames stop arriving, so the
//     stream clock stops too) uses the wall clock.
//   - Timing: an alarm starts at the first report at which its condition has held for the on-delay, and ends
//     at the first report at which it has been clear for the off-delay; both are measured from the start of the
//     first report that showed the change, so each event lies within one report interval of the true moment
//     (the condition's onset plus the delay). At 10 reports a second that is 100 ms.
//   - Hysteresis, in level and in time: a value must go past the threshold to start an alarm and back past the
//     threshold by the hysteresis to end it; in between, pending delays restart. A report with no evidence (no
//     frames; a signal below a kind's gate) changes nothing. See Rule.
//
// Use one Detector per source: after each Meter.Interval, call Update with the interval's levels and the wall
// time, and hand the events (adding the source's name) to the logs, metrics and notifiers. Status gives the
// state for metrics: whether each alarm is active, how often it started, how long it has been active.
//
// The defaults (DefaultConfig) are what a broadcast operator expects of a silence or fault detector and raise
// nothing on programme; each is justified there. A Profile's Check judges a measured programme criterion by
// criterion, and gives the gain that meets the target without breaking the true-peak ceiling.
package alarm
