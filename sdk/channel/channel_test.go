package channel_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/plugin"
)

func TestSendRequestValidate(t *testing.T) {
	text := &channel.Text{Body: "hola"}
	tests := []struct {
		name string
		req  channel.SendRequest
		ok   bool
	}{
		{"text", channel.SendRequest{To: "549", Text: text}, true},
		{"no recipient", channel.SendRequest{Text: text}, false},
		{"no content", channel.SendRequest{To: "549"}, false},
		{"two contents", channel.SendRequest{To: "549", Text: text, Template: &channel.Template{Name: "t"}}, false},
		{"buttons without buttons", channel.SendRequest{To: "549", Buttons: &channel.Buttons{Body: "?"}}, false},
		{"buttons", channel.SendRequest{To: "549", Buttons: &channel.Buttons{Body: "?", Buttons: []channel.Button{{ID: "a", Title: "A"}}}}, true},
		{"audio without mime", channel.SendRequest{To: "549", Audio: &channel.Audio{Data: []byte{1}}}, false},
		{"audio", channel.SendRequest{To: "549", Audio: &channel.Audio{Data: []byte{1}, MIME: "audio/ogg"}}, true},
		{"template without name", channel.SendRequest{To: "549", Template: &channel.Template{}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.req.Validate()
			if tc.ok {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, plugin.ErrInvalidRequest)
		})
	}
}
