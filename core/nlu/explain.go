package nlu

import (
	"cmp"
	"slices"
	"time"
)

// Contribution is how much one feature of a message pushed one intent.
type Contribution struct {
	// Feature is a word ("reservar"), a word pair ("cuanto sale"), a character n-gram
	// («eserv») or an entity flag ([dates]).
	Feature string  `json:"feature"`
	Weight  float64 `json:"weight"`
}

// Explanation says why a message got its intent.
type Explanation struct {
	Result Result `json:"result"`
	// Top are the features that pushed the chosen intent most, strongest first
	// (negative weights pushed against it).
	Top []Contribution `json:"top"`
	// Cues are the words of the message the examples mark as typical of the intent.
	Cues []string `json:"cues"`
}

// Explain parses text and lists the evidence for the intent chosen: the n features with
// the largest contributions (value × weight) to its score.
func (p *Parser) Explain(text string, ref time.Time, n int) Explanation {
	res := p.Parse(text, ref)
	ex := Explanation{Result: res}
	li, ok := p.labelIdx[res.Intent]
	if !ok {
		return ex
	}
	a := p.analyze(text, refDay(ref))
	k := len(p.model.labels)
	var fz featurizer
	type hit struct {
		name string
		row  int32
		tf   int
	}
	var hits []hit
	seen := map[int32]int{}
	fz.extract(a.toks, nil, a.ents, true, func(key uint64, _ int, name string) {
		row, ok := p.model.index[key]
		if !ok {
			return
		}
		if i, dup := seen[row]; dup {
			hits[i].tf++
			return
		}
		seen[row] = len(hits)
		hits = append(hits, hit{name: name, row: row, tf: 1})
	})
	// Recompute the vector to get each feature's final value.
	vec := p.model.vectorize(&fz, a.toks, nil, a.ents, nil)
	val := map[int32]float32{}
	for _, f := range vec {
		val[int32(f.row())] = f.val //nolint:gosec // rows are int32 indexes
	}
	for _, h := range hits {
		w := float64(p.model.w[int(h.row)*k+li]) * float64(val[h.row])
		ex.Top = append(ex.Top, Contribution{Feature: h.name, Weight: round3(w)})
	}
	slices.SortStableFunc(ex.Top, func(a, b Contribution) int { return cmp.Compare(abs(b.Weight), abs(a.Weight)) })
	if len(ex.Top) > n {
		ex.Top = ex.Top[:n]
	}
	for i := range a.toks {
		if a.role[i] == roleNone && cueCandidate(&a.toks[i]) && p.cues[li][cueStem(a.toks[i].w)] {
			ex.Cues = append(ex.Cues, a.toks[i].w)
		}
	}
	return ex
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
