package transport

import (
	"context"
	"fmt"

	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/conserje/conserje/sdk/plugin"
)

// MaxMessageBytes bounds one gRPC message either way. Media, audio and large calendar
// feeds travel in single messages; the default 4 MiB of gRPC is too small for a voice
// note plus overhead or a 5,000-event feed's blocks.
const MaxMessageBytes = 64 << 20

// EnvLogLevel tells the plugin which level to log at ("trace", "debug", "info", "warn",
// "error"); the host sets it.
const EnvLogLevel = "CONSERJE_PLUGIN_LOG_LEVEL"

// Handshake is the go-plugin handshake both sides must agree on.
func Handshake() goplugin.HandshakeConfig {
	return goplugin.HandshakeConfig{
		ProtocolVersion:  plugin.ProtocolVersion,
		MagicCookieKey:   plugin.MagicCookieKey,
		MagicCookieValue: plugin.MagicCookieValue,
	}
}

// grpcPlugin adapts one kind to go-plugin: the server side registers the common and the
// kind's service for impl; the client side builds the kind's client on a connection.
type grpcPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
	kind plugin.Kind
	impl any // nil on the host side
}

func (p *grpcPlugin) GRPCServer(_ *goplugin.GRPCBroker, s *grpc.Server) error {
	return register(s, p.kind, p.impl)
}

func (p *grpcPlugin) GRPCClient(_ context.Context, _ *goplugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return NewClient(p.kind, conn)
}

// ServerPluginSet is the plugin set a plugin process serves: its one kind.
func ServerPluginSet(kind plugin.Kind, impl any) (goplugin.PluginSet, error) {
	if err := checkImpl(kind, impl); err != nil {
		return nil, err
	}
	return goplugin.PluginSet{string(kind): &grpcPlugin{kind: kind, impl: impl}}, nil
}

// ClientPluginSet is the plugin set of the host: every kind, so any plugin can be
// dispensed once its kind is known from Describe.
func ClientPluginSet() goplugin.PluginSet {
	set := goplugin.PluginSet{}
	for _, k := range plugin.Kinds() {
		set[string(k)] = &grpcPlugin{kind: k}
	}
	return set
}

// GRPCServer builds the plugin's gRPC server with the SDK's interceptors and limits.
func GRPCServer(log Logger) func([]grpc.ServerOption) *grpc.Server {
	return func(opts []grpc.ServerOption) *grpc.Server {
		opts = append(opts,
			grpc.MaxRecvMsgSize(MaxMessageBytes),
			grpc.MaxSendMsgSize(MaxMessageBytes),
			grpc.ChainUnaryInterceptor(unaryServerInterceptor(log)),
			grpc.ChainStreamInterceptor(streamServerInterceptor(log)),
		)
		return grpc.NewServer(opts...)
	}
}

// DialOptions are the host's gRPC options: limits and the trace/error interceptors.
func DialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(MaxMessageBytes),
			grpc.MaxCallSendMsgSize(MaxMessageBytes),
		),
		grpc.WithChainUnaryInterceptor(unaryClientInterceptor),
		grpc.WithChainStreamInterceptor(streamClientInterceptor),
	}
}

// Logger is what the interceptors need to report recovered panics.
type Logger interface {
	Error(msg string, args ...any)
}

func checkImpl(kind plugin.Kind, impl any) error {
	if impl == nil {
		return fmt.Errorf("serve %s plugin: nil implementation", kind)
	}
	if !kind.Valid() {
		return fmt.Errorf("serve plugin: unknown kind %q", kind)
	}
	if _, ok := impl.(plugin.Lifecycle); !ok {
		return fmt.Errorf("serve %s plugin: %T does not implement plugin.Lifecycle", kind, impl)
	}
	return nil
}
