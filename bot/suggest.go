package bot

import (
	"strings"
	"unicode/utf8"
)

// Suggest returns the option closest to word for a "did you mean" hint, or
// "" when none is close: a unique option starting with word ("cr" → create),
// else the nearest by edit distance (a swap of neighbours counts as one
// edit), within 1 edit for words up to 4 letters and 2 beyond. Ties go to the
// earlier option. Case is ignored.
func Suggest(word string, options []string) string {
	w := strings.ToLower(word)
	if w == "" || utf8.RuneCountInString(w) > 32 {
		return ""
	}
	prefix := ""
	for _, o := range options {
		if strings.HasPrefix(o, w) && o != w {
			if prefix != "" {
				prefix = ""
				break
			}
			prefix = o
		}
	}
	if prefix != "" {
		return prefix
	}
	limit := 1
	if utf8.RuneCountInString(w) > 4 {
		limit = 2
	}
	best, bestD := "", limit+1
	for _, o := range options {
		if d := EditDistance(w, o); d < bestD && d > 0 {
			best, bestD = o, d
		}
	}
	return best
}

// EditDistance is the optimal-string-alignment distance between a and b:
// insertions, deletions, substitutions and transpositions of neighbours
// ("craete") each cost one.
func EditDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rolling rows: the transposition looks two rows back.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
