// Package transport owns the wire side of the plugin contract: the go-plugin handshake and
// plugin set, the gRPC servers that run a kind's Go implementation, the gRPC clients that
// implement the same interfaces on the host side, the conversions between the sdk types
// and the generated pb types, errors over gRPC status, and the interceptors that carry
// trace ids and turn panics into errors.
//
// Nothing here is public: sdk (plugin side), sdk/host and sdk/plugintest build on it, so
// no pb or go-plugin type appears in a public signature.
package transport
