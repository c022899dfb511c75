package dsp

import "math"

// Exact integrated loudness.
//
// The gating histogram's sums make integrated loudness exact in every bin but the one the relative gate falls in:
// of that 0.01 LU bin, only the blocks at or above the gate count, and the histogram does not know which they
// are. In the worst case (a third of the programme on each side of the gate inside that one bin) taking the bin
// whole or not at all moves the result by more than 2 LU. So the meter also keeps every gated block's energy,
// linked into a list per bin: a query walks the one list of the gate's bin and is exact, at the cost of the
// blocks in that bin (a handful on real programmes, since a bin is 0.01 LU wide).
//
// Memory is bounded: blocks are stored in chunks of storeChunk (4096 blocks, 48 KiB: 6.8 minutes of programme at
// the 10 blocks a second of 75 % overlap), up to storeLimit blocks (211 chunks, 864 256 blocks: 24 hours, 10 MiB).
// The first chunk is allocated with the meter; the others, each when the one before is full, in
// LoudnessMeter.Process, so Process allocates 48 KiB once per 6.8 minutes of loud enough programme and nothing
// otherwise (never per report, never in steady state past 24 hours). Beyond 24 hours the histogram alone counts
// the later blocks: in the gate's bin the stored blocks still count exactly, and the later ones are taken whole
// if their mean is above the gate and left out otherwise. Being n of the N blocks that pass, each within a
// bin's width of the gate, which is at least 10 LU below the mean of the N, they move the result by at most
// 10·log10(e)·0.9·n/N = 3.9·n/N dB: within 0.01 LU unless a quarter of a percent of all passing blocks sits in
// the one 0.01 LU bin at the gate after the first day.
const (
	storeChunkBits = 12
	storeChunk     = 1 << storeChunkBits
	storeChunks    = (24*3600*10 + storeChunk - 1) / storeChunk
	storeLimit     = storeChunks * storeChunk
)

// A blockStore keeps block energies linked per histogram bin.
type blockStore struct {
	head   [histBins]int32 // 1 + the index of the last block stored in each bin, 0 for none
	chunks []*storeChunkData
	n      int // blocks stored
}

type storeChunkData struct {
	e    [storeChunk]float64
	next [storeChunk]int32 // 1 + the index of the previous block in the same bin, 0 for none
}

func newBlockStore() *blockStore {
	s := &blockStore{chunks: make([]*storeChunkData, 1, storeChunks)}
	s.chunks[0] = new(storeChunkData)
	return s
}

// reset forgets the blocks but keeps the chunks, for the next programme.
func (s *blockStore) reset() {
	s.head = [histBins]int32{}
	s.n = 0
}

// add stores the energy e of a block in bin k, unless the store is full.
func (s *blockStore) add(k int, e float64) {
	if s.n >= storeLimit {
		return
	}
	c := s.n >> storeChunkBits
	if c == len(s.chunks) {
		s.chunks = append(s.chunks, new(storeChunkData)) // within the capacity made at construction
	}
	d := s.chunks[c]
	i := s.n & (storeChunk - 1)
	d.e[i] = e
	d.next[i] = s.head[k]
	s.n++
	s.head[k] = int32(s.n)
}

// addAll adds the blocks of o after s's, in the order o stored them, each in the bin o filed it in (bin is a
// function of the energy alone), up to the store's limit.
func (s *blockStore) addAll(o *blockStore) {
	for i := range o.n {
		e := o.chunks[i>>storeChunkBits].e[i&(storeChunk-1)]
		s.add(bin(e), e)
	}
}

// atOrAbove returns the count and energy sum of the blocks stored in bin k whose energy is at least thr, and the
// count and sum of all blocks stored in bin k.
func (s *blockStore) atOrAbove(k int, thr float64) (n int64, sum float64, all int64, allSum float64) {
	for j := s.head[k]; j != 0; {
		i := int(j - 1)
		d := s.chunks[i>>storeChunkBits]
		e := d.e[i&(storeChunk-1)]
		all++
		allSum += e
		if e >= thr {
			n++
			sum += e
		}
		j = d.next[i&(storeChunk-1)]
	}
	return n, sum, all, allSum
}

// exactGated returns the loudness of the values in h that pass the relative gate (in LU below the mean of
// everything counted), -Inf if none do: exact as long as the store holds every block of the gate's bin, and
// within the bound above otherwise.
func (h *histogram) exactGated(s *blockStore, gate float64) float64 {
	n, sum := h.from(0)
	if n == 0 {
		return math.Inf(-1)
	}
	threshold := sum / float64(n) * math.Pow(10, gate/10)
	k := bin(threshold)
	n, sum = h.from(k + 1)
	in, inSum, stored, storedSum := s.atOrAbove(k, threshold)
	n += in
	sum += inSum
	if rest := h.n[k] - stored; rest > 0 { // blocks counted after the store filled up: the whole-bin rule
		restSum := h.e[k] - storedSum
		if restSum/float64(rest) >= threshold {
			n += rest
			sum += restSum
		}
	}
	if n == 0 {
		return math.Inf(-1) // unreachable: the loudest block is above the mean, so above the gate
	}
	return lufs(sum / float64(n))
}
