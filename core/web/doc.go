// Package web owns the HTTP surface: one Fiber app serving the JSON API, webhooks, the web
// chat, the iCal export feeds, /healthz and /metrics, with request ids, access logs,
// metrics by route and a bounded body size. Features plug their routes in as Mounters; the
// package itself holds no business logic.
package web
