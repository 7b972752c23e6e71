// Package pluginhost supervises the core's plugin processes: it starts every configured
// plugin (checking its checksum and kind, configuring it), pings it, restarts it with
// exponential backoff when it exits or stops answering, and marks it down once it spends
// its crash budget. Calls go through typed accessors ((*Host).Calendar, Channel, Payment,
// STT, TTS) that give every call a deadline and the trace id, fail fast with
// ErrPluginDown while a plugin is not up, and record Prometheus metrics. Status feeds
// /healthz.
//
// go-plugin starts and talks to one process (sdk/host); this package owns what happens
// around it over time.
package pluginhost
