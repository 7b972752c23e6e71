// Package payment is the contract of payment plugins (Mercado Pago, ...): create a
// checkout link for a deposit, turn the provider's webhooks into normalized payment
// events, look a payment up, and refund it. Amounts are int64 centavos.
package payment
