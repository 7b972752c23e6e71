package payments_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/payments"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
	"github.com/conserje/conserje/plugins/mercadopago/mpfake"
	"github.com/conserje/conserje/sdk/payment"
)

// TestLifecycle runs every scenario on one database per dialect (SQLite, and PostgreSQL
// when configured): each scenario holds its own nights, so they share the setup.
func TestLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		for _, sc := range []struct {
			name string
			fn   func(*testing.T, *harness)
		}{
			{"NotifiedPaymentConfirmsTheHold", testNotifiedPaymentConfirmsTheHold},
			{"OutOfOrderNotifications", testOutOfOrderNotifications},
			{"NotificationDuringARead", testNotificationDuringARead},
			{"ReadRetriesWithBackoff", testReadRetriesWithBackoff},
			{"CrashBetweenAnswerAndRead", testCrashBetweenAnswerAndRead},
			{"RejectedTwiceGoesToAPerson", testRejectedTwiceGoesToAPerson},
			{"LateApproval", testLateApproval},
			{"MismatchesConfirmNothing", testMismatchesConfirmNothing},
			{"SimulationAndUnknownStatus", testSimulationAndUnknownStatus},
			{"ReconciliationFindsALostNotification", testReconciliationFindsALostNotification},
			{"ReversalsAndStaffRefunds", testReversalsAndStaffRefunds},
			{"ObservedPaymentsApplyAtOnce", testObservedPaymentsApplyAtOnce},
			{"DisputeOfAConfirmedBooking", testDisputeOfAConfirmedBooking},
		} {
			t.Run(sc.name, func(t *testing.T) { sc.fn(t, h) })
		}
	})
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

// TestClassifyCorpus: the outcome of every payment of the protocol corpus for its order.
func TestClassifyCorpus(t *testing.T) {
	t.Parallel()
	var expected struct {
		Payments struct {
			Order struct {
				Reference   string `json:"external_reference"`
				AmountCents int64  `json:"amount_cents"`
				Currency    string `json:"currency"`
			} `json:"order"`
			Files map[string]struct {
				ID, Status, Reference, Currency string
				AmountCents                     int64 `json:"amount_cents"`
				RefundedCents                   int64 `json:"refunded_cents"`
				Outcome                         string
				ExternalReference               string `json:"external_reference"`
			} `json:"files"`
		} `json:"payments"`
	}
	readJSON(t, filepath.Join(corpusDir(t), "expected.json"), &expected)
	o := expected.Payments.Order
	order := payments.Order{Reference: o.Reference, DepositCents: o.AmountCents, Currency: o.Currency}
	require.Len(t, expected.Payments.Files, 13)
	for file, f := range expected.Payments.Files {
		p := payment.Payment{ID: f.ID, Reference: f.ExternalReference, Status: payment.Status(f.Status),
			Amount: f.AmountCents, RefundedAmount: f.RefundedCents, Currency: f.Currency}
		assert.Equal(t, f.Outcome, payments.Classify(p, order), file)
	}
	// More than the seña pays it too (the rule is "at least the seña").
	assert.Equal(t, payments.OutcomePaid, payments.Classify(payment.Payment{Reference: "R", Status: payment.StatusApproved, Amount: 11, Currency: "ARS"},
		payments.Order{Reference: "R", DepositCents: 10}))
	assert.Equal(t, payments.OutcomePending, payments.Classify(payment.Payment{Reference: "R", Status: "frozen"}, payments.Order{Reference: "R"}),
		"an unknown status waits")
}

