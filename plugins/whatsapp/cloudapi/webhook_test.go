package cloudapi_test

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/plugins/whatsapp/cloudapi"
)

// normalized is a message or status with exactly the keys of expected.json's _contract.
func normalizedMessage(m cloudapi.Message) map[string]any {
	out := map[string]any{
		"phone_number_id": m.PhoneNumberID, "id": m.ID, "timestamp": m.Timestamp, "type": m.Type, "from": nil, "profile_name": nil,
	}
	if m.From != "" {
		out["from"] = m.From
	}
	if m.FromUserID != "" {
		out["from_user_id"] = m.FromUserID
	}
	if m.HasProfileName {
		out["profile_name"] = m.ProfileName
	}
	if m.ContextID != "" {
		out["context_id"] = m.ContextID
	}
	switch m.Type {
	case "text":
		out["text"] = m.Text
	case "audio", "image":
		out["media_id"], out["mime_type"], out["sha256"] = m.MediaID, m.MIME, m.SHA256
		if m.Type == "audio" {
			out["voice"] = m.Voice
		}
		if m.HasCaption {
			out["caption"] = m.Caption
		}
	case "interactive":
		out["interactive_type"], out["button_id"], out["button_title"] = m.InteractiveType, m.ButtonID, m.ButtonTitle
	case "button":
		out["button_id"], out["button_title"] = m.ButtonID, m.ButtonTitle
	case "location":
		out["location"] = map[string]any{"latitude": m.Location.Latitude, "longitude": m.Location.Longitude, "name": m.Location.Name, "address": m.Location.Address}
	case "reaction":
		r := map[string]any{"message_id": m.Reaction.MessageID, "emoji": nil}
		if m.Reaction.HasEmoji {
			r["emoji"] = m.Reaction.Emoji
		}
		out["reaction"] = r
	case "unsupported":
		out["error_codes"], out["unsupported_type"] = m.ErrorCodes, m.UnsupportedType
	}
	return out
}

func normalizedStatus(s cloudapi.Status) map[string]any {
	return map[string]any{"phone_number_id": s.PhoneNumberID, "id": s.ID, "status": s.Status, "recipient_id": s.RecipientID,
		"timestamp": s.Timestamp, "error_codes": s.ErrorCodes}
}

type expectedFile struct {
	Accept   bool             `json:"accept"`
	Error    string           `json:"error"`
	Messages []map[string]any `json:"messages"`
	Statuses []map[string]any `json:"statuses"`
}

func TestParseCorpus(t *testing.T) {
	dir := corpusDir(t)
	var expected struct {
		Files map[string]expectedFile `json:"files"`
	}
	readJSON(t, filepath.Join(dir, "expected.json"), &expected)
	files, err := filepath.Glob(filepath.Join(dir, "webhooks", "*.json"))
	require.NoError(t, err)
	require.Len(t, files, len(expected.Files), "every body has an expectation")
	sort.Strings(files)
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want, ok := expected.Files[name]
			require.True(t, ok, "no expectation for %s", name)
			body, err := os.ReadFile(f)
			require.NoError(t, err)
			ev, err := cloudapi.Parse(body)
			if !want.Accept {
				var pe *cloudapi.ParseError
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, want.Error, pe.Code)
				require.ErrorIs(t, err, cloudapi.ErrParse)
				assert.Empty(t, ev.Messages)
				assert.Empty(t, ev.Statuses)
				return
			}
			require.NoError(t, err)
			msgs := make([]map[string]any, 0, len(ev.Messages))
			for _, m := range ev.Messages {
				msgs = append(msgs, normalizedMessage(m))
			}
			sts := make([]map[string]any, 0, len(ev.Statuses))
			for _, s := range ev.Statuses {
				sts = append(sts, normalizedStatus(s))
			}
			assert.Equal(t, asJSON(t, want.Messages), asJSON(t, msgs))
			assert.Equal(t, asJSON(t, want.Statuses), asJSON(t, sts))
		})
	}
}

func TestSignatureCorpus(t *testing.T) {
	dir := corpusDir(t)
	var cases struct {
		Cases []struct {
			Name     string  `json:"name"`
			Secret   string  `json:"secret"`
			BodyFile string  `json:"body_file"`
			Header   *string `json:"header"`
			Valid    bool    `json:"valid"`
		} `json:"cases"`
	}
	readJSON(t, filepath.Join(dir, "signatures.json"), &cases)
	require.NotEmpty(t, cases.Cases)
	for _, tc := range cases.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(filepath.Join(dir, tc.BodyFile))
			require.NoError(t, err)
			header := ""
			if tc.Header != nil {
				header = *tc.Header
			}
			assert.Equal(t, tc.Valid, cloudapi.VerifySignature([]byte(tc.Secret), header, body))
			if tc.Valid {
				assert.Equal(t, header, cloudapi.Sign([]byte(tc.Secret), body))
			}
		})
	}
}
