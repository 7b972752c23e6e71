// Package mpfake is a local fake of the Mercado Pago API for tests (an httptest server
// speaking the documented shapes of providers.md Part 2): preferences with idempotency
// keys, payments read by id or searched by external_reference, refunds (full, partial,
// idempotent, refused for the payment's state) and signed webhook notifications. It
// checks the bearer token like the real API and can be told to fail or stall.
package mpfake
