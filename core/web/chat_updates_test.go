package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/channel"
)

// fakeUpdates is a chat whose conversation has one staff reply waiting, handed over once.
type fakeUpdates struct {
	fakeChat
	waiting map[string][]channel.ChatReply
}

func (f *fakeUpdates) Updates(_ context.Context, id string) (channel.ChatResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.waiting[id]
	delete(f.waiting, id)
	if out == nil {
		out = []channel.ChatReply{}
	}
	return channel.ChatResult{ConversationID: id, Replies: out}, nil
}

func TestChatPageCollectsLaterMessages(t *testing.T) {
	const conv = "wc_0000000000000000000000aa"
	svc := &fakeUpdates{waiting: map[string][]channel.ChatReply{conv: {{Text: "Hola, soy Marta <b>", Staff: true}}}}
	app := chatApp(t, svc, ChatOptions{})
	get := func(query string) (int, string) {
		resp, err := app.Test(httptest.NewRequest("GET", "/api/v1/chat/updates"+query, nil), -1)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	tests := []struct {
		name, query string
		status      int
		replies     int
	}{
		{"no conversation", "", 422, 0},
		{"not a web chat id", "?conversation_id=1%20OR%201", 422, 0},
		{"the waiting reply", "?conversation_id=" + conv, 200, 1},
		{"handed over once", "?conversation_id=" + conv, 200, 0},
		{"another page", "?conversation_id=wc_0000000000000000000000bb", 200, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := get(tc.query)
			assert.Equal(t, tc.status, status, body)
			if status != 200 {
				return
			}
			var res channel.ChatResult
			require.NoError(t, json.Unmarshal([]byte(body), &res))
			assert.Len(t, res.Replies, tc.replies)
			if tc.replies > 0 {
				assert.True(t, res.Replies[0].Staff)
				assert.Equal(t, "Hola, soy Marta <b>", res.Replies[0].Text, "JSON carries text; the page shows it as text")
			}
		})
	}
	t.Run("polls are rate-limited per conversation", func(t *testing.T) {
		limited := false
		for range chatPollBurst + 5 {
			if status, _ := get("?conversation_id=wc_0000000000000000000000cc"); status == 429 {
				limited = true
				break
			}
		}
		assert.True(t, limited)
	})
}
