// Package whisper is the stt-whisper plugin's implementation of speech.STTPlugin.
//
// Every request is first converted with ffmpeg to 16 kHz mono 16-bit WAV (the core passes
// the channel's original bytes, usually OGG/Opus); the WAV's length is the Duration
// returned. Then one backend, chosen in the settings, transcribes it:
//
//   - openai: POST {base_url}/audio/transcriptions, multipart (file, model,
//     response_format=verbose_json, timestamp_granularities[]=segment, temperature,
//     language, prompt), Bearer api_key. OpenAI, faster-whisper servers, LocalAI and
//     other OpenAI-compatible servers answer it. Models that have no verbose_json
//     (gpt-4o-transcribe) are asked for json with include[]=logprobs instead.
//   - whispercpp: POST {base_url}/inference of the whisper.cpp server, multipart (file,
//     response_format=verbose_json, temperature, language or "auto", prompt).
//   - command: runs a command line (no shell) with {wav}, {out} and {lang} replaced by
//     the WAV's path, an output path prefix and the language (ISO 639-1, or "auto"); the
//     result is read from stdout, or from output_file when set. It may be plain text, or
//     JSON in the verbose_json shape, or whisper.cpp CLI's -oj/-ojf shape.
//
// # Confidence
//
// Confidence is computed from the engine's own figures, the same way for every backend:
//
//	segment confidence  c = exp(avg_logprob) × (1 − no_speech_prob)
//	confidence          = Σ c·d / Σ d   over segments, d = end − start (seconds)
//
// avg_logprob is the mean log-probability of the segment's tokens (exp of it is the
// geometric mean of token probabilities), and no_speech_prob the engine's probability
// that the segment is not speech (0 when the engine omits it). Segments without usable
// timestamps weigh by their text's length. When a segment has no avg_logprob but its
// tokens or words carry probabilities (whisper.cpp's words[].probability, -ojf's
// tokens[].p), their mean log is used. A json answer with logprobs uses exp(mean logprob).
// An engine that gives no figures at all (plain text) gets the text_confidence setting
// (default 0: "unknown", which the core treats as low). An empty transcript has
// confidence 0. The result is clamped to [0, 1].
package whisper
