package payments

import (
	"time"

	"github.com/uptrace/bun"
)

// Record is one payment a provider told us about: its place in the read queue and the
// state last read from the provider.
type Record struct {
	bun.BaseModel `bun:"table:provider_payments"`

	ID        int64  `bun:"id,pk,autoincrement"`
	Provider  string `bun:"provider,notnull"`
	PaymentID string `bun:"payment_id,notnull"`
	// Notified counts notifications; Handled is Notified when last read and applied.
	Notified  int        `bun:"notified,notnull"`
	Handled   int        `bun:"handled,notnull"`
	Attempts  int        `bun:"attempts,notnull"`
	NextAt    time.Time  `bun:"next_at,notnull"`
	LeaseTill *time.Time `bun:"lease_until"`
	LastError string     `bun:"last_error,notnull"`

	Reference     string `bun:"reference,notnull"`
	Status        string `bun:"status,notnull"`
	StatusDetail  string `bun:"status_detail,notnull"`
	AmountCents   int64  `bun:"amount_cents,notnull"`
	RefundedCents int64  `bun:"refunded_cents,notnull"`
	Currency      string `bun:"currency,notnull"`
	// Outcome is what the payment means for its hold (Outcome* constants).
	Outcome string `bun:"outcome,notnull"`
	// StaffReason says why staff must look at it ("" when nothing to do).
	StaffReason string `bun:"staff_reason,notnull"`
	// Flagged is the last state flagged to staff, so each change is flagged once.
	Flagged string `bun:"flagged,notnull"`
	// LateRefund is the refund made because the payment came after its nights were taken.
	LateRefund string `bun:"late_refund,notnull"`

	ReceivedAt time.Time  `bun:"received_at,notnull"`
	FetchedAt  *time.Time `bun:"fetched_at"`
	CreatedAt  time.Time  `bun:"created_at,notnull"`
	UpdatedAt  time.Time  `bun:"updated_at,notnull"`
}

// Pending reports whether the payment waits to be read.
func (r Record) Pending() bool { return r.Notified > r.Handled }

// link is a checkout link made for a hold.
type link struct {
	bun.BaseModel `bun:"table:payment_links"`

	ID             int64      `bun:"id,pk,autoincrement"`
	ReservationID  int64      `bun:"reservation_id,notnull"`
	Provider       string     `bun:"provider,notnull"`
	LinkID         string     `bun:"link_id,notnull"`
	URL            string     `bun:"url,notnull"`
	IdempotencyKey string     `bun:"idempotency_key,notnull"`
	ExpiresAt      *time.Time `bun:"expires_at"`
	CheckedAt      *time.Time `bun:"checked_at"`
	ClosedAt       *time.Time `bun:"closed_at"`
	CreatedAt      time.Time  `bun:"created_at,notnull"`
}

// refundRow is a refund staff asked for.
type refundRow struct {
	bun.BaseModel `bun:"table:payment_refunds"`

	ID               int64     `bun:"id,pk,autoincrement"`
	Provider         string    `bun:"provider,notnull"`
	PaymentID        string    `bun:"payment_id,notnull"`
	ReservationCode  string    `bun:"reservation_code,notnull"`
	IdempotencyKey   string    `bun:"idempotency_key,notnull"`
	AmountCents      int64     `bun:"amount_cents,notnull"`
	Reason           string    `bun:"reason,notnull"`
	RequestedBy      string    `bun:"requested_by,notnull"`
	Status           string    `bun:"status,notnull"`
	ProviderRefundID string    `bun:"provider_refund_id,notnull"`
	RefundedCents    int64     `bun:"refunded_cents,notnull"`
	Error            string    `bun:"error,notnull"`
	CreatedAt        time.Time `bun:"created_at,notnull"`
	UpdatedAt        time.Time `bun:"updated_at,notnull"`
}
