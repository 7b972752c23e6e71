package payments

import "github.com/conserje/conserje/sdk/payment"

// Outcomes: what a payment, as read from the provider, means for the hold it names.
const (
	OutcomePaid        = "paid"         // approved, the hold's reference, ARS, at least the seña
	OutcomePending     = "pending"      // pending, authorized, in review, or a status nobody knows
	OutcomeFailed      = "failed"       // rejected; the guest may retry while the hold lasts
	OutcomeCancelled   = "cancelled"    // cancelled or expired before payment
	OutcomeRefunded    = "refunded"     // fully refunded
	OutcomeChargedBack = "charged_back" // the payer's bank took it back
	OutcomeDisputed    = "disputed"     // a dispute is open (in mediation)
	OutcomeMismatch    = "mismatch"     // approved, but less than the seña or not ARS
	OutcomeUnknownRef  = "unknown_reference"
	OutcomeNotFound    = "not_found" // the provider does not know the id (a dashboard simulation)
)

// Order is what a payment must match to pay a hold.
type Order struct {
	Reference    string
	DepositCents int64
	Currency     string
}

// Classify says what payment p means for order: paid only when it is approved, names the
// order's reference, and is at least the seña in the order's currency (ARS). A payment
// whose reference is not the order's is unknown_reference, whatever its status.
func Classify(p payment.Payment, o Order) string {
	if p.Reference == "" || p.Reference != o.Reference {
		return OutcomeUnknownRef
	}
	currency := o.Currency
	if currency == "" {
		currency = payment.CurrencyARS
	}
	switch p.Status {
	case payment.StatusApproved:
		if p.Currency != currency || p.Amount < o.DepositCents || p.Amount <= 0 {
			return OutcomeMismatch
		}
		return OutcomePaid
	case payment.StatusRejected:
		return OutcomeFailed
	case payment.StatusCancelled:
		return OutcomeCancelled
	case payment.StatusRefunded:
		return OutcomeRefunded
	case payment.StatusChargedBack:
		return OutcomeChargedBack
	case payment.StatusInMediation:
		return OutcomeDisputed
	}
	return OutcomePending
}
