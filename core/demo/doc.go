// Package demo owns the demo property of docs/demo.md — Complejo Los Robles with its three
// units, prices, rules and payment details — and loads it idempotently. Story tests,
// examples in the docs and `make run` use it, so its numbers are fixed.
package demo
