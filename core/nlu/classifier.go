package nlu

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
)

// Feature namespaces, so a word, a bigram and a character n-gram never share a key.
const (
	nsWord   = 'w'
	nsBigram = 'b'
	nsChar   = 'c'
	nsEntity = 'e'
)

// Group weights: how much each kind of evidence counts after TF-IDF normalization.
// Words carry meaning; character n-grams absorb typos and inflections; bigrams catch
// "hablar con", "cuanto sale"; entity flags tie the text to what the extractors found.
const (
	weightWord   = 1.0
	weightBigram = 0.7
	weightChar   = 0.8
	weightEntity = 0.6
)

// Training hyper-parameters. The model is small and the data smaller; these values are
// the usual defaults for sparse logistic regression, not tuned to any evaluation set.
const (
	trainEpochs   = 30
	learningRate  = 0.5
	l2Penalty     = 1e-4
	calibFolds    = 3
	calibEpochs   = 15
	maxCharNgram  = 5
	minCharNgram  = 3
	maxWordLength = 24
	gradFloor     = 1e-3
)

// feature is one hashed feature and its weight in a message vector. In vectors built by
// vectorize and in training data, key holds the model row (an int32 index) instead.
type feature struct {
	key uint64
	val float32
}

// row is the model row of a vectorized feature.
func (f feature) row() int {
	return int(f.key) //nolint:gosec // vectorize and the trainer store an int32 row index here
}

// featurizer turns a token list into a sparse TF-IDF vector.
type featurizer struct {
	keys []uint64 // scratch
}

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func fnvByte(h uint64, b byte) uint64 {
	h ^= uint64(b)
	h *= 1099511628211
	return h
}

const fnvOffset = 14695981039346656037

func keyOf(ns byte, s string) uint64 { return fnvAdd(fnvByte(fnvOffset, ns), s) }

// classWord is the word a token stands for in the classifier.
func classWord(t *token) string {
	switch t.kind {
	case tWord:
		return t.w
	case tNum:
		return "#num"
	case tDate, tPair:
		return "#date"
	case tTime:
		return "#time"
	case tEmoji:
		return "#emoji"
	case tPunct:
		if t.w == "?" {
			return "?"
		}
	}
	return ""
}

// entity flags fed to the classifier.
const (
	entDates uint16 = 1 << iota
	entCheckInOnly
	entGuests
	entNights
	entUnit
	entAmenity
	entWeekend
	entVague
	entPrice
	entGreeting
)

var entityNames = [...]string{"dates", "check_in_only", "guests", "nights", "unit", "amenity", "weekend", "vague_dates", "price_words", "greeting"}

// entityLabels name the entity features in explanations.
var entityLabels = func() (out [len(entityNames)]string) {
	for i, n := range entityNames {
		out[i] = "[" + n + "]"
	}
	return out
}()

// extract computes the raw (term-frequency) features of a message. skip marks tokens to
// leave out (greetings, when classifying the request part of a message).
func (fz *featurizer) extract(toks []token, skip []bool, ents uint16, named bool, emit func(key uint64, group int, name string)) {
	prev := ""
	var buf [maxWordLength + 2]byte
	for i := range toks {
		if skip != nil && skip[i] {
			continue
		}
		w := classWord(&toks[i])
		if w == "" {
			continue
		}
		emit(keyOf(nsWord, w), 0, w)
		if prev != "" {
			h := fnvByte(fnvOffset, nsBigram)
			h = fnvAdd(h, prev)
			h = fnvByte(h, ' ')
			h = fnvAdd(h, w)
			name := ""
			if named {
				name = prev + " " + w
			}
			emit(h, 1, name)
		}
		prev = w
		if toks[i].kind != tWord || len(w) < 2 {
			continue
		}
		// Character n-grams of " word ", cut at maxWordLength.
		n := copy(buf[1:], w[:min(len(w), maxWordLength)])
		buf[0], buf[n+1] = ' ', ' '
		s := buf[:n+2]
		for size := minCharNgram; size <= maxCharNgram; size++ {
			for j := 0; j+size <= len(s); j++ {
				h := fnvByte(fnvOffset, nsChar)
				for _, b := range s[j : j+size] {
					h = fnvByte(h, b)
				}
				name := ""
				if named {
					name = "«" + string(s[j:j+size]) + "»"
				}
				emit(h, 2, name)
			}
		}
	}
	for b := range entityNames {
		if ents&(1<<b) != 0 {
			emit(keyOf(nsEntity, entityNames[b]), 3, entityLabels[b])
		}
	}
}