// TestNotifiedPaymentConfirmsTheHold: a notification is recorded at once; the worker reads
// the payment and the approved seña confirms the hold, once, however many notifications
// (created, updated, redelivered) name it.
func testNotifiedPaymentConfirmsTheHold(t *testing.T, h *harness) {
	ctx := context.Background()
	r := h.hold(t, "5493510000001")
	h.fake.SetPayment(fakePayment(148205937461, r.Code, "approved", r.DepositCents))
	for range 3 {
		require.NoError(t, h.svc.Notified(ctx, "mercadopago", "148205937461"))
	}
	rec := h.record(t, 148205937461)
	assert.True(t, rec.Pending())
	assert.Equal(t, 3, rec.Notified)
	assert.Equal(t, store.StatusPreReserved, h.reservation(t, r.Code).Status, "nothing is applied before the read")

	h.drain(t)
	assert.Equal(t, 1, h.fake.Gets(148205937461), "three notifications, one read")
	got := h.reservation(t, r.Code)
	assert.Equal(t, store.StatusConfirmed, got.Status)
	assert.Equal(t, r.DepositCents, got.PaidCents)
	rec = h.record(t, 148205937461)
	assert.False(t, rec.Pending())
	assert.Equal(t, payments.OutcomePaid, rec.Outcome)
	assert.Empty(t, rec.StaffReason)

	require.NoError(t, h.svc.Notified(ctx, "mercadopago", "148205937461"))
	h.drain(t)
	assert.Equal(t, 1, h.events(t, r.Code, "reservation_confirmed"), "a redelivery confirms nothing twice")
}

func fakePayment(id int64, ref, status string, cents int64) mpfake.Payment {
	return mpfake.Payment{ID: id, Reference: ref, Status: status, AmountCents: cents}
}

// TestOutOfOrderNotifications: the state always comes from the read, so a stale
// "created" after the approval, or a pending read first, never undoes anything.
func testOutOfOrderNotifications(t *testing.T, h *harness) {
	r := h.hold(t, "5493510000002")
	h.pay(t, 501, r.Code, "pending", r.DepositCents)
	h.drain(t)
	assert.Equal(t, store.StatusPreReserved, h.reservation(t, r.Code).Status)
	assert.Equal(t, payments.OutcomePending, h.record(t, 501).Outcome)

	h.pay(t, 501, r.Code, "approved", r.DepositCents)
	h.drain(t)
	assert.Equal(t, store.StatusConfirmed, h.reservation(t, r.Code).Status)

	require.NoError(t, h.svc.Notified(context.Background(), "mercadopago", "501")) // the late "payment.created"
	h.drain(t)
	assert.Equal(t, store.StatusConfirmed, h.reservation(t, r.Code).Status)
	assert.Equal(t, "approved", h.record(t, 501).Status)
}

// TestNotificationDuringARead: a notification that arrives while the payment is being read
// makes it be read again afterwards (the first read may have seen the older state).
func testNotificationDuringARead(t *testing.T, h *harness) {
	r := h.hold(t, "5493510000003")
	h.pay(t, 601, r.Code, "pending", r.DepositCents)
	release := h.fake.Stall("/v1/payments/601")
	done := make(chan error, 1)
	go func() { _, err := h.svc.Step(context.Background()); done <- err }()
	require.Eventually(t, func() bool { return h.record(t, 601).LeaseTill != nil }, 5*time.Second, 5*time.Millisecond)
	h.pay(t, 601, r.Code, "approved", r.DepositCents) // the approval lands while the old state is in flight
	release()
	require.NoError(t, <-done)
	assert.True(t, h.record(t, 601).Pending(), "read again")
	h.drain(t)
	assert.Equal(t, store.StatusConfirmed, h.reservation(t, r.Code).Status)
}

// TestReadRetriesWithBackoff: a failing or slow Mercado Pago is retried with a growing
// pause, never dropped; the webhook was answered long before.
func testReadRetriesWithBackoff(t *testing.T, h *harness) {
	ctx := context.Background()
	r := h.hold(t, "5493510000004")
	h.fake.FailNext("/v1/payments/", 500, 503, 429)
	h.pay(t, 701, r.Code, "approved", r.DepositCents)
	start := h.clock.Now()
	waits := []time.Duration{}
	for range 3 {
		_, err := h.svc.Step(ctx)
		require.Error(t, err)
		rec := h.record(t, 701)
		waits = append(waits, rec.NextAt.Sub(h.clock.Now()))
		assert.NotEmpty(t, rec.LastError)
		n, err := h.svc.Step(ctx)
		require.NoError(t, err)
		assert.Zero(t, n, "not before its time")
		h.clock.Advance(rec.NextAt.Sub(h.clock.Now()))
	}
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, waits)
	h.drain(t)
	assert.Equal(t, store.StatusConfirmed, h.reservation(t, r.Code).Status)
	assert.Equal(t, 0, h.record(t, 701).Attempts)
	assert.Less(t, h.clock.Now().Sub(start), time.Minute)
}

