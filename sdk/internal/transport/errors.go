package transport

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/conserje/conserje/sdk/calendar"
	"github.com/conserje/conserje/sdk/channel"
	"github.com/conserje/conserje/sdk/internal/pb"
	"github.com/conserje/conserje/sdk/payment"
	"github.com/conserje/conserje/sdk/plugin"
)

// ErrorDomain is the google.rpc.ErrorInfo domain of the contract's errors.
const ErrorDomain = "conserje.plugin.v1"

// ErrTransport means the call did not reach the plugin or its answer did not come back (the
// process died, the connection broke).
var ErrTransport = errors.New("plugin connection failed")

// sentinel ties an error a plugin returns to its reason and gRPC code on the wire.
type sentinel struct {
	err    error
	reason pb.ErrorReason
	code   codes.Code
}

// sentinels in matching order: the first errors.Is that holds wins.
var sentinels = []sentinel{
	{plugin.ErrPanicked, pb.ErrorReason_ERROR_REASON_PANICKED, codes.Internal},
	{plugin.ErrUnsupported, pb.ErrorReason_ERROR_REASON_UNSUPPORTED, codes.Unimplemented},
	{plugin.ErrInvalidSettings, pb.ErrorReason_ERROR_REASON_INVALID_SETTINGS, codes.InvalidArgument},
	{plugin.ErrNotConfigured, pb.ErrorReason_ERROR_REASON_NOT_CONFIGURED, codes.FailedPrecondition},
	{plugin.ErrNotFound, pb.ErrorReason_ERROR_REASON_NOT_FOUND, codes.NotFound},
	{plugin.ErrUnavailable, pb.ErrorReason_ERROR_REASON_UNAVAILABLE, codes.Unavailable},
	{plugin.ErrRateLimited, pb.ErrorReason_ERROR_REASON_RATE_LIMITED, codes.ResourceExhausted},
	{plugin.ErrPermissionDenied, pb.ErrorReason_ERROR_REASON_PERMISSION_DENIED, codes.PermissionDenied},
	{channel.ErrRecipientInvalid, pb.ErrorReason_ERROR_REASON_CHANNEL_RECIPIENT_INVALID, codes.InvalidArgument},
	{channel.ErrWindowClosed, pb.ErrorReason_ERROR_REASON_CHANNEL_WINDOW_CLOSED, codes.FailedPrecondition},
	{payment.ErrRefundRejected, pb.ErrorReason_ERROR_REASON_PAYMENT_REFUND_REJECTED, codes.FailedPrecondition},
	// Generic last: kind-specific errors may wrap it too.
	{plugin.ErrInvalidRequest, pb.ErrorReason_ERROR_REASON_INVALID_REQUEST, codes.InvalidArgument},
}

// toStatus turns a plugin's error into a gRPC status error carrying its meaning.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	msg := err.Error()
	if rej := (*calendar.RejectedError)(nil); errors.As(err, &rej) {
		return withInfo(codes.FailedPrecondition, msg, pb.ErrorReason_ERROR_REASON_CALENDAR_FEED_REJECTED, map[string]string{
			"reason":      string(rej.Reason),
			"http_status": strconv.Itoa(rej.HTTPStatus),
			"detail":      rej.Detail,
		})
	}
	md := detailToMetadata(plugin.DetailOf(err))
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return withInfo(s.code, msg, s.reason, md)
		}
	}
	if md != nil {
		return withInfo(codes.Unknown, msg, pb.ErrorReason_ERROR_REASON_UNSPECIFIED, md)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, msg)
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, msg)
	}
	return status.Error(codes.Unknown, msg)
}

func withInfo(code codes.Code, msg string, reason pb.ErrorReason, md map[string]string) error {
	st, err := status.New(code, msg).WithDetails(&errdetails.ErrorInfo{
		Reason:   reason.String(),
		Domain:   ErrorDomain,
		Metadata: md,
	})
	if err != nil {
		return status.Error(code, msg)
	}
	return st.Err()
}

// Metadata keys of error details in ErrorInfo.
const (
	mdRetryAfterMS = "retry_after_ms"
	mdProviderCode = "provider_code"
	mdScope        = "scope"
	mdSource       = "source"
)

func detailToMetadata(d plugin.Detail) map[string]string {
	if d.IsZero() {
		return nil
	}
	md := map[string]string{}
	if d.RetryAfter > 0 {
		md[mdRetryAfterMS] = strconv.FormatInt(d.RetryAfter.Milliseconds(), 10)
	}
	if d.ProviderCode != "" {
		md[mdProviderCode] = d.ProviderCode
	}
	if d.Scope != "" {
		md[mdScope] = string(d.Scope)
	}
	if d.Source != "" {
		md[mdSource] = string(d.Source)
	}
	return md
}

func detailFromMetadata(md map[string]string) plugin.Detail {
	var d plugin.Detail
	if ms, err := strconv.ParseInt(md[mdRetryAfterMS], 10, 64); err == nil && ms > 0 {
		d.RetryAfter = time.Duration(ms) * time.Millisecond
	}
	d.ProviderCode = md[mdProviderCode]
	d.Scope = plugin.Scope(md[mdScope])
	d.Source = plugin.Source(md[mdSource])
	return d
}

// RemoteError is an error a plugin returned, with its message, matching (errors.Is) the
// sentinel its reason names, and the details it carried (plugin.DetailOf).
type RemoteError struct {
	Msg    string
	Kind   error
	Detail plugin.Detail
}

func (e *RemoteError) Error() string { return e.Msg }
func (e *RemoteError) Unwrap() error { return e.Kind }

// ErrorDetail implements plugin.Detailed.
func (e *RemoteError) ErrorDetail() plugin.Detail { return e.Detail }

// fromStatus turns a gRPC error back into the error the plugin meant.
func fromStatus(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	for _, d := range st.Details() {
		info, ok := d.(*errdetails.ErrorInfo)
		if !ok || info.GetDomain() != ErrorDomain {
			continue
		}
		if info.GetReason() == pb.ErrorReason_ERROR_REASON_CALENDAR_FEED_REJECTED.String() {
			md := info.GetMetadata()
			httpStatus, _ := strconv.Atoi(md["http_status"])
			return &calendar.RejectedError{
				Reason:     calendar.RejectReason(md["reason"]),
				HTTPStatus: httpStatus,
				Detail:     md["detail"],
			}
		}
		detail := detailFromMetadata(info.GetMetadata())
		for _, s := range sentinels {
			if info.GetReason() == s.reason.String() {
				return &RemoteError{Msg: st.Message(), Kind: s.err, Detail: detail}
			}
		}
		if !detail.IsZero() {
			return &RemoteError{Msg: st.Message(), Detail: detail}
		}
	}
	switch st.Code() {
	case codes.DeadlineExceeded:
		return fmt.Errorf("%s: %w", st.Message(), context.DeadlineExceeded)
	case codes.Canceled:
		return fmt.Errorf("%s: %w", st.Message(), context.Canceled)
	case codes.Unimplemented:
		// A plugin older than the host, or in another language, without the method.
		return &RemoteError{Msg: st.Message(), Kind: plugin.ErrUnsupported}
	case codes.Unavailable:
		// Without an ErrorInfo this is gRPC itself: the connection is gone.
		return &RemoteError{Msg: st.Message(), Kind: ErrTransport}
	}
	return &RemoteError{Msg: st.Message()}
}
