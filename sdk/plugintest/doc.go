// Package plugintest is the test kit of plugin authors: in-process host/plugin pairs that
// go through the real gRPC contract (go-plugin's test mode, the SDK's interceptors and
// conversions) without building a binary, and one conformance suite per kind:
//
//	func TestConformance(t *testing.T) {
//		plugintest.RunCalendarConformance(t, ical.New(), plugintest.WithSettings(nil))
//	}
package plugintest