// model is a multinomial logistic regression over hashed sparse features.
type model struct {
	labels []string
	index  map[uint64]int32 // feature key → row
	idf    []float32        // per row
	w      []float32        // rows × len(labels)
	bias   []float32
	temp   float64 // softmax temperature fitted by cross-validation
}

// vectorize builds the normalized TF-IDF vector of a message for a trained model.
// Features unknown to the model are dropped. out is reused. Sorting the hits keeps the
// work O(n log n) in the message length.
func (m *model) vectorize(fz *featurizer, toks []token, skip []bool, ents uint16, out []feature) []feature {
	out = out[:0]
	hits := fz.keys[:0]
	fz.extract(toks, skip, ents, false, func(key uint64, group int, _ string) {
		if row, ok := m.index[key]; ok {
			hits = append(hits, uint64(row)<<2|uint64(group)) //nolint:gosec // rows and groups are small non-negative indexes
		}
	})
	slices.Sort(hits)
	fz.keys = hits
	var norms [4]float64
	start := len(out)
	for i := 0; i < len(hits); {
		j := i + 1
		for j < len(hits) && hits[j] == hits[i] {
			j++
		}
		row := int32(hits[i] >> 2) //nolint:gosec // packed from an int32 row just above
		v := (1 + math.Log(float64(j-i))) * float64(m.idf[row])
		norms[hits[i]&3] += v * v
		out = append(out, feature{key: hits[i], val: float32(v)})
		i = j
	}
	weights := [4]float64{weightWord, weightBigram, weightChar, weightEntity}
	for i := start; i < len(out); i++ {
		g := out[i].key & 3
		if norms[g] > 0 {
			out[i].val = float32(float64(out[i].val) / math.Sqrt(norms[g]) * weights[g])
		}
		out[i].key >>= 2
	}
	return out
}

// scores returns the calibrated class probabilities of a vector into probs.
func (m *model) scores(x []feature, probs []float64) {
	k := len(m.labels)
	for c := 0; c < k; c++ {
		probs[c] = float64(m.bias[c])
	}
	for _, f := range x {
		row := m.w[f.row()*k : f.row()*k+k]
		for c := 0; c < k; c++ {
			probs[c] += float64(row[c] * f.val)
		}
	}
	softmax(probs, m.temp)
}

func softmax(z []float64, temp float64) {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = math.Max(mx, v)
	}
	sum := 0.0
	for i, v := range z {
		z[i] = math.Exp((v - mx) / temp)
		sum += z[i]
	}
	for i := range z {
		z[i] /= sum
	}
}

// trainingExample is one vectorized example.
type trainingExample struct {
	x     []feature // key holds the row index
	label int
}

// buildModel fits the vocabulary, IDF, weights and temperature from labelled token lists.
func buildModel(labels []string, docs [][]token, ents []uint16, y []int) *model {
	fz := &featurizer{}
	m := &model{labels: labels, index: map[uint64]int32{}, temp: 1}
	// Vocabulary and document frequencies.
	df := map[uint64]int{}
	seen := map[uint64]bool{}
	for d := range docs {
		clear(seen)
		fz.extract(docs[d], nil, ents[d], false, func(key uint64, _ int, _ string) {
			if !seen[key] {
				seen[key] = true
				df[key]++
			}
		})
	}
	keys := make([]uint64, 0, len(df))
	for k := range df {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	m.idf = make([]float32, len(keys))
	nd := float64(len(docs))
	for i, k := range keys {
		m.index[k] = int32(i)
		m.idf[i] = float32(math.Log((1+nd)/(1+float64(df[k]))) + 1)
	}
	data := make([]trainingExample, len(docs))
	for d := range docs {
		data[d] = trainingExample{x: m.vectorize(fz, docs[d], nil, ents[d], nil), label: y[d]}
	}
	// The final fit and the calibration folds are independent: run them side by side.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		m.w, m.bias = fitLogistic(data, len(keys), len(labels), trainEpochs, 1)
	}()
	m.temp = fitTemperature(data, len(keys), len(labels))
	wg.Wait()
	return m
}

