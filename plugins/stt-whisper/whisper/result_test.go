package whisper

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfidence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		output string
		text   string
		conf   float64
		scored bool
		lang   string
	}{
		{
			name:   "one segment: exp(avg_logprob) times speech probability",
			output: `{"text":" Hola.","language":"spanish","segments":[{"start":0,"end":2,"text":" Hola.","avg_logprob":-0.1,"no_speech_prob":0.2}]}`,
			text:   "Hola.", conf: math.Exp(-0.1) * 0.8, scored: true, lang: "spanish",
		},
		{
			name: "segments weighted by duration",
			output: `{"text":"a b","segments":[{"start":0,"end":3,"text":"a","avg_logprob":0,"no_speech_prob":0},
				{"start":3,"end":4,"text":"b","avg_logprob":-2.302585,"no_speech_prob":0}]}`,
			text: "a b", conf: (3*1 + 1*0.1) / 4, scored: true,
		},
		{
			name: "untimed segments weighted by text length",
			output: `{"text":"aaa b","segments":[{"text":"aaa","avg_logprob":0},
				{"text":"b","avg_logprob":-2.302585}]}`,
			text: "aaa b", conf: (3*1 + 1*0.1) / 4, scored: true,
		},
		{
			name:   "whisper.cpp server words probabilities when avg_logprob is missing",
			output: `{"text":"hola","segments":[{"start":0,"end":1,"text":"hola","words":[{"probability":0.5},{"probability":0.5}]}]}`,
			text:   "hola", conf: 0.5, scored: true,
		},
		{
			name:   "json with logprobs",
			output: `{"text":"hola","logprobs":[{"token":"ho","logprob":-0.5},{"token":"la","logprob":-0.5}]}`,
			text:   "hola", conf: math.Exp(-0.5), scored: true,
		},
		{
			name:   "json without figures",
			output: `{"text":"hola"}`,
			text:   "hola", conf: 0, scored: false,
		},
		{
			name: "whisper.cpp CLI -ojf tokens, special tokens skipped",
			output: `{"result":{"language":"es"},"transcription":[{"offsets":{"from":0,"to":2000},"text":" hola",
				"tokens":[{"text":"[_BEG_]","p":0.01},{"text":" ho","p":0.25},{"text":"la","p":1}]}]}`,
			text: "hola", conf: 0.5, scored: true, lang: "es",
		},
		{
			name:   "whisper.cpp CLI -oj without tokens",
			output: `{"result":{"language":"en"},"transcription":[{"offsets":{"from":0,"to":1000},"text":" hi"}]}`,
			text:   "hi", conf: 0, scored: false, lang: "en",
		},
		{
			name:   "plain text, whitespace folded",
			output: "  i want a room\nfor four people \n",
			text:   "i want a room for four people", conf: 0, scored: false,
		},
		{
			name:   "avg_logprob above zero is clamped",
			output: `{"text":"x","segments":[{"start":0,"end":1,"text":"x","avg_logprob":0.3,"no_speech_prob":-1}]}`,
			text:   "x", conf: 1, scored: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseOutput([]byte(tc.output))
			require.NoError(t, err)
			assert.Equal(t, tc.text, got.Text)
			assert.InDelta(t, tc.conf, got.Confidence, 1e-4)
			assert.Equal(t, tc.scored, got.Scored)
			assert.Equal(t, tc.lang, got.Language)
		})
	}
	t.Run("broken JSON", func(t *testing.T) {
		_, err := parseOutput([]byte(`{"text": `))
		require.Error(t, err)
	})
	t.Run("JSON of another shape", func(t *testing.T) {
		_, err := parseOutput([]byte(`{"result": 1}`))
		require.Error(t, err)
	})
}

func TestRecognizedLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct{ engine, hint, want string }{
		{"spanish", "es-AR", "es-AR"},
		{"es", "es-AR", "es-AR"},
		{"english", "es-AR", "en"},
		{"", "pt-BR", "pt-BR"},
		{"auto", "", ""},
		{"Portuguese", "", "pt"},
		{"klingon", "", "klingon"},
	}
	for _, tc := range tests {
		t.Run(tc.engine+"/"+tc.hint, func(t *testing.T) {
			assert.Equal(t, tc.want, recognized(tc.engine, tc.hint))
		})
	}
}
