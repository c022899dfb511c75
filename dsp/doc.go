// Package dsp measures audio levels: sample peak, true peak, RMS, DC offset, crest factor, clipping, stereo
// correlation, ITU-R BS.1770-4 loudness with EBU Tech 3342 loudness range, and peak-meter ballistics for display.
//
// Guarantees:
//   - Meter.Process and LoudnessMeter.Process take blocks of any size and cost the same per sample whatever the
//     block size. They allocate nothing, except a 48 KiB chunk per 6.8 minutes of audio above the loudness gate
//     during the first 24 hours, where integrated loudness keeps its blocks to be exact: memory is bounded
//     (10 MiB per meter at most) whatever the programme's length, and nothing is allocated per report.
//   - Sliding windows (Config.Windows: up to 4, of 1 s to 24 h) measure integrated loudness and loudness range
//     over the last minute, hour or day by the same gating rules: integrated loudness exactly up to an hour (to
//     1e-6 LU of a brute-force gating of the window's blocks), beyond within the since-start value's documented
//     bound; the range within the since-start range's 0.02 LU. Their memory is allocated by NewMeter and fixed:
//     1 min, 10 min, 1 h and 24 h take 4.9 MB, without the day 1.3 MB.
//     Meter.ResetIntegrated starts the since-start loudness values over and leaves the windows alone.
//   - Results do not depend on how the input is cut into blocks: one frame at a time or one block, the Levels
//     are identical to the last bit, the true peak included. True peak alone depends on when Interval is
//     called, by at most TruePeakMargin: the interval's maximum so far (the samples pending when it started, the
//     values found and the sample peaks of the 10 ms ticks closed) decides which candidates between samples are
//     worth the long filter.
//   - A long input can be measured in parts at once (on several cores): a part's meter is primed on the 5 s
//     before it (Meter.Prime, PrimeFrames), counting nothing, and the parts' meters are merged in order
//     (Meter.Merge). The merge reads what one meter fed the whole input reads: peaks, counts, the loudness
//     maxima and the true peak to the last bit (when the whole's meter starts an Interval where the parts start),
//     integrated loudness, loudness range and the sums to within a few units of the last place (see split.go).
//   - Snapshots (Levels) are plain values, safe to hand to other goroutines. A meter itself is used by one
//     goroutine.
//   - Non-finite samples (NaN, ±Inf) are counted and then measured as zero, everywhere: they never poison a sum
//     or a filter.
//   - Sums are float64 with compensation: 24 hours at 192 kHz keep about 15 significant digits.
//
// Conventions (those of ffmpeg's astats and ebur128, SoX and libebur128, where they agree):
//   - Samples are float32 with full scale at ±1.0; an integer source divides by 2^(bits-1), so that the
//     negative extreme is exactly -1.0 (0 dBFS).
//   - dBFS is 20·log10(|x|); RMS in dBFS reads a full-scale sine as -3.01 dBFS. Digital silence is -Inf, never a
//     made-up floor; undefined values (the crest factor of silence, the correlation of mono) are NaN.
//   - Channels have positions (Layout): from a WAV file's channel mask, ffmpeg's default layout for the channel
//     count when there is none, or the user's word (ParseLayout). Loudness weighs them by BS.1770's position
//     rule (LFE left out, surrounds 1.41), and every display labels them with Layout.Labels, the one source of
//     channel labels. Up to MaxChannels (16) channels, at MinSampleRate to MaxSampleRate (8 to 768 kHz).
//   - Momentary and short-term loudness below LoudnessFloor (-120 LUFS) read -Inf, as silence: the filters'
//     decaying tail is not a level. Integrated loudness is exact (its gated blocks are kept for 24 hours).
//   - Overall values combine the channels: the largest peak, the RMS of all samples, the DC offset of the
//     channel with the largest magnitude.
//   - True peak is the peak of the band-limited signal the samples stand for, within 0.05 dB of the ideal at
//     every sample rate (BS.1770-4 Annex 2's 4× oversampling reads up to 0.7 dB low; see truepeak.go). It is
//     never below the sample peak. It lags the input by 2048 samples: Meter.End measures the last ones, as
//     though silence followed, at the end of a file or stream.
//
// The Meter combines everything and splits time two ways: Levels covers everything since the meter was made or
// reset, Interval what came since the previous Interval (a report period); the intervals partition the whole.
package dsp
