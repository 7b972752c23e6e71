package whisper

import "strings"

// whisperNames maps the language names whisper answers with (verbose_json says
// "spanish") to ISO 639-1 codes, for the languages guests of Argentine rentals write in
// and their neighbours.
var whisperNames = map[string]string{
	"spanish": "es", "castilian": "es", "english": "en", "portuguese": "pt", "french": "fr",
	"german": "de", "italian": "it", "dutch": "nl", "catalan": "ca", "galician": "gl",
	"basque": "eu", "russian": "ru", "chinese": "zh", "japanese": "ja", "korean": "ko",
	"hebrew": "he", "arabic": "ar", "polish": "pl", "ukrainian": "uk", "swedish": "sv",
	"danish": "da", "norwegian": "no", "finnish": "fi", "turkish": "tr", "greek": "el",
	"guarani": "gn", "quechua": "qu",
}

// primary is the primary subtag of a BCP 47 tag, lower case ("es" of "es-AR").
func primary(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

// recognized turns the engine's language into a BCP 47 tag: the hint itself when the
// engine agrees with it ("es-AR" asked, "spanish" heard), else the ISO 639-1 code; the
// hint when the engine says nothing.
func recognized(engine, hint string) string {
	code := strings.ToLower(strings.TrimSpace(engine))
	if c, ok := whisperNames[code]; ok {
		code = c
	}
	code = primary(code)
	switch {
	case code == "" || code == "auto":
		return hint
	case hint != "" && primary(hint) == code:
		return hint
	}
	return code
}
