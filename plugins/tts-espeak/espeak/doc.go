// Package espeak is the tts-espeak plugin's implementation of speech.TTSPlugin.
//
// Synthesize speaks the text with espeak-ng (voice by language: Latin-American Spanish
// "es-419" for es-*, "en-us" for en-*, "pt-br" for pt-*, overridable in settings) or with
// a configured command, then encodes the WAV as mono OGG/Opus with ffmpeg. What is spoken
// is the text without links, e-mail addresses and emoji (they are unreadable aloud and
// the core always sends the text too).
//
// A WhatsApp voice note keeps its look only up to 512 KB, so the audio is bounded by
// max_bytes: a text whose speech would not fit is shortened to its first sentences (what
// the reply leads with), and refused with plugin.ErrInvalidRequest when not even the
// first sentence fits. Results are kept in a small in-memory LRU cache keyed by
// everything that shapes the audio, so repeated replies (greetings, "¿para cuántas
// personas?") are served without running espeak-ng or ffmpeg.
package espeak
