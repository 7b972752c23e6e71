package transport

import (
	"context"
	"fmt"
	"runtime/debug"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/conserje/conserje/sdk/plugin"
)

// TraceMetadataKey is the gRPC metadata key of the request/trace id.
const TraceMetadataKey = "conserje-trace-id"

func traceFromIncoming(ctx context.Context) context.Context {
	md, ok := metadata.FromIncomingContext(ctx)
	if !ok {
		return ctx
	}
	if ids := md.Get(TraceMetadataKey); len(ids) > 0 && ids[0] != "" {
		return plugin.WithTraceID(ctx, ids[0])
	}
	return ctx
}

func traceToOutgoing(ctx context.Context) context.Context {
	if id := plugin.TraceID(ctx); id != "" {
		return metadata.AppendToOutgoingContext(ctx, TraceMetadataKey, id)
	}
	return ctx
}

// recovered turns a panic value into an error, logging the stack: a plugin bug must not
// take the process (and every call in flight) down with it.
func recovered(log Logger, method string, r any) error {
	log.Error("plugin panicked", "method", method, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	return fmt.Errorf("%w in %s: %v", plugin.ErrPanicked, method, r)
}

func unaryServerInterceptor(log Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				resp, err = nil, toStatus(recovered(log, info.FullMethod, r))
			}
		}()
		resp, err = handler(traceFromIncoming(ctx), req)
		return resp, toStatus(err)
	}
}

type tracedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *tracedStream) Context() context.Context { return s.ctx }

func streamServerInterceptor(log Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = toStatus(recovered(log, info.FullMethod, r))
			}
		}()
		err = handler(srv, &tracedStream{ServerStream: ss, ctx: traceFromIncoming(ss.Context())})
		return toStatus(err)
	}
}

func unaryClientInterceptor(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	return fromStatus(invoker(traceToOutgoing(ctx), method, req, reply, cc, opts...))
}

func streamClientInterceptor(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s, err := streamer(traceToOutgoing(ctx), desc, cc, method, opts...)
	return s, fromStatus(err)
}
