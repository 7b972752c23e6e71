package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// ErrNotWAV means the data is not a RIFF/WAVE file with PCM audio.
var ErrNotWAV = errors.New("not a PCM WAV file")

// WAVInfo is what a WAV header says.
type WAVInfo struct {
	SampleRate    int
	Channels      int
	BitsPerSample int
	// Format is the WAVE format tag: 1 is integer PCM, 3 is IEEE float.
	Format int
	// DataBytes is the length of the data chunk as found in the file (a header that says
	// "unknown", as ffmpeg writes to pipes, is replaced by what follows it).
	DataBytes int
	// DataOffset is where the samples start.
	DataOffset int
}

// Duration is the length of the audio.
func (w WAVInfo) Duration() time.Duration {
	frame := w.Channels * w.BitsPerSample / 8
	if frame <= 0 || w.SampleRate <= 0 {
		return 0
	}
	frames := int64(w.DataBytes / frame)
	return time.Duration(frames * int64(time.Second) / int64(w.SampleRate))
}

// ParseWAV reads the RIFF chunks of a WAV file up to its data chunk.
func ParseWAV(b []byte) (WAVInfo, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return WAVInfo{}, fmt.Errorf("%w: no RIFF/WAVE header", ErrNotWAV)
	}
	var info WAVInfo
	fmtSeen := false
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		size := int(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		body := off + 8
		switch id {
		case "fmt ":
			if size < 16 || body+16 > len(b) {
				return WAVInfo{}, fmt.Errorf("%w: short fmt chunk", ErrNotWAV)
			}
			info.Format = int(binary.LittleEndian.Uint16(b[body:]))
			info.Channels = int(binary.LittleEndian.Uint16(b[body+2:]))
			info.SampleRate = int(binary.LittleEndian.Uint32(b[body+4:]))
			info.BitsPerSample = int(binary.LittleEndian.Uint16(b[body+14:]))
			if info.Format == 0xFFFE && size >= 40 && body+26 <= len(b) {
				// WAVE_FORMAT_EXTENSIBLE: the real format is the sub-format GUID's first two bytes.
				info.Format = int(binary.LittleEndian.Uint16(b[body+24:]))
			}
			fmtSeen = true
		case "data":
			if !fmtSeen {
				return WAVInfo{}, fmt.Errorf("%w: data chunk before fmt chunk", ErrNotWAV)
			}
			info.DataOffset = body
			rest := len(b) - body
			if size > rest || size == 0 || size == 0xFFFFFFFF {
				size = rest
			}
			info.DataBytes = size
			if info.Channels == 0 || info.SampleRate == 0 || info.BitsPerSample == 0 {
				return WAVInfo{}, fmt.Errorf("%w: fmt chunk with zero channels, rate or sample size", ErrNotWAV)
			}
			return info, nil
		}
		off = body + size + size%2 // chunks are padded to an even length
	}
	return WAVInfo{}, fmt.Errorf("%w: no data chunk", ErrNotWAV)
}

// cutWAV keeps the header and at most maxSeconds of samples (all when maxSeconds <= 0),
// rewriting the sizes so the result is a well-formed file.
func cutWAV(b []byte, info WAVInfo, maxSeconds float64) []byte {
	n := info.DataBytes
	if maxSeconds > 0 {
		frame := info.Channels * info.BitsPerSample / 8
		limit := int(maxSeconds*float64(info.SampleRate)) * frame
		n = min(n, limit)
	}
	out := make([]byte, info.DataOffset+n)
	copy(out, b[:info.DataOffset+n])
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))                      //nolint:gosec // bounded by the input's length
	binary.LittleEndian.PutUint32(out[info.DataOffset-4:info.DataOffset], uint32(n)) //nolint:gosec // idem
	return out
}
