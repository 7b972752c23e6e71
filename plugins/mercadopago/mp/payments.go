package mp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
)

// apiPayment is the part of GET /v1/payments/{id} conserje reads.
type apiPayment struct {
	ID                        json.Number `json:"id"`
	Status                    string      `json:"status"`
	StatusDetail              string      `json:"status_detail"`
	ExternalReference         string      `json:"external_reference"`
	TransactionAmount         json.Number `json:"transaction_amount"`
	TransactionAmountRefunded json.Number `json:"transaction_amount_refunded"`
	CurrencyID                string      `json:"currency_id"`
	PaymentTypeID             string      `json:"payment_type_id"`
	PaymentMethodID           string      `json:"payment_method_id"`
	DateCreated               string      `json:"date_created"`
	DateApproved              *string     `json:"date_approved"`
	DateLastUpdated           string      `json:"date_last_updated"`
	Payer                     struct {
		Email string `json:"email"`
	} `json:"payer"`
}

// statuses maps Mercado Pago's statuses to the contract's; "canceled" is how the docs'
// tables spell what the API sends as "cancelled".
var statuses = map[string]payment.Status{
	"pending":      payment.StatusPending,
	"authorized":   payment.StatusAuthorized,
	"in_process":   payment.StatusInProcess,
	"approved":     payment.StatusApproved,
	"rejected":     payment.StatusRejected,
	"cancelled":    payment.StatusCancelled,
	"canceled":     payment.StatusCancelled,
	"refunded":     payment.StatusRefunded,
	"charged_back": payment.StatusChargedBack,
	"in_mediation": payment.StatusInMediation,
}

// NormalizePayment turns a GET /v1/payments/{id} body into the contract's Payment: the id
// as an int64 decimal string, amounts in centavos parsed as decimals, an unknown status
// as pending (known reports whether the status was recognized).
func NormalizePayment(body []byte) (p payment.Payment, known bool, err error) {
	var ap apiPayment
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&ap); err != nil {
		return payment.Payment{}, false, fmt.Errorf("decode payment: %w", err)
	}
	return ap.normalize()
}

func (ap apiPayment) normalize() (payment.Payment, bool, error) {
	id, err := strconv.ParseInt(string(ap.ID), 10, 64)
	if err != nil || id <= 0 {
		return payment.Payment{}, false, fmt.Errorf("payment id %q is not an int64", string(ap.ID))
	}
	amount, err := centsFromDecimal(ap.TransactionAmount)
	if err != nil {
		return payment.Payment{}, false, fmt.Errorf("payment %d transaction_amount: %w", id, err)
	}
	refunded, err := centsFromDecimal(ap.TransactionAmountRefunded)
	if err != nil {
		return payment.Payment{}, false, fmt.Errorf("payment %d transaction_amount_refunded: %w", id, err)
	}
	st, known := statuses[ap.Status]
	if !known {
		st = payment.StatusPending
	}
	p := payment.Payment{
		ID:             strconv.FormatInt(id, 10),
		Reference:      ap.ExternalReference,
		Status:         st,
		StatusDetail:   ap.StatusDetail,
		Amount:         amount,
		RefundedAmount: refunded,
		Currency:       ap.CurrencyID,
		Method:         ap.PaymentTypeID,
		PayerEmail:     ap.Payer.Email,
		CreatedAt:      mpTime(ap.DateCreated),
		UpdatedAt:      mpTime(ap.DateLastUpdated),
	}
	if ap.DateApproved != nil {
		p.ApprovedAt = mpTime(*ap.DateApproved)
	}
	if !known {
		p.StatusDetail = ap.Status + "/" + ap.StatusDetail
	}
	return p, known, nil
}

// GetPayment reads a payment (the source of truth); plugin.ErrNotFound when Mercado Pago
// does not know it (a dashboard simulation's id, a payment of another account).
func (p *Provider) GetPayment(ctx context.Context, req payment.GetPaymentRequest) (payment.GetPaymentResponse, error) {
	st, err := p.current()
	if err != nil {
		return payment.GetPaymentResponse{}, err
	}
	if !validPaymentID(req.PaymentID) {
		return payment.GetPaymentResponse{}, fmt.Errorf("%w: payment id %q is not a Mercado Pago payment id", plugin.ErrNotFound, req.PaymentID)
	}
	var ap apiPayment
	if err := p.do(ctx, st, "GET", "/v1/payments/"+req.PaymentID, "", nil, &ap); err != nil {
		return payment.GetPaymentResponse{}, err
	}
	pay, known, err := ap.normalize()
	if err != nil {
		return payment.GetPaymentResponse{}, fmt.Errorf("%w: %w", plugin.ErrUnavailable, err)
	}
	if !known {
		p.log.WarnContext(ctx, "payment with a status conserje does not know; read as pending", "payment", pay.ID, "status", pay.StatusDetail)
	}
	return payment.GetPaymentResponse{Payment: pay}, nil
}