// TestCrashBetweenAnswerAndRead: the notification is durable before the answer; a process
// that dies before reading it (or while reading it, holding the lease) loses nothing: the
// next process reads it, after the lease for one that died mid-read.
func testCrashBetweenAnswerAndRead(t *testing.T, h *harness) {
	r := h.hold(t, "5493510000005")
	h.pay(t, 801, r.Code, "approved", r.DepositCents)

	// The first process dies in the middle of the read.
	release := h.fake.Stall("/v1/payments/801")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _, _ = h.svc.Step(ctx); close(done) }()
	require.Eventually(t, func() bool { return h.record(t, 801).LeaseTill != nil }, 5*time.Second, 5*time.Millisecond)
	cancel()
	<-done
	release()

	next := payments.New(h.db, providers{h.provider}, h.booking, h.convs, payments.Options{Now: h.clock.Now})
	n, err := next.Step(context.Background())
	require.NoError(t, err)
	if h.record(t, 801).LeaseTill != nil {
		assert.Zero(t, n, "the dead process's lease is respected")
		h.clock.Advance(payments.DefaultLease + time.Second)
	}
	for {
		n, err := next.Step(context.Background())
		require.NoError(t, err)
		if n == 0 {
			break
		}
	}
	assert.Equal(t, store.StatusConfirmed, h.reservation(t, r.Code).Status)
}

// TestRejectedTwiceGoesToAPerson: each rejected attempt is told to the conversation; the
// second hands it to a person (the client's rule).
func testRejectedTwiceGoesToAPerson(t *testing.T, h *harness) {
	r := h.hold(t, "5493510000006")
	h.pay(t, 901, r.Code, "rejected", r.DepositCents)
	h.drain(t)
	h.pay(t, 901, r.Code, "rejected", r.DepositCents) // the same rejection again: not a second one
	h.drain(t)
	assert.Equal(t, conversation.StateBot, h.convState(t, *r.ConversationID))
	h.pay(t, 902, r.Code, "rejected", r.DepositCents)
	h.drain(t)
	assert.Equal(t, conversation.StateEscalated, h.convState(t, *r.ConversationID))
	assert.Equal(t, payments.OutcomeFailed, h.record(t, 902).Outcome)
	assert.Equal(t, store.StatusPreReserved, h.reservation(t, r.Code).Status)
}

func (h *harness) convState(t *testing.T, id int64) string {
	t.Helper()
	var c store.Conversation
	require.NoError(t, h.db.NewSelect().Model(&c).Where("id = ?", id).Scan(context.Background()))
	return c.State
}

