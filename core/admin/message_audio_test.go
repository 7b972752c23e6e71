package admin_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/admin"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

// channelMedia stands in for the webhook dispatcher's FetchMedia (channel plugins are
// driven for real in core/app).
type channelMedia map[string][]byte

func (m channelMedia) FetchMedia(_ context.Context, channelName string, media conversation.Media, _ int64) (channel.FetchMediaResponse, error) {
	data, ok := m[channelName+"/"+media.ID]
	if !ok {
		return channel.FetchMediaResponse{}, plugin.ErrNotFound
	}
	return channel.FetchMediaResponse{Data: data, MIME: "audio/ogg; codecs=opus"}, nil
}

func TestStaffPlayAVoiceNote(t *testing.T) {
	t.Parallel()
	media := channelMedia{"wa/wamid.audio": []byte("OggS voice note")}
	e := setupWith(t, storetest.SQLite(t), func(o *admin.Options) { o.Media = media })
	ctx := context.Background()
	var convID, audioID, textID int64
	require.NoError(t, e.db.NewRaw(`INSERT INTO conversations (channel, contact) VALUES ('wa', '5493510000001') RETURNING id`).Scan(ctx, &convID))
	require.NoError(t, e.db.NewRaw(`INSERT INTO messages (conversation_id, direction, channel, kind, text, payload) VALUES (?, 'in', 'wa', 'audio', 'pa cua', ?) RETURNING id`,
		convID, `{"media":{"id":"wamid.audio","mime":"audio/ogg"},"voice":{"outcome":"transcribed","confidence":0.3}}`).Scan(ctx, &audioID))
	require.NoError(t, e.db.NewRaw(`INSERT INTO messages (conversation_id, direction, channel, text) VALUES (?, 'in', 'wa', 'hola') RETURNING id`, convID).Scan(ctx, &textID))

	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	anon := &browser{t: t, app: e.app, cookies: map[string]string{}}
	path := "/admin/conversations/" + itoa(convID) + "/messages/" + itoa(audioID) + "/audio"
	resp, _ := anon.do(http.MethodGet, path, nil)
	assert.NotEqual(t, http.StatusOK, resp.StatusCode, "staff only")

	b.login("correct horse")
	resp, page := b.do(http.MethodGet, "/admin/conversations/"+itoa(convID), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, `<audio controls preload="none" src="`+path+`"`, "the voice note has a player")
	assert.Equal(t, 1, strings.Count(page, "<audio"), "text messages have none")

	resp, body := b.do(http.MethodGet, path, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "OggS voice note", body)
	assert.Equal(t, "audio/ogg; codecs=opus", resp.Header.Get("Content-Type"))
	assert.Equal(t, "private, no-store", resp.Header.Get("Cache-Control"))

	for name, p := range map[string]string{
		"a text message":           "/admin/conversations/" + itoa(convID) + "/messages/" + itoa(textID) + "/audio",
		"another conversation's":   "/admin/conversations/" + itoa(convID+1) + "/messages/" + itoa(audioID) + "/audio",
		"a message that is absent": "/admin/conversations/" + itoa(convID) + "/messages/999999/audio",
	} {
		t.Run(name, func(t *testing.T) {
			resp, _ := b.do(http.MethodGet, p, nil)
			assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		})
	}
	t.Run("media the channel no longer has", func(t *testing.T) {
		delete(media, "wa/wamid.audio")
		resp, _ := b.do(http.MethodGet, path, nil)
		assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	})
}
