package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/app"
	"github.com/conserje/conserje/core/lock/locktest"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

type chatAnswer struct {
	status     int
	retryAfter string
	replies    string
	body       string
}

// postChat sends one web chat message with the page's message id.
func postChat(t *testing.T, base, convID, msgID, text string) chatAnswer {
	t.Helper()
	body := fmt.Sprintf(`{"conversation_id":%q,"message_id":%q,"text":%q}`, convID, msgID, text)
	resp, err := http.Post(base+"/api/v1/chat", "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := chatAnswer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: string(raw)}
	var r struct {
		Replies []struct {
			Text string `json:"text"`
		} `json:"replies"`
	}
	if json.Unmarshal(raw, &r) == nil {
		for _, rep := range r.Replies {
			a.replies += rep.Text + "\n"
		}
	}
	return a
}

func countTurns(t *testing.T, a *app.App, convID string) (inbound, answered int) {
	t.Helper()
	ctx := context.Background()
	var err error
	inbound, err = a.DB.NewSelect().Model((*store.Message)(nil)).Join("JOIN conversations AS c ON c.id = message.conversation_id").
		Where("c.contact = ? AND message.direction = 'in'", convID).Count(ctx)
	require.NoError(t, err)
	answered, err = a.DB.NewSelect().Model((*store.Message)(nil)).Join("JOIN conversations AS c ON c.id = message.conversation_id").
		Where("c.contact = ? AND message.direction = 'in' AND message.status = 'processed'", convID).Count(ctx)
	require.NoError(t, err)
	return inbound, answered
}

// TestChatDuringARedisOutage cuts a real Redis (a TCP proxy in front of the test Redis)
// under a serving conserje (issue 10, item 8): a single replica answers with in-process
// locks; with several replicas the chat answers 503 with Retry-After, and the page's retry
// with the same message id after Redis is back gets one answer.
func TestChatDuringARedisOutage(t *testing.T) {
	target, err := url.Parse(storetest.RedisURL(t))
	require.NoError(t, err)
	for _, tc := range []struct {
		name          string
		singleReplica bool
	}{
		{"single replica: in-process locks", true},
		{"several replicas: 503 with Retry-After", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proxy := locktest.NewProxy(t, target.Host)
			cfg := testConfig(t, storetest.SQLitePath(t))
			cfg.Redis.URL = "redis://" + proxy.Addr + target.Path
			cfg.Redis.SingleReplica = tc.singleReplica
			a, base := serveSeeded(t, cfg)

			const conv = "wc_00000000000000000000abcd"
			ok := postChat(t, base, conv, "m1", "Hola, para 4 del 5 al 8/1")
			require.Equal(t, 200, ok.status, ok.body)

			proxy.Stop()
			during := postChat(t, base, conv, "m2", "Cabaña")
			health, _ := getHealth(t, base)
			if tc.singleReplica {
				require.Equal(t, 200, during.status, during.body)
				assert.Contains(t, during.replies, "la seña es de $40.500")
				assert.Equal(t, 200, health, "Redis is not critical to a single replica")
			} else {
				require.Equal(t, 503, during.status, during.body)
				assert.Equal(t, "5", during.retryAfter)
				assert.Contains(t, during.body, `"unavailable"`)
				assert.Equal(t, 503, health)
			}

			proxy.Start(t)
			retried := postChat(t, base, conv, "m2", "Cabaña")
			require.Equal(t, 200, retried.status, retried.body)
			assert.Contains(t, retried.replies, "la seña es de $40.500", "the retry gets the answer")
			in, answered := countTurns(t, a, conv)
			assert.Equal(t, 2, in, "the retried message is stored once")
			assert.Equal(t, 2, answered)
		})
	}
}

// TestChatDuringADatabaseOutage cuts PostgreSQL (issue 10, item 9): the chat answers 503
// with Retry-After, never 500, and answers again once the database is back.
func TestChatDuringADatabaseOutage(t *testing.T) {
	target, err := url.Parse(storetest.PostgresURL(t))
	require.NoError(t, err)
	proxy := locktest.NewProxy(t, target.Host)
	viaProxy := *target
	viaProxy.Host = proxy.Addr
	_, base := serveSeeded(t, testConfig(t, viaProxy.String()))

	const conv = "wc_00000000000000000000dbdb"
	require.Equal(t, 200, postChat(t, base, conv, "m1", "hola").status)
	proxy.Stop()
	for i := range 3 {
		during := postChat(t, base, conv, fmt.Sprintf("m2-%d", i), "Hola, para 4 del 5 al 8/1")
		assert.Equal(t, 503, during.status, during.body)
		assert.Equal(t, "5", during.retryAfter)
	}
	proxy.Start(t)
	require.Eventually(t, func() bool {
		return postChat(t, base, conv, "m3", "Hola, para 4 del 5 al 8/1").status == 200
	}, 15e9, 2e8, "the chat answers again once the database is back")
	again := postChat(t, base, conv, "m3", "Hola, para 4 del 5 al 8/1")
	require.Equal(t, 200, again.status)
	assert.Contains(t, again.replies, "Cabaña Robles")
}

// TestChatRetryWithTheSameMessageID: a retried web chat message is answered once, with
// the same replies (issue 10, item 9).
func TestChatRetryWithTheSameMessageID(t *testing.T) {
	a, base := serveSeeded(t, testConfig(t, storetest.SQLitePath(t)))
	const conv = "wc_00000000000000000000cafe"
	first := postChat(t, base, conv, "m1", "Hola, para 4 del 5 al 8/1")
	require.Equal(t, 200, first.status, first.body)
	require.Contains(t, first.replies, "Cabaña Robles")
	for range 3 {
		again := postChat(t, base, conv, "m1", "Hola, para 4 del 5 al 8/1")
		require.Equal(t, 200, again.status, again.body)
		assert.Equal(t, first.replies, again.replies)
	}
	in, answered := countTurns(t, a, conv)
	assert.Equal(t, 1, in)
	assert.Equal(t, 1, answered)
}