// TestLateApproval: the hold lapsed before the approval. Nights still free: confirmed.
// Nights taken: refunded in full (once), staff alerted, the guest told.
func testLateApproval(t *testing.T, h *harness) {
	ctx := context.Background()
	t.Run("free nights confirm", func(t *testing.T) {
		r := h.hold(t, "5493510000007")
		h.clock.Advance(31 * time.Minute)
		_, err := h.booking.ExpireLapsed(ctx)
		require.NoError(t, err)
		h.pay(t, 1001, r.Code, "approved", r.DepositCents)
		h.drain(t)
		assert.Equal(t, store.StatusConfirmed, h.reservation(t, r.Code).Status)
		assert.Empty(t, h.refunds(1001))
		_, err = h.booking.Cancel(ctx, r.Code, "test: free the nights again")
		require.NoError(t, err)
	})
	t.Run("taken nights are refunded", func(t *testing.T) {
		late := h.hold(t, "5493510000008")
		h.clock.Advance(31 * time.Minute)
		_, err := h.booking.ExpireLapsed(ctx)
		require.NoError(t, err)
		other := h.holdStay(t, "5493510000009", late.Stay)
		h.pay(t, 1002, late.Code, "approved", late.DepositCents)
		h.drain(t)

		assert.Equal(t, store.StatusExpired, h.reservation(t, late.Code).Status)
		assert.Equal(t, store.StatusPreReserved, h.reservation(t, other.Code).Status, "the other guest keeps the nights")
		refunds := h.refunds(1002)
		require.Len(t, refunds, 1)
		assert.Equal(t, late.DepositCents, refunds[0].AmountCents, "in full")
		assert.Equal(t, "refund-1002-full", refunds[0].IdempotencyKey)
		rec := h.record(t, 1002)
		assert.Equal(t, payments.ReasonLateRefunded, rec.StaffReason)
		assert.Equal(t, 1, h.events(t, late.Code, payments.EventLateRefund))
		msgs := h.outbox(t, *late.ConversationID)
		require.Len(t, msgs, 1)
		assert.Contains(t, msgs[0], payments.LateRefundTemplate)
		assert.Contains(t, msgs[0], pesos(late.DepositCents))
		assert.Contains(t, msgs[0], late.Code)

		// Mercado Pago then notifies the refund, and repeats itself: nothing more.
		require.NoError(t, h.svc.Notified(ctx, "mercadopago", "1002"))
		require.NoError(t, h.svc.Notified(ctx, "mercadopago", "1002"))
		h.drain(t)
		assert.Len(t, h.refunds(1002), 1)
		assert.Len(t, h.outbox(t, *late.ConversationID), 1)
		assert.Equal(t, "refunded", h.record(t, 1002).Status)
		assert.Equal(t, payments.ReasonLateRefunded, h.record(t, 1002).StaffReason)
	})
}

// TestMismatchesConfirmNothing: approved payments that are less than the seña, in another
// currency, or for a reference that is none of ours are recorded and shown to staff.
func testMismatchesConfirmNothing(t *testing.T, h *harness) {
	r := h.hold(t, "5493510000010")
	h.pay(t, 1101, r.Code, "approved", 1) // one centavo
	usd := fakePayment(1102, r.Code, "approved", r.DepositCents)
	usd.Currency = "USD"
	h.fake.SetPayment(usd)
	require.NoError(t, h.svc.Notified(context.Background(), "mercadopago", "1102"))
	h.pay(t, 1103, "RES000000000", "approved", r.DepositCents)
	h.drain(t)

	assert.Equal(t, store.StatusPreReserved, h.reservation(t, r.Code).Status)
	assert.Equal(t, payments.OutcomeMismatch, h.record(t, 1101).Outcome)
	assert.Equal(t, payments.OutcomeMismatch, h.record(t, 1102).Outcome)
	assert.Equal(t, payments.OutcomeUnknownRef, h.record(t, 1103).Outcome)
	staff, err := h.svc.NeedsStaff(context.Background(), 10)
	require.NoError(t, err)
	var ids []string
	for _, s := range staff {
		if s.PaymentID >= "1101" && s.PaymentID <= "1103" {
			ids = append(ids, s.PaymentID+":"+s.StaffReason)
		}
	}
	assert.ElementsMatch(t, []string{"1101:" + booking.ReviewUnderpaid, "1102:" + booking.ReviewCurrency, "1103:unknown_reference"}, ids)
}

// TestSimulationAndUnknownStatus: a dashboard simulation's id is unknown to the API (404):
// recorded, nothing applied; a status nobody knows waits.
func testSimulationAndUnknownStatus(t *testing.T, h *harness) {
	r := h.hold(t, "5493510000011")
	require.NoError(t, h.svc.Notified(context.Background(), "mercadopago", "2468101"))
	h.pay(t, 1201, r.Code, "frozen", r.DepositCents)
	h.drain(t)
	assert.Equal(t, payments.OutcomeNotFound, h.record(t, 2468101).Outcome)
	assert.False(t, h.record(t, 2468101).Pending())
	assert.Equal(t, payments.OutcomePending, h.record(t, 1201).Outcome)
	assert.Equal(t, store.StatusPreReserved, h.reservation(t, r.Code).Status)
}

