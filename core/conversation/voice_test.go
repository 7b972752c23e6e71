package conversation_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/store"
)

// voiceStep stands in for core/voice (tested on its own and, with the real plugins, through
// serve in core/app): it returns the configured transcript or error and a fixed voice note.
type voiceStep struct {
	mu     sync.Mutex
	tr     conversation.Transcript
	err    error
	heard  int
	spoken []string
}

func (v *voiceStep) set(tr conversation.Transcript, err error) {
	v.mu.Lock()
	v.tr, v.err = tr, err
	v.mu.Unlock()
}

func (v *voiceStep) Transcribe(context.Context, string, conversation.Media, string) (conversation.Transcript, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.heard++
	return v.tr, v.err
}

func (v *voiceStep) Speak(_ context.Context, _, _, text string, spoke bool) (*conversation.Audio, error) {
	if !spoke {
		return nil, nil
	}
	v.mu.Lock()
	v.spoken = append(v.spoken, text)
	v.mu.Unlock()
	return &conversation.Audio{MIME: "audio/ogg; codecs=opus", Data: []byte("OggS voice"), Voice: true}, nil
}

func voiceNoteIn(contact, id string) conversation.Inbound {
	return conversation.Inbound{Channel: "wa", Contact: contact, ExternalID: id, Kind: conversation.KindAudio,
		Content: conversation.Content{Media: &conversation.Media{ID: "media-" + id, MIME: "audio/ogg", Voice: true}}}
}

// replies lists the outgoing messages of a conversation in order.
func replies(t *testing.T, db *store.DB, convID int64) []conversation.Outgoing {
	t.Helper()
	var rows []store.Message
	require.NoError(t, db.NewSelect().Model(&rows).Where("conversation_id = ? AND direction = 'out'", convID).Order("id").Scan(context.Background()))
	out := make([]conversation.Outgoing, len(rows))
	for i, r := range rows {
		require.NoError(t, json.Unmarshal(r.Payload, &out[i]))
	}
	return out
}

func TestVoiceNotes(t *testing.T) {
	databases(t, func(t *testing.T, h *harness) {
		v := &voiceStep{}
		svc := conversation.New(h.db, h.engines, conversation.Options{Now: h.clock.Now, Voice: v})
		ctx := context.Background()

		t.Run("transcribed once, answered as text and by voice", func(t *testing.T) {
			v.set(conversation.Transcript{Text: "Hola, para 4 del 5 al 8/1", Confidence: 0.92, Language: "es-AR",
				AudioDuration: 4 * time.Second, Took: 700 * time.Millisecond}, nil)
			rec, err := svc.Receive(ctx, voiceNoteIn("549351000101", "v1"))
			require.NoError(t, err)
			require.NoError(t, svc.Process(ctx, rec.ConversationID))
			out := replies(t, h.db, rec.ConversationID)
			require.GreaterOrEqual(t, len(out), 2)
			require.NotNil(t, out[0].Audio, "the voice note goes first")
			assert.True(t, out[0].Audio.Voice)
			assert.Equal(t, conversation.ModalityAudio, out[0].Modality)
			for _, o := range out[1:] {
				assert.Nil(t, o.Audio, "then the same replies as text")
			}
			assert.Contains(t, joined(out[1:]), "Cabaña Robles")
			assert.Equal(t, joined(out[1:]), out[0].Text, "the voice note says the text replies")

			var msg store.Message
			require.NoError(t, h.db.NewSelect().Model(&msg).Where("id = ?", rec.MessageID).Scan(ctx))
			assert.Equal(t, "Hola, para 4 del 5 al 8/1", msg.Text, "the transcript is stored as the text")
			c, err := conversation.DecodeContent(msg.Payload)
			require.NoError(t, err)
			require.NotNil(t, c.Voice)
			assert.Equal(t, conversation.VoiceInfo{Outcome: conversation.VoiceTranscribed, Confidence: 0.92, Language: "es-AR",
				AudioMS: 4000, TranscribeMS: 700}, *c.Voice)
			require.NotNil(t, c.SpeechConfidence)
			assert.InDelta(t, 0.92, *c.SpeechConfidence, 1e-9)
			assert.Equal(t, 1, v.heard)
		})
		t.Run("a text reply to a written message has no voice note", func(t *testing.T) {
			rec, err := svc.Receive(ctx, conversation.Inbound{Channel: "wa", Contact: "549351000101", Text: "hola"})
			require.NoError(t, err)
			require.NoError(t, svc.Process(ctx, rec.ConversationID))
			out := replies(t, h.db, rec.ConversationID)
			assert.Nil(t, out[len(out)-1].Audio)
		})
		t.Run("a busy recognizer: retried, then the guest is asked to write", func(t *testing.T) {
			v.set(conversation.Transcript{}, conversation.ErrRetryLater)
			rec, err := svc.Receive(ctx, voiceNoteIn("549351000102", "v2"))
			require.NoError(t, err)
			err = svc.Process(ctx, rec.ConversationID)
			require.ErrorIs(t, err, conversation.ErrRetryLater)
			assert.Empty(t, replies(t, h.db, rec.ConversationID), "nothing said yet")
			pending, err := svc.Pending(ctx)
			require.NoError(t, err)
			assert.Contains(t, pending, rec.ConversationID, "the note waits")

			h.clock.Set(h.clock.Now().Add(conversation.VoiceRetryWindow + time.Second))
			require.NoError(t, svc.Process(ctx, rec.ConversationID))
			out := replies(t, h.db, rec.ConversationID)
			assert.Contains(t, joined(out), "No lo pude escuchar bien, ¿me lo escribís?")
		})
		t.Run("too long: ask to write", func(t *testing.T) {
			v.set(conversation.Transcript{AudioDuration: 4 * time.Minute}, conversation.ErrVoiceTooLong)
			rec, err := svc.Receive(ctx, voiceNoteIn("549351000103", "v3"))
			require.NoError(t, err)
			require.NoError(t, svc.Process(ctx, rec.ConversationID))
			assert.Contains(t, joined(replies(t, h.db, rec.ConversationID)), "Es un poco largo para mí")
			var msg store.Message
			require.NoError(t, h.db.NewSelect().Model(&msg).Where("id = ?", rec.MessageID).Scan(ctx))
			c, err := conversation.DecodeContent(msg.Payload)
			require.NoError(t, err)
			assert.Equal(t, conversation.VoiceTooLong, c.Voice.Outcome)
			assert.Equal(t, int64(240000), c.Voice.AudioMS)
		})
		t.Run("low confidence: ask to write and hand over", func(t *testing.T) {
			v.set(conversation.Transcript{Text: "pa cua", Confidence: 0.3}, nil)
			rec, err := svc.Receive(ctx, voiceNoteIn("549351000104", "v4"))
			require.NoError(t, err)
			require.NoError(t, svc.Process(ctx, rec.ConversationID))
			assert.Contains(t, joined(replies(t, h.db, rec.ConversationID)), "no llegué a entender bien tu audio")
			var conv store.Conversation
			require.NoError(t, h.db.NewSelect().Model(&conv).Where("id = ?", rec.ConversationID).Scan(ctx))
			assert.Equal(t, conversation.StateEscalated, conv.State)
		})
	})
}
