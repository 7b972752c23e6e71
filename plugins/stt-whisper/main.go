// Command stt-whisper is conserje's speech-to-text plugin: it converts a voice note to
// 16 kHz mono WAV with ffmpeg and transcribes it with the configured backend (an
// OpenAI-compatible transcription API, a whisper.cpp server, or any command line).
//
// Build it with `go build -o bin/plugins/stt-whisper ./plugins/stt-whisper` (make build
// does), list it under plugins: in config.yaml and name it in speech.stt_plugin.
package main

import (
	"github.com/conserje/conserje/plugins/stt-whisper/whisper"
	"github.com/conserje/conserje/sdk"
)

func main() {
	sdk.ServeSTT(whisper.New())
}
