package conversation_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// BenchmarkReceive measures durable ingest: one inbound WhatsApp message stored (new or
// returning guest, deduplicated on its id) per op, what a webhook waits for before its
// 200. Run in parallel: webhooks arrive concurrently.
func BenchmarkReceive(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", storetest.SQLite}, {"postgres", storetest.Postgres}} {
		b.Run(db.name, func(b *testing.B) {
			h := newHarness(b, db.open(b))
			ctx := context.Background()
			var seq int64
			b.ReportAllocs()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := nextSeq(&seq)
					_, err := h.svc.Receive(ctx, conversation.Inbound{Channel: "whatsapp", AddressKind: conversation.AddressPhone, To: "613058842097135",
						Contact: fmt.Sprintf("549351%07d", n%5000), ExternalID: fmt.Sprintf("wamid.bench.%d", n), Text: "hola, tienen lugar?"})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func nextSeq(p *int64) int64 { return atomic.AddInt64(p, 1) }
