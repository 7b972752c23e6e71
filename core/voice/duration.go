package voice

import (
	"bytes"
	"encoding/binary"
	"time"
)

// Duration reads the length of an audio file from its container: OGG with Opus or Vorbis
// (the last page's granule position) or PCM WAV. ok is false for other formats or
// damaged files; the caller then learns the length from the recognizer.
func Duration(data []byte) (d time.Duration, ok bool) {
	switch {
	case len(data) >= 4 && string(data[:4]) == "OggS":
		return oggDuration(data)
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WAVE":
		return wavDuration(data)
	}
	return 0, false
}

func oggDuration(data []byte) (time.Duration, bool) {
	var rate, preSkip int64
	if i := bytes.Index(data, []byte("OpusHead")); i >= 0 && i+12 <= len(data) {
		rate, preSkip = 48000, int64(binary.LittleEndian.Uint16(data[i+10:])) // Opus granules count 48 kHz samples
	} else if i := bytes.Index(data, []byte("\x01vorbis")); i >= 0 && i+16 <= len(data) {
		rate = int64(binary.LittleEndian.Uint32(data[i+12:]))
	}
	if rate <= 0 {
		return 0, false
	}
	// The last page's granule position is the stream's sample count.
	for i := bytes.LastIndex(data, []byte("OggS")); i >= 0; i = bytes.LastIndex(data[:i], []byte("OggS")) {
		if i+14 > len(data) || data[i+4] != 0 {
			continue
		}
		granule := int64(binary.LittleEndian.Uint64(data[i+6:])) //nolint:gosec // two's complement on purpose: -1 means no packet ends here
		if granule < 0 {
			continue // -1: no packet ends on this page
		}
		samples := granule - preSkip
		if samples < 0 {
			samples = 0
		}
		return time.Duration(samples * int64(time.Second) / rate), true
	}
	return 0, false
}

func wavDuration(data []byte) (time.Duration, bool) {
	var byteRate int64
	for off := 12; off+8 <= len(data); {
		id := string(data[off : off+4])
		size := int64(binary.LittleEndian.Uint32(data[off+4:]))
		body := off + 8
		switch id {
		case "fmt ":
			if body+12 > len(data) {
				return 0, false
			}
			byteRate = int64(binary.LittleEndian.Uint32(data[body+8:]))
		case "data":
			if byteRate <= 0 {
				return 0, false
			}
			if rest := int64(len(data) - body); size > rest || size == 0 {
				size = rest
			}
			return time.Duration(size * int64(time.Second) / byteRate), true
		}
		off = body + int(size) + int(size%2)
		if size < 0 || off < body {
			return 0, false
		}
	}
	return 0, false
}
