package payment

import (
	"context"
	"errors"
	"time"

	"github.com/conserje/conserje/sdk/plugin"
)

// Provider is what the core calls on a payment plugin. Implementations must be safe for
// concurrent use.
type Provider interface {
	// CreateLink creates a checkout link; idempotent on Reference where the provider
	// allows it.
	CreateLink(ctx context.Context, req CreateLinkRequest) (CreateLinkResponse, error)
	// HandleWebhook verifies and normalizes one provider notification. Verification
	// failures are answered through the reply (e.g. Status 401), not an error.
	HandleWebhook(ctx context.Context, req WebhookRequest) (WebhookResponse, error)
	// GetPayment reads a payment's current state; plugin.ErrNotFound when unknown.
	GetPayment(ctx context.Context, req GetPaymentRequest) (GetPaymentResponse, error)
	// Refund refunds all or part of an approved payment.
	Refund(ctx context.Context, req RefundRequest) (RefundResponse, error)
}

// Plugin is what a payment plugin implements and what the host's client offers.
type Plugin interface {
	plugin.Lifecycle
	Provider
}

// Finder is implemented by providers that can search payments by reference, which the
// core uses to reconcile when a notification never arrived. A plugin without it answers
// FindPayments with plugin.ErrUnsupported; the host's client always offers the method.
type Finder interface {
	FindPayments(ctx context.Context, req FindPaymentsRequest) (FindPaymentsResponse, error)
}

// FindPaymentsRequest names the reference (a hold) whose payments are wanted.
type FindPaymentsRequest struct {
	Reference string
}

// FindPaymentsResponse lists the payments made for a reference, in any order.
type FindPaymentsResponse struct {
	Payments []Payment
}

// CapabilityRefund is listed by providers that implement Refund (others return
// plugin.ErrUnsupported).
const CapabilityRefund = "refund"

// ErrRefundRejected means the provider refused the refund (already refunded, too old, over
// the amount); do not retry.
var ErrRefundRejected = errors.New("refund rejected by provider")

// CurrencyARS is the currency of every amount conserje handles today.
const CurrencyARS = "ARS"

// Payer is who is expected to pay; every field is optional and only prefills the
// provider's checkout.
type Payer struct {
	Name  string
	Email string
	Phone string
}

// CreateLinkRequest asks for a checkout link.
type CreateLinkRequest struct {
	// Reference is conserje's id for what is paid (a hold); it comes back in every
	// Payment so the core can match it. Required.
	Reference string
	// Amount in centavos; > 0.
	Amount int64
	// Currency is an ISO 4217 code; empty means ARS.
	Currency string
	// Title is what the payer sees, e.g. "Seña Cabaña Los Coihues 5–8 ene".
	Title string
	Payer Payer
	// ExpiresAt ends the link's validity (the hold's expiry); zero means no expiry.
	ExpiresAt time.Time
	// NotificationURL is where the provider should send webhooks, when it takes one per
	// link; SuccessURL/FailureURL are where the payer returns.
	NotificationURL string
	SuccessURL      string
	FailureURL      string
	// IdempotencyKey is stable across retries of the same link (e.g. "pref-<hold>"), so a
	// retried call never makes two links; empty lets the plugin derive one from Reference.
	IdempotencyKey string
}

// CreateLinkResponse is the created link.
type CreateLinkResponse struct {
	// LinkID is the provider's id for the link (a preference id).
	LinkID    string
	URL       string
	ExpiresAt time.Time
}

// WebhookRequest is a provider's HTTP request forwarded by the core.
type WebhookRequest struct {
	plugin.WebhookRequest
}

// WebhookResponse is the HTTP answer plus the payments the notification concerns. A
// plugin either reads them back from the provider (Payments; never trusted from the
// notification's body alone) or, better, only names them (PaymentIDs) and answers at
// once: the core records the ids durably and reads each with GetPayment afterwards, so
// the provider's answer never waits on the provider's API.
type WebhookResponse struct {
	plugin.WebhookReply
	Payments   []Payment
	PaymentIDs []string
}

// Status is a payment's state, normalized.
type Status string

// Payment states. Consumers treat a value they do not know as pending (waiting), never
// as an error: providers add states.
const (
	StatusPending     Status = "pending"      // created, not paid yet
	StatusAuthorized  Status = "authorized"   // authorized, not captured yet: waiting
	StatusInProcess   Status = "in_process"   // being reviewed by the provider
	StatusApproved    Status = "approved"     // paid; the booking can be confirmed
	StatusRejected    Status = "rejected"     // the attempt failed
	StatusCancelled   Status = "cancelled"    // cancelled or expired before payment
	StatusRefunded    Status = "refunded"     // fully refunded
	StatusChargedBack Status = "charged_back" // the payer's bank took the money back
	StatusInMediation Status = "in_mediation" // a dispute is open
)

// Payment is a provider's payment, normalized.
type Payment struct {
	// ID is the provider's payment id.
	ID        string
	Reference string
	Status    Status
	// StatusDetail is the provider's own finer reason, e.g. "cc_rejected_insufficient_amount".
	StatusDetail string
	// Amount and RefundedAmount are in centavos.
	Amount         int64
	RefundedAmount int64
	Currency       string
	// Method is the means of payment, e.g. "credit_card", "account_money".
	Method     string
	PayerEmail string
	CreatedAt  time.Time
	ApprovedAt time.Time
	UpdatedAt  time.Time
}

// GetPaymentRequest names a payment by its provider id.
type GetPaymentRequest struct {
	PaymentID string
}

// GetPaymentResponse is the payment's current state.
type GetPaymentResponse struct {
	Payment Payment
}

// RefundRequest refunds a payment.
type RefundRequest struct {
	PaymentID string
	// Amount in centavos; 0 refunds the whole remaining amount.
	Amount int64
	// IdempotencyKey is stable across retries of the same refund.
	IdempotencyKey string
	Reason         string
}

// RefundResponse is the refund made.
type RefundResponse struct {
	RefundID string
	Amount   int64
	// Payment is the payment's state after the refund.
	Payment Payment
}
