// Package suggest finds the known name a mistyped one was probably meant to be, for "did you mean" errors.
package suggest

// maxLen bounds the names Distance compares: anything longer is no typo of a key or a format name, and an
// outside input (a fuzzed configuration) must not cost a quadratic table.
const maxLen = 64

// Far is the distance Distance reports for names too long to compare.
const Far = 1 << 30

// Distance is the Levenshtein distance of a and b, in bytes, or Far when either is longer than 64 bytes.
func Distance(a, b string) int {
	if len(a) > maxLen || len(b) > maxLen {
		return Far
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
