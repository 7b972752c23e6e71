package transport

import (
	"context"
	"fmt"

	"github.com/conserje/conserje/sdk/internal/pb"
	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
)

type paymentServer struct {
	pb.UnimplementedPaymentServiceServer
	impl payment.Provider
}

func (s *paymentServer) CreateLink(ctx context.Context, req *pb.PaymentCreateLinkRequest) (*pb.PaymentCreateLinkResponse, error) {
	r, err := s.impl.CreateLink(ctx, payment.CreateLinkRequest{
		Reference: req.GetReference(),
		Amount:    req.GetAmount(),
		Currency:  req.GetCurrency(),
		Title:     req.GetTitle(),
		Payer: payment.Payer{
			Name:  req.GetPayer().GetName(),
			Email: req.GetPayer().GetEmail(),
			Phone: req.GetPayer().GetPhone(),
		},
		ExpiresAt:       timeFromPB(req.GetExpiresAt()),
		NotificationURL: req.GetNotificationUrl(),
		SuccessURL:      req.GetSuccessUrl(),
		FailureURL:      req.GetFailureUrl(),
		IdempotencyKey:  req.GetIdempotencyKey(),
	})
	if err != nil {
		return nil, err
	}
	return &pb.PaymentCreateLinkResponse{LinkId: r.LinkID, Url: r.URL, ExpiresAt: timeToPB(r.ExpiresAt)}, nil
}

func (s *paymentServer) HandleWebhook(ctx context.Context, req *pb.PaymentHandleWebhookRequest) (*pb.PaymentHandleWebhookResponse, error) {
	r, err := s.impl.HandleWebhook(ctx, payment.WebhookRequest{WebhookRequest: webhookRequestFromPB(req.GetHttp())})
	if err != nil {
		return nil, err
	}
	reply, err := webhookReplyToPB(r.WebhookReply)
	if err != nil {
		return nil, err
	}
	out := &pb.PaymentHandleWebhookResponse{Http: reply, PaymentIds: r.PaymentIDs}
	for _, p := range r.Payments {
		out.Payments = append(out.Payments, paymentToPB(p))
	}
	return out, nil
}

func (s *paymentServer) GetPayment(ctx context.Context, req *pb.PaymentGetPaymentRequest) (*pb.PaymentGetPaymentResponse, error) {
	r, err := s.impl.GetPayment(ctx, payment.GetPaymentRequest{PaymentID: req.GetPaymentId()})
	if err != nil {
		return nil, err
	}
	return &pb.PaymentGetPaymentResponse{Payment: paymentToPB(r.Payment)}, nil
}

func (s *paymentServer) Refund(ctx context.Context, req *pb.PaymentRefundRequest) (*pb.PaymentRefundResponse, error) {
	r, err := s.impl.Refund(ctx, payment.RefundRequest{
		PaymentID:      req.GetPaymentId(),
		Amount:         req.GetAmount(),
		IdempotencyKey: req.GetIdempotencyKey(),
		Reason:         req.GetReason(),
	})
	if err != nil {
		return nil, err
	}
	return &pb.PaymentRefundResponse{RefundId: r.RefundID, Amount: r.Amount, Payment: paymentToPB(r.Payment)}, nil
}

func (s *paymentServer) FindPayments(ctx context.Context, req *pb.PaymentFindPaymentsRequest) (*pb.PaymentFindPaymentsResponse, error) {
	f, ok := s.impl.(payment.Finder)
	if !ok {
		return nil, fmt.Errorf("%w: this payment plugin cannot search payments", plugin.ErrUnsupported)
	}
	r, err := f.FindPayments(ctx, payment.FindPaymentsRequest{Reference: req.GetReference()})
	if err != nil {
		return nil, err
	}
	out := &pb.PaymentFindPaymentsResponse{}
	for _, p := range r.Payments {
		out.Payments = append(out.Payments, paymentToPB(p))
	}
	return out, nil
}

// PaymentClient is the host side of a payment plugin.
type PaymentClient struct {
	LifecycleClient
	c pb.PaymentServiceClient
}

var (
	_ payment.Plugin = (*PaymentClient)(nil)
	_ payment.Finder = (*PaymentClient)(nil)
)

