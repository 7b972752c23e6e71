// Package voice is the core's voice-note step. For an inbound voice note it fetches the
// audio through the channel that received it (capped at speech.max_media_bytes), reads its
// length from the container (OGG/Opus, OGG/Vorbis, WAV) without decoding it, refuses notes
// longer than speech.max_duration (the guest is asked to write), and has the configured
// speech-to-text plugin transcribe the original bytes. For replies it asks the
// text-to-speech plugin for an OGG/Opus voice note when speech.voice_replies says so and
// the channel plays voice notes. It implements conversation.Voice and records the
// transcription latency and confidence and the synthesis latency as metrics.
package voice
