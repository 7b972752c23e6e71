// Command tts-espeak is conserje's text-to-speech plugin: espeak-ng (or a configured
// command such as piper) speaks the reply and ffmpeg encodes it as mono OGG/Opus, which
// WhatsApp shows as a voice note.
//
// Build it with `go build -o bin/plugins/tts-espeak ./plugins/tts-espeak` (make build
// does), list it under plugins: in config.yaml and name it in speech.tts_plugin.
package main

import (
	"github.com/conserje/conserje/plugins/tts-espeak/espeak"
	"github.com/conserje/conserje/sdk"
)

func main() {
	sdk.ServeTTS(espeak.New())
}
