// Package speech is the contract of speech plugins: speech to text (Transcriber, served
// as kind "stt") and text to speech (Synthesizer, kind "tts").
package speech
