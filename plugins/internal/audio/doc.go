// Package audio is what the speech plugins share: running ffmpeg to convert audio (any
// format ffmpeg reads to 16 kHz mono 16-bit WAV for recognizers, WAV to OGG/Opus for
// WhatsApp voice notes) and reading WAV headers for durations. It runs ffmpeg on temporary
// files, never through a shell, and bounds every run by its context.
package audio
