// Package sdk is what a conserje plugin's main imports: ServeChannel, ServePayment,
// ServeCalendar, ServeSTT and ServeTTS run an implementation of a kind's interface as a
// plugin process (handshake, gRPC, logging on stderr, panic recovery, exit with the
// parent) without the author touching go-plugin.
//
// The contracts themselves live in one package per kind (sdk/channel, sdk/payment,
// sdk/calendar, sdk/speech) built on sdk/plugin; the host side is sdk/host and the test
// kit sdk/plugintest.
package sdk