// searchPageSize and searchMaxPayments bound a search by reference: a hold gets a few
// attempts, never thousands.
const (
	searchPageSize    = 50
	searchMaxPayments = 500
)

// FindPayments lists the payments whose external_reference is req.Reference.
func (p *Provider) FindPayments(ctx context.Context, req payment.FindPaymentsRequest) (payment.FindPaymentsResponse, error) {
	st, err := p.current()
	if err != nil {
		return payment.FindPaymentsResponse{}, err
	}
	if req.Reference == "" {
		return payment.FindPaymentsResponse{}, fmt.Errorf("%w: reference is required", plugin.ErrInvalidRequest)
	}
	var out payment.FindPaymentsResponse
	for offset := 0; offset < searchMaxPayments; offset += searchPageSize {
		q := url.Values{
			"external_reference": {req.Reference},
			"sort":               {"date_created"},
			"criteria":           {"asc"},
			"limit":              {strconv.Itoa(searchPageSize)},
			"offset":             {strconv.Itoa(offset)},
		}
		var page struct {
			Paging struct {
				Total json.Number `json:"total"`
			} `json:"paging"`
			Results []apiPayment `json:"results"`
		}
		if err := p.do(ctx, st, "GET", "/v1/payments/search?"+q.Encode(), "", nil, &page); err != nil {
			return payment.FindPaymentsResponse{}, err
		}
		for _, ap := range page.Results {
			pay, _, err := ap.normalize()
			if err != nil {
				p.log.WarnContext(ctx, "unreadable payment in a search; skipped", "reference", req.Reference, "err", err.Error())
				continue
			}
			if pay.Reference == req.Reference {
				out.Payments = append(out.Payments, pay)
			}
		}
		total, _ := page.Paging.Total.Int64()
		if len(page.Results) < searchPageSize || int64(offset+searchPageSize) >= total {
			break
		}
	}
	return out, nil
}

// Refund refunds a payment in full (Amount 0) or in part, under the caller's idempotency
// key, then reads the payment back. A refund Mercado Pago refuses for the payment's state
// is payment.ErrRefundRejected, unless the payment is already fully refunded (then the
// refund is done).
func (p *Provider) Refund(ctx context.Context, req payment.RefundRequest) (payment.RefundResponse, error) {
	st, err := p.current()
	if err != nil {
		return payment.RefundResponse{}, err
	}
	switch {
	case !validPaymentID(req.PaymentID):
		return payment.RefundResponse{}, fmt.Errorf("%w: payment id %q is not a Mercado Pago payment id", plugin.ErrInvalidRequest, req.PaymentID)
	case req.IdempotencyKey == "":
		return payment.RefundResponse{}, fmt.Errorf("%w: an idempotency key is required", plugin.ErrInvalidRequest)
	case req.Amount < 0:
		return payment.RefundResponse{}, fmt.Errorf("%w: negative refund", plugin.ErrInvalidRequest)
	}
	body := map[string]any{}
	if req.Amount > 0 {
		body["amount"] = decimalFromCents(req.Amount)
	}
	var r struct {
		ID     json.Number `json:"id"`
		Amount json.Number `json:"amount"`
		Status string      `json:"status"`
	}
	err = p.do(ctx, st, "POST", "/v1/payments/"+req.PaymentID+"/refunds", req.IdempotencyKey, body, &r)
	var ae *apiError
	if errors.As(err, &ae) {
		switch {
		case ae.hasCause(2063):
			got, gerr := p.GetPayment(ctx, payment.GetPaymentRequest{PaymentID: req.PaymentID})
			if gerr == nil && got.Payment.Status == payment.StatusRefunded {
				return payment.RefundResponse{Amount: got.Payment.RefundedAmount, Payment: got.Payment}, nil
			}
			return payment.RefundResponse{}, fmt.Errorf("%w: %w", payment.ErrRefundRejected, err)
		case ae.hasCause(2024, 15016, 3024):
			return payment.RefundResponse{}, fmt.Errorf("%w: %w", payment.ErrRefundRejected, err)
		}
	}
	if err != nil {
		return payment.RefundResponse{}, err
	}
	amount, err := centsFromDecimal(r.Amount)
	if err != nil {
		return payment.RefundResponse{}, fmt.Errorf("%w: refund amount: %w", plugin.ErrUnavailable, err)
	}
	out := payment.RefundResponse{RefundID: string(r.ID), Amount: amount}
	got, err := p.GetPayment(ctx, payment.GetPaymentRequest{PaymentID: req.PaymentID})
	if err != nil {
		p.log.WarnContext(ctx, "refund made; reading the payment back failed", "payment", req.PaymentID, "err", err.Error())
		return out, nil
	}
	out.Payment = got.Payment
	return out, nil
}