// fitLogistic trains weights by stochastic gradient descent with AdaGrad step sizes and
// L2 regularization, in a fixed order so training is reproducible.
func fitLogistic(data []trainingExample, rows, k, epochs int, seed uint64) ([]float32, []float32) {
	w := make([]float32, rows*k)
	g2 := make([]float32, rows*k)
	bias := make([]float32, k)
	bg2 := make([]float32, k)
	order := make([]int, len(data))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed)) //nolint:gosec // a seeded shuffle, so training is reproducible; nothing secret
	p := make([]float64, k)
	grads := make([]float32, k)
	active := make([]int, 0, k)
	for ep := 0; ep < epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, idx := range order {
			ex := &data[idx]
			for c := 0; c < k; c++ {
				p[c] = float64(bias[c])
			}
			for _, f := range ex.x {
				row := w[f.row()*k : f.row()*k+k]
				for c := 0; c < k; c++ {
					p[c] += float64(row[c] * f.val)
				}
			}
			softmax(p, 1)
			// Gradients of the classes that still move; classes the example already rules
			// out barely change, and skipping them makes late epochs cheap.
			active = active[:0]
			for c := 0; c < k; c++ {
				grad := float32(p[c])
				if c == ex.label {
					grad--
				}
				if grad > -gradFloor && grad < gradFloor {
					continue
				}
				grads[c] = grad
				active = append(active, c)
				bg2[c] += grad * grad
				bias[c] -= learningRate * grad / (float32(math.Sqrt(float64(bg2[c]))) + 1e-6)
			}
			for _, f := range ex.x {
				base := f.row() * k
				for _, c := range active {
					i := base + c
					gi := grads[c]*f.val + l2Penalty*w[i]
					g2[i] += gi * gi
					w[i] -= learningRate * gi / (float32(math.Sqrt(float64(g2[i]))) + 1e-6)
				}
			}
		}
	}
	return w, bias
}

// fitTemperature scales the logits so that probabilities match how often the model is
// right on examples it did not see: the examples are split in folds, a model trained on
// the others predicts each fold, and the temperature minimizing the negative
// log-likelihood of those held-out predictions is kept.
func fitTemperature(data []trainingExample, rows, k int) float64 {
	if len(data) < calibFolds*k {
		return 1
	}
	type heldOut struct {
		logits []float64
		label  int
	}
	folds := make([][]heldOut, calibFolds)
	var wg sync.WaitGroup
	for fold := 0; fold < calibFolds; fold++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var train []trainingExample
			var test []int
			for i := range data {
				if i%calibFolds == fold {
					test = append(test, i)
				} else {
					train = append(train, data[i])
				}
			}
			w, b := fitLogistic(train, rows, k, calibEpochs, uint64(fold+2)) //nolint:gosec // fold counts from 0: a small positive seed
			for _, i := range test {
				z := make([]float64, k)
				for c := 0; c < k; c++ {
					z[c] = float64(b[c])
				}
				for _, f := range data[i].x {
					row := w[f.row()*k : f.row()*k+k]
					for c := 0; c < k; c++ {
						z[c] += float64(row[c] * f.val)
					}
				}
				folds[fold] = append(folds[fold], heldOut{logits: z, label: data[i].label})
			}
		}()
	}
	wg.Wait()
	var held []heldOut
	for _, f := range folds {
		held = append(held, f...)
	}
	nll := func(t float64) float64 {
		s := 0.0
		p := make([]float64, k)
		for _, h := range held {
			copy(p, h.logits)
			softmax(p, t)
			s -= math.Log(math.Max(p[h.label], 1e-12))
		}
		return s
	}
	// Golden-section search on [0.05, 5]: the NLL is unimodal in the temperature.
	lo, hi := 0.05, 5.0
	phi := (math.Sqrt(5) - 1) / 2
	a, b := hi-phi*(hi-lo), lo+phi*(hi-lo)
	fa, fb := nll(a), nll(b)
	for n := 0; n < 40; n++ {
		if fa < fb {
			hi, b, fb = b, a, fa
			a = hi - phi*(hi-lo)
			fa = nll(a)
		} else {
			lo, a, fa = a, b, fb
			b = lo + phi*(hi-lo)
			fb = nll(b)
		}
	}
	return (lo + hi) / 2
}
