// Package obs owns observability: slog JSON logging with request and trace ids, and the
// Prometheus metrics registry shared by the core.
package obs