// TestReconciliationFindsALostNotification: while a hold with a link lives its payments
// are searched, so an approval whose notification never came still confirms; after the
// hold lapses one last search runs, then none.
func testReconciliationFindsALostNotification(t *testing.T, h *harness) {
	ctx := context.Background()
	r := h.hold(t, "5493510000012")
	require.NoError(t, h.svc.LinkCreated(ctx, "mercadopago", r.Code, payments.LinkKey(r.Code, *r.ExpiresAt),
		payment.CreateLinkResponse{LinkID: "pref-1", URL: "https://mp/1", ExpiresAt: *r.ExpiresAt}))
	n, err := h.svc.Reconcile(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing paid yet")

	h.fake.SetPayment(fakePayment(1301, r.Code, "approved", r.DepositCents)) // its notification is lost
	n, err = h.svc.Reconcile(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "searched again only after the interval")
	h.clock.Advance(payments.DefaultReconcileEvery)
	n, err = h.svc.Reconcile(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	h.drain(t)
	assert.Equal(t, store.StatusConfirmed, h.reservation(t, r.Code).Status)

	lapsing := h.hold(t, "5493510000013")
	require.NoError(t, h.svc.LinkCreated(ctx, "mercadopago", lapsing.Code, "k2",
		payment.CreateLinkResponse{LinkID: "pref-2", URL: "https://mp/2", ExpiresAt: *lapsing.ExpiresAt}))
	h.clock.Advance(31 * time.Minute) // lapsed: the last search waits FinalCheckDelay
	h.fake.SetPayment(fakePayment(1302, lapsing.Code, "approved", lapsing.DepositCents))
	n, err = h.svc.Reconcile(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	h.clock.Advance(payments.DefaultFinalCheckDelay)
	n, err = h.svc.Reconcile(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the last search finds the late approval")
	h.drain(t)
	assert.Equal(t, store.StatusConfirmed, h.reservation(t, lapsing.Code).Status, "late, nights free: confirmed")

	h.fake.SetPayment(fakePayment(1303, lapsing.Code, "approved", lapsing.DepositCents))
	h.clock.Advance(time.Hour)
	n, err = h.svc.Reconcile(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "closed links are not searched again")
}

// TestReversalsAndStaffRefunds: a refund or charge-back of a confirmed booking flags it
// for staff, once; a refund staff make from the admin is idempotent by its key and flags
// nothing.
func testReversalsAndStaffRefunds(t *testing.T, h *harness) {
	ctx := context.Background()
	r := h.hold(t, "5493510000014")
	h.pay(t, 1401, r.Code, "approved", r.DepositCents)
	h.drain(t)
	require.Equal(t, store.StatusConfirmed, h.reservation(t, r.Code).Status)

	h.pay(t, 1401, r.Code, "charged_back", r.DepositCents)
	h.drain(t)
	assert.Equal(t, booking.ReviewReversed, h.record(t, 1401).StaffReason)
	require.NoError(t, h.svc.Notified(ctx, "mercadopago", "1401"))
	h.drain(t)
	assert.Equal(t, 1, h.events(t, r.Code, booking.EventPaymentNeedsStaff), "flagged once")

	r2 := h.hold(t, "5493510000015")
	h.pay(t, 1402, r2.Code, "approved", r2.DepositCents)
	h.drain(t)
	req := payments.RefundRequest{Provider: "mercadopago", PaymentID: "1402", AmountCents: 100000, Reason: "el huésped acortó la estadía", Key: "form-abc", By: "staff:ana"}
	res, err := h.svc.Refund(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, payments.RefundDone, res.Status)
	assert.Equal(t, int64(100000), res.RefundedCents)
	again, err := h.svc.Refund(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, res, again)
	require.Len(t, h.refunds(1402), 1, "the same form twice refunds once")
	assert.Equal(t, "refund-1402-form-abc", h.refunds(1402)[0].IdempotencyKey)
	h.drain(t)
	rec := h.record(t, 1402)
	assert.Equal(t, int64(100000), rec.RefundedCents)
	assert.Empty(t, rec.StaffReason, "staff's own refund is no surprise")
	assert.Equal(t, 1, h.events(t, r2.Code, payments.EventRefundRequested))

	_, err = h.svc.Refund(ctx, payments.RefundRequest{Provider: "mercadopago", PaymentID: "1402", AmountCents: 999_999_999, Reason: "x", Key: "k3"})
	require.ErrorIs(t, err, payments.ErrInvalid, "more than what is left")
	_, err = h.svc.Refund(ctx, payments.RefundRequest{Provider: "mercadopago", PaymentID: "1402", AmountCents: 1, Key: "k4"})
	require.ErrorIs(t, err, payments.ErrInvalid, "a reason is required")
	_, err = h.svc.Refund(ctx, payments.RefundRequest{Provider: "mercadopago", PaymentID: "1402", AmountCents: 5, Reason: "x", Key: "form-abc"})
	require.ErrorIs(t, err, payments.ErrInvalid, "a key is one refund")

	h.fake.SetPayment(fakePayment(1403, r2.Code, "rejected", 100))
	require.NoError(t, h.svc.Notified(ctx, "mercadopago", "1403"))
	h.drain(t)
	_, err = h.svc.Refund(ctx, payments.RefundRequest{Provider: "mercadopago", PaymentID: "1403", AmountCents: 0, Reason: "x", Key: "k5"})
	require.ErrorIs(t, err, payments.ErrRefundRefused)
}

// TestRunReadsAtOnce: Run wakes on a notification instead of waiting for its poll.
func TestRunReadsAtOnce(t *testing.T) {
	h := newHarness(t, storetest.SQLite(t))
	r := h.hold(t, "5493510000016")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); h.svc.Run(ctx, time.Hour) }()
	defer func() { cancel(); wg.Wait() }()
	h.pay(t, 1501, r.Code, "approved", r.DepositCents)
	require.Eventually(t, func() bool { return h.reservation(t, r.Code).Status == store.StatusConfirmed }, 10*time.Second, 10*time.Millisecond)
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	require.NoError(t, h.svc.Idle(wctx))
}

// testObservedPaymentsApplyAtOnce: a plugin that read the payment itself gets it applied
// before its webhook is answered, without a read by the core, even with the worker
// running.
func testObservedPaymentsApplyAtOnce(t *testing.T, h *harness) {
	ctx := context.Background()
	r := h.hold(t, "5493510000017")
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { h.svc.Run(runCtx, 10*time.Millisecond); close(done) }()
	defer func() { cancel(); <-done }()
	p := payment.Payment{ID: "1601", Reference: r.Code, Status: payment.StatusApproved, Amount: r.DepositCents, Currency: "ARS"}
	require.NoError(t, h.svc.Observed(ctx, "mercadopago", p))
	assert.Equal(t, store.StatusConfirmed, h.reservation(t, r.Code).Status)
	require.NoError(t, h.svc.Observed(ctx, "mercadopago", p))
	assert.Equal(t, 1, h.events(t, r.Code, "reservation_confirmed"))
	assert.Zero(t, h.fake.Gets(1601))
	assert.Equal(t, payments.OutcomePaid, h.record(t, 1601).Outcome)
}

// testDisputeOfAConfirmedBooking: a dispute (in_mediation), which the booking engine has
// no state for, is flagged for staff by the lifecycle, once.
func testDisputeOfAConfirmedBooking(t *testing.T, h *harness) {
	r := h.hold(t, "5493510000018")
	h.pay(t, 1701, r.Code, "approved", r.DepositCents)
	h.drain(t)
	require.Equal(t, store.StatusConfirmed, h.reservation(t, r.Code).Status)
	h.pay(t, 1701, r.Code, "in_mediation", r.DepositCents)
	h.drain(t)
	require.NoError(t, h.svc.Notified(context.Background(), "mercadopago", "1701"))
	h.drain(t)
	rec := h.record(t, 1701)
	assert.Equal(t, payments.OutcomeDisputed, rec.Outcome)
	assert.Equal(t, payments.ReasonReversed, rec.StaffReason)
	assert.Equal(t, 1, h.events(t, r.Code, booking.EventPaymentNeedsStaff))
	assert.Equal(t, store.StatusConfirmed, h.reservation(t, r.Code).Status, "staff decide")
}
