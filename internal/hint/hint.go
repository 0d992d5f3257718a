// Package hint finds what a user probably meant: the closest known name
// to a misspelt one, for "did you mean" hints on scenario fields,
// fixtures, flags and --set variables, and what completes a list being
// typed.
package hint

import (
	"slices"
	"strings"
)

// Closest returns the candidate closest to word when it is close enough to
// be a likely misspelling, or "".
func Closest(word string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		d := editDistance(strings.ToLower(word), strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(1, min(3, len(word)/3+1))
	if bestD <= limit {
		return best
	}
	return ""
}

// editDistance is the Damerau–Levenshtein (optimal string alignment)
// distance, so a swapped pair of letters ("laetncy") costs one edit.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// CompleteList completes a comma-separated list being typed (a shell
// completing --format text,j): the words that complete its last item and
// are not already in the list, each after the items before it.
func CompleteList(words []string, toComplete string) []string {
	done, last := "", toComplete
	if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
		done, last = toComplete[:i+1], toComplete[i+1:]
	}
	given := strings.Split(strings.TrimSuffix(done, ","), ",")
	var out []string
	for _, w := range words {
		if strings.HasPrefix(w, last) && !slices.Contains(given, w) {
			out = append(out, done+w)
		}
	}
	return out
}
