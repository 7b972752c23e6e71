package obs

// Log keys used across the core, so one thing is always logged under one name: an error is
// always "err" (never "error"), a trace id always "trace_id", and so on. Dashboards and log
// queries rely on these names.
const (
	KeyErr          = "err"
	KeyTraceID      = "trace_id"
	KeyConversation = "conversation"
	KeyPlugin       = "plugin"
	KeyChannel      = "channel"
	KeyMessage      = "message"
	KeyFeed         = "feed"
	KeyReservation  = "reservation"
)
