package audio_test

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/plugins/internal/audio"
	"github.com/conserje/conserje/plugins/internal/audio/audiotest"
)

// wavHeader builds a PCM WAV header for dataLen bytes of samples.
func wavHeader(rate, channels, bits, dataLen uint32, declared uint32) []byte {
	b := make([]byte, 44)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], 36+dataLen)
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], uint16(channels))
	binary.LittleEndian.PutUint32(b[24:], rate)
	binary.LittleEndian.PutUint32(b[28:], rate*channels*bits/8)
	binary.LittleEndian.PutUint16(b[32:], uint16(channels*bits/8))
	binary.LittleEndian.PutUint16(b[34:], uint16(bits))
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], declared)
	return append(b, make([]byte, dataLen)...)
}

func TestParseWAV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []byte
		want time.Duration
		err  bool
	}{
		{"one second mono 16 kHz", wavHeader(16000, 1, 16, 32000, 32000), time.Second, false},
		{"half a second stereo 48 kHz", wavHeader(48000, 2, 16, 96000, 96000), 500 * time.Millisecond, false},
		{"unknown data size from a pipe", wavHeader(16000, 1, 16, 16000, 0xFFFFFFFF), 500 * time.Millisecond, false},
		{"declared size past the end", wavHeader(16000, 1, 16, 16000, 64000), 500 * time.Millisecond, false},
		{"not RIFF", []byte("OggS\x00\x02 and more bytes"), 0, true},
		{"no data chunk", wavHeader(16000, 1, 16, 0, 0)[:36], 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := audio.ParseWAV(tc.in)
			if tc.err {
				require.ErrorIs(t, err, audio.ErrNotWAV)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, info.Duration())
			assert.Equal(t, 1, info.Format)
		})
	}
}

func TestFFmpegRoundTrip(t *testing.T) {
	t.Parallel()
	audiotest.Require(t, "ffmpeg", "espeak-ng")
	note := audiotest.VoiceNote(t, "Hola, quiero reservar para cuatro personas.", "es-419")
	require.Equal(t, "OggS", string(note[:4]), "a voice note is an OGG stream")

	ctx := context.Background()
	wav, err := audio.FFmpeg{}.ToWAV(ctx, note, audio.RecognizerRate, 0)
	require.NoError(t, err)
	info, err := audio.ParseWAV(wav)
	require.NoError(t, err)
	assert.Equal(t, audio.RecognizerRate, info.SampleRate)
	assert.Equal(t, 1, info.Channels)
	assert.Equal(t, 16, info.BitsPerSample)
	assert.Greater(t, info.Duration(), time.Second)
	assert.Less(t, info.Duration(), 10*time.Second)

	t.Run("cut to max seconds", func(t *testing.T) {
		short, err := audio.FFmpeg{}.ToWAV(ctx, note, audio.RecognizerRate, 1)
		require.NoError(t, err)
		info, err := audio.ParseWAV(short)
		require.NoError(t, err)
		assert.InDelta(t, time.Second.Seconds(), info.Duration().Seconds(), 0.05)
	})
	t.Run("recognizer WAV passes through, cut", func(t *testing.T) {
		same, err := audio.FFmpeg{Path: "/nonexistent/ffmpeg"}.ToWAV(ctx, wav, audio.RecognizerRate, 0)
		require.NoError(t, err, "no ffmpeg run needed")
		assert.Equal(t, wav, same)
		cut, err := audio.FFmpeg{Path: "/nonexistent/ffmpeg"}.ToWAV(ctx, wav, audio.RecognizerRate, 0.5)
		require.NoError(t, err)
		info, err := audio.ParseWAV(cut)
		require.NoError(t, err)
		assert.Equal(t, 500*time.Millisecond, info.Duration())
		assert.Len(t, cut, info.DataOffset+16000)
	})
	t.Run("garbage is undecodable", func(t *testing.T) {
		_, err := audio.FFmpeg{}.ToWAV(ctx, []byte("this is not audio at all"), audio.RecognizerRate, 0)
		require.ErrorIs(t, err, audio.ErrUndecodable)
	})
	t.Run("missing binary", func(t *testing.T) {
		require.Error(t, audio.FFmpeg{Path: "/nonexistent/ffmpeg"}.Check())
		_, err := audio.FFmpeg{Path: "/nonexistent/ffmpeg"}.ToWAV(ctx, note, audio.RecognizerRate, 0)
		require.Error(t, err)
		require.NotErrorIs(t, err, audio.ErrUndecodable)
	})
}
