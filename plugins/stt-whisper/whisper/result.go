package whisper

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// verboseJSON is the OpenAI verbose_json transcription, which whisper.cpp's server and
// faster-whisper servers imitate; fields some engines omit are pointers.
type verboseJSON struct {
	Text     string    `json:"text"`
	Language string    `json:"language"`
	Duration *float64  `json:"duration"`
	Segments []segment `json:"segments"`
	// Logprobs come with response_format=json and include[]=logprobs (gpt-4o-transcribe).
	Logprobs []struct {
		Logprob float64 `json:"logprob"`
	} `json:"logprobs"`
	// Error is whisper.cpp server's way of failing (with HTTP 200).
	Error json.RawMessage `json:"error"`
}

type segment struct {
	Start        *float64 `json:"start"`
	End          *float64 `json:"end"`
	Text         string   `json:"text"`
	AvgLogprob   *float64 `json:"avg_logprob"`
	NoSpeechProb *float64 `json:"no_speech_prob"`
	Words        []struct {
		Probability *float64 `json:"probability"`
	} `json:"words"`
}

// whisperCLI is whisper.cpp CLI's -oj (and -ojf, with tokens) output.
type whisperCLI struct {
	Result struct {
		Language string `json:"language"`
	} `json:"result"`
	Transcription []struct {
		Offsets struct {
			From float64 `json:"from"` // milliseconds
			To   float64 `json:"to"`
		} `json:"offsets"`
		Text   string `json:"text"`
		Tokens []struct {
			Text string   `json:"text"`
			P    *float64 `json:"p"`
		} `json:"tokens"`
	} `json:"transcription"`
}

// transcript is a backend's answer, before the plugin fills in duration and language.
type transcript struct {
	Text       string
	Language   string // as the engine named it: "es", "spanish", ...
	Confidence float64
	// Scored is false when the engine gave no figures (the text_confidence setting applies).
	Scored bool
}

// fromVerbose reads a verbose_json (or json) answer.
func fromVerbose(v verboseJSON) transcript {
	t := transcript{Text: strings.TrimSpace(v.Text), Language: v.Language}
	if t.Text == "" && len(v.Segments) > 0 {
		parts := make([]string, 0, len(v.Segments))
		for _, s := range v.Segments {
			parts = append(parts, strings.TrimSpace(s.Text))
		}
		t.Text = strings.TrimSpace(strings.Join(parts, " "))
	}
	if c, ok := segmentConfidence(v.Segments); ok {
		t.Confidence, t.Scored = c, true
	} else if len(v.Logprobs) > 0 {
		sum := 0.0
		for _, lp := range v.Logprobs {
			sum += lp.Logprob
		}
		t.Confidence, t.Scored = clamp(math.Exp(sum/float64(len(v.Logprobs)))), true
	}
	return t
}

// segmentConfidence is the duration-weighted mean of exp(avg_logprob)·(1 − no_speech_prob);
// false when no segment carries a figure.
func segmentConfidence(segs []segment) (float64, bool) {
	var sum, weights float64
	scored := 0
	timed := true
	for _, s := range segs {
		if s.Start == nil || s.End == nil || *s.End <= *s.Start {
			timed = false
		}
	}
	for _, s := range segs {
		lp, ok := segmentLogprob(s)
		if !ok {
			continue
		}
		scored++
		c := math.Exp(lp)
		if s.NoSpeechProb != nil {
			c *= 1 - clamp(*s.NoSpeechProb)
		}
		w := float64(len([]rune(strings.TrimSpace(s.Text))))
		if timed {
			w = *s.End - *s.Start
		}
		if w <= 0 {
			w = 1
		}
		sum += clamp(c) * w
		weights += w
	}
	if scored == 0 || weights == 0 {
		return 0, false
	}
	return clamp(sum / weights), true
}

// segmentLogprob is the segment's avg_logprob, or the mean log of its words' probabilities.
func segmentLogprob(s segment) (float64, bool) {
	if s.AvgLogprob != nil && !math.IsNaN(*s.AvgLogprob) && !math.IsInf(*s.AvgLogprob, 0) {
		return *s.AvgLogprob, true
	}
	sum, n := 0.0, 0
	for _, w := range s.Words {
		if w.Probability == nil {
			continue
		}
		sum += math.Log(math.Max(*w.Probability, 1e-6))
		n++
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// fromCLI reads whisper.cpp CLI's JSON: segments timed by offsets (ms), scored by their
// tokens' probabilities (only -ojf writes tokens).
func fromCLI(c whisperCLI) transcript {
	segs := make([]segment, 0, len(c.Transcription))
	parts := make([]string, 0, len(c.Transcription))
	for _, tr := range c.Transcription {
		start, end := tr.Offsets.From/1000, tr.Offsets.To/1000
		s := segment{Start: &start, End: &end, Text: tr.Text}
		sum, n := 0.0, 0
		for _, tok := range tr.Tokens {
			if tok.P == nil || strings.HasPrefix(tok.Text, "[_") {
				continue // special tokens ([_BEG_], [_TT_150]) are not words
			}
			sum += math.Log(math.Max(*tok.P, 1e-6))
			n++
		}
		if n > 0 {
			avg := sum / float64(n)
			s.AvgLogprob = &avg
		}
		segs = append(segs, s)
		parts = append(parts, strings.TrimSpace(tr.Text))
	}
	t := transcript{Text: strings.TrimSpace(strings.Join(parts, " ")), Language: c.Result.Language}
	if conf, ok := segmentConfidence(segs); ok {
		t.Confidence, t.Scored = conf, true
	}
	return t
}

// parseOutput reads a command's output: JSON in one of the known shapes, else plain text.
func parseOutput(out []byte) (transcript, error) {
	s := strings.TrimSpace(string(out))
	if !strings.HasPrefix(s, "{") {
		return transcript{Text: strings.Join(strings.Fields(s), " ")}, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &probe); err != nil {
		return transcript{}, fmt.Errorf("command output looks like JSON but is not: %w", err)
	}
	if _, ok := probe["transcription"]; ok {
		var c whisperCLI
		if err := json.Unmarshal([]byte(s), &c); err != nil {
			return transcript{}, fmt.Errorf("read whisper.cpp JSON output: %w", err)
		}
		return fromCLI(c), nil
	}
	var v verboseJSON
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return transcript{}, fmt.Errorf("read JSON output: %w", err)
	}
	if _, ok := probe["text"]; !ok && len(v.Segments) == 0 {
		return transcript{}, fmt.Errorf("command JSON output has neither text nor segments")
	}
	return fromVerbose(v), nil
}

func clamp(f float64) float64 {
	switch {
	case math.IsNaN(f) || f < 0:
		return 0
	case f > 1:
		return 1
	}
	return f
}
