package inquiry_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/plugins/email/inquiry"
)

// corpusDir finds the development e-mail corpus (../shared/email from the repo root) by
// walking up from the package directory. Outside CI a missing corpus skips; in CI it
// fails.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	require.NoError(t, err)
	for {
		candidate := filepath.Join(dir, "shared", "email", "expected.json")
		if _, err := os.Stat(candidate); err == nil {
			return filepath.Dir(candidate)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("shared/email (the development e-mail corpus) not found above the repository")
	}
	t.Skip("shared/email (the development e-mail corpus) not found above the repository")
	return ""
}

type corpus struct {
	Context struct {
		OwnAddresses []string `json:"own_addresses"`
		AuthservID   string   `json:"authserv_id"`
	} `json:"context"`
	Files map[string]expectation `json:"files"`
}

type expectation struct {
	Category       string                `json:"category"`
	Portal         *string               `json:"portal"`
	Answer         bool                  `json:"answer"`
	AnswerTo       *string               `json:"answer_to"`
	AlsoAcceptable []string              `json:"answer_to_also_acceptable"`
	Constraints    []string              `json:"constraints"`
	Handoff        bool                  `json:"handoff"`
	NewInquiry     bool                  `json:"new_inquiry"`
	ReplyHeaders   *inquiry.ReplyHeaders `json:"reply_headers"`
	Inquiry        map[string]any        `json:"inquiry"`
	Thread         *struct {
		InReplyToOurs string `json:"in_reply_to_ours"`
	} `json:"thread"`
	FailedRecip string `json:"failed_recipient"`
	FailedMsgID string `json:"failed_message_id"`
}

func loadCorpus(t testing.TB) (string, corpus) {
	dir := corpusDir(t)
	raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	require.NoError(t, err)
	var c corpus
	require.NoError(t, json.Unmarshal(raw, &c))
	require.NotEmpty(t, c.Files)
	return dir, c
}

func configFor(c corpus) inquiry.Config {
	return inquiry.Config{Own: c.Context.OwnAddresses, AuthservID: c.Context.AuthservID}
}

// TestCorpus feeds every message of the corpus, byte for byte, to Decide and checks the
// decision and every field expected.json scores.
func TestCorpus(t *testing.T) {
	t.Parallel()
	dir, c := loadCorpus(t)
	cfg := configFor(c)
	names := make([]string, 0, len(c.Files))
	for name := range c.Files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		want := c.Files[name]
		t.Run(strings.TrimSuffix(name, ".eml"), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(filepath.Join(dir, name))
			require.NoError(t, err)
			got := inquiry.Decide(raw, cfg)
			checkDecision(t, want, got)
		})
	}
}

func checkDecision(t *testing.T, want expectation, got inquiry.Decision) {
	t.Helper()
	decision := inquiry.Skip
	switch {
	case want.Answer:
		decision = inquiry.Answer
	case want.Handoff:
		decision = inquiry.Handoff
	}
	assert.Equal(t, decision, got.Decision, "decision (reason %q)", got.Reason)
	assert.Equal(t, want.Category, got.Category, "category")
	assert.Equal(t, deref(want.Portal), got.Portal, "portal")
	assert.Equal(t, want.NewInquiry, got.NewInquiry, "new_inquiry")
	assert.ElementsMatch(t, want.Constraints, got.Constraints, "constraints")
	if want.AnswerTo == nil {
		assert.Empty(t, got.AnswerTo, "answer_to")
	} else {
		ok := strings.EqualFold(*want.AnswerTo, got.AnswerTo)
		for _, alt := range want.AlsoAcceptable {
			ok = ok || strings.EqualFold(alt, got.AnswerTo)
		}
		assert.True(t, ok, "answer_to: want %s (or %v), got %q", *want.AnswerTo, want.AlsoAcceptable, got.AnswerTo)
	}
	if want.ReplyHeaders != nil {
		assert.Equal(t, want.ReplyHeaders, got.Reply, "reply_headers")
	} else {
		assert.Nil(t, got.Reply, "no answer, no reply headers")
	}
	if want.Thread != nil && want.Thread.InReplyToOurs != "" {
		assert.Equal(t, want.Thread.InReplyToOurs, got.Thread, "thread")
	}
	if want.FailedRecip != "" || want.FailedMsgID != "" {
		assert.Equal(t, want.FailedRecip, got.FailedRecipient, "failed_recipient")
		assert.Equal(t, want.FailedMsgID, got.FailedMessageID, "failed_message_id")
	}
	if want.Inquiry == nil {
		return
	}
	in := want.Inquiry
	str := func(key string, gotValue string) {
		v, present := in[key]
		if !present {
			return
		}
		if v == nil {
			assert.Empty(t, gotValue, key)
			return
		}
		assert.Equal(t, v, gotValue, key)
	}
	num := func(key string, gotValue int) {
		v, present := in[key]
		if !present {
			return
		}
		if v == nil {
			assert.LessOrEqual(t, gotValue, 0, key)
			return
		}
		assert.Equal(t, int(v.(float64)), gotValue, key)
	}
	str("guest_name", got.GuestName)
	str("guest_email", got.GuestEmail)
	str("guest_phone", got.GuestPhone)
	if v, ok := in["guest_phone_e164"]; ok && v != nil {
		assert.Equal(t, v, got.GuestPhoneE164, "guest_phone_e164")
	}
	if v, ok := in["guest_email_is_relay"]; ok {
		assert.Equal(t, v, got.GuestEmailIsRelay, "guest_email_is_relay")
	}
	str("check_in", got.CheckIn)
	str("check_out", got.CheckOut)
	num("guests", got.Guests)
	num("adults", got.Adults)
	num("children", got.Children)
	str("listing_ref", got.ListingRef)
	str("booking_ref", got.BookingRef)
	if v, ok := in["dates_source"]; ok && v != nil {
		assert.Equal(t, v, got.DatesSource, "dates_source")
	}
	if in["text"] == nil {
		assert.Empty(t, got.Text, "text")
		return
	}
	text := strings.Join(strings.Fields(got.Text), " ")
	for _, s := range in["text_must_contain"].([]any) {
		assert.Contains(t, text, strings.Join(strings.Fields(s.(string)), " "), "text")
	}
	for _, s := range in["text_must_not_contain"].([]any) {
		assert.NotContains(t, text, strings.Join(strings.Fields(s.(string)), " "), "text")
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestCorpusHasNoStrays: every message in the directory has an expectation, so a new
// file cannot slip past TestCorpus.
func TestCorpusHasNoStrays(t *testing.T) {
	t.Parallel()
	dir, c := loadCorpus(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		_, ok := c.Files[filepath.Base(f)]
		assert.True(t, ok, "%s has no expectation in expected.json", filepath.Base(f))
	}
}