// CreateLink calls the plugin's CreateLink.
func (c *PaymentClient) CreateLink(ctx context.Context, req payment.CreateLinkRequest) (payment.CreateLinkResponse, error) {
	r, err := c.c.CreateLink(ctx, &pb.PaymentCreateLinkRequest{
		Reference:       req.Reference,
		Amount:          req.Amount,
		Currency:        req.Currency,
		Title:           req.Title,
		Payer:           &pb.PaymentPayer{Name: req.Payer.Name, Email: req.Payer.Email, Phone: req.Payer.Phone},
		ExpiresAt:       timeToPB(req.ExpiresAt),
		NotificationUrl: req.NotificationURL,
		SuccessUrl:      req.SuccessURL,
		FailureUrl:      req.FailureURL,
		IdempotencyKey:  req.IdempotencyKey,
	})
	if err != nil {
		return payment.CreateLinkResponse{}, err
	}
	return payment.CreateLinkResponse{LinkID: r.GetLinkId(), URL: r.GetUrl(), ExpiresAt: timeFromPB(r.GetExpiresAt())}, nil
}

// HandleWebhook calls the plugin's HandleWebhook.
func (c *PaymentClient) HandleWebhook(ctx context.Context, req payment.WebhookRequest) (payment.WebhookResponse, error) {
	r, err := c.c.HandleWebhook(ctx, &pb.PaymentHandleWebhookRequest{Http: webhookRequestToPB(req.WebhookRequest)})
	if err != nil {
		return payment.WebhookResponse{}, err
	}
	out := payment.WebhookResponse{WebhookReply: webhookReplyFromPB(r.GetHttp()), PaymentIDs: r.GetPaymentIds()}
	for _, p := range r.GetPayments() {
		out.Payments = append(out.Payments, paymentFromPB(p))
	}
	return out, nil
}

// GetPayment calls the plugin's GetPayment.
func (c *PaymentClient) GetPayment(ctx context.Context, req payment.GetPaymentRequest) (payment.GetPaymentResponse, error) {
	r, err := c.c.GetPayment(ctx, &pb.PaymentGetPaymentRequest{PaymentId: req.PaymentID})
	if err != nil {
		return payment.GetPaymentResponse{}, err
	}
	return payment.GetPaymentResponse{Payment: paymentFromPB(r.GetPayment())}, nil
}

// Refund calls the plugin's Refund.
func (c *PaymentClient) Refund(ctx context.Context, req payment.RefundRequest) (payment.RefundResponse, error) {
	r, err := c.c.Refund(ctx, &pb.PaymentRefundRequest{
		PaymentId:      req.PaymentID,
		Amount:         req.Amount,
		IdempotencyKey: req.IdempotencyKey,
		Reason:         req.Reason,
	})
	if err != nil {
		return payment.RefundResponse{}, err
	}
	return payment.RefundResponse{RefundID: r.GetRefundId(), Amount: r.GetAmount(), Payment: paymentFromPB(r.GetPayment())}, nil
}

// FindPayments calls the plugin's FindPayments; plugin.ErrUnsupported when the plugin
// does not implement it.
func (c *PaymentClient) FindPayments(ctx context.Context, req payment.FindPaymentsRequest) (payment.FindPaymentsResponse, error) {
	r, err := c.c.FindPayments(ctx, &pb.PaymentFindPaymentsRequest{Reference: req.Reference})
	if err != nil {
		return payment.FindPaymentsResponse{}, err
	}
	out := payment.FindPaymentsResponse{}
	for _, p := range r.GetPayments() {
		out.Payments = append(out.Payments, paymentFromPB(p))
	}
	return out, nil
}

func paymentToPB(p payment.Payment) *pb.Payment {
	return &pb.Payment{
		Id:             p.ID,
		Reference:      p.Reference,
		Status:         string(p.Status),
		StatusDetail:   p.StatusDetail,
		Amount:         p.Amount,
		RefundedAmount: p.RefundedAmount,
		Currency:       p.Currency,
		Method:         p.Method,
		PayerEmail:     p.PayerEmail,
		CreatedAt:      timeToPB(p.CreatedAt),
		ApprovedAt:     timeToPB(p.ApprovedAt),
		UpdatedAt:      timeToPB(p.UpdatedAt),
	}
}

func paymentFromPB(p *pb.Payment) payment.Payment {
	return payment.Payment{
		ID:             p.GetId(),
		Reference:      p.GetReference(),
		Status:         payment.Status(p.GetStatus()),
		StatusDetail:   p.GetStatusDetail(),
		Amount:         p.GetAmount(),
		RefundedAmount: p.GetRefundedAmount(),
		Currency:       p.GetCurrency(),
		Method:         p.GetMethod(),
		PayerEmail:     p.GetPayerEmail(),
		CreatedAt:      timeFromPB(p.GetCreatedAt()),
		ApprovedAt:     timeFromPB(p.GetApprovedAt()),
		UpdatedAt:      timeFromPB(p.GetUpdatedAt()),
	}
}
