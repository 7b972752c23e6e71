// Package mp is the Mercado Pago Checkout Pro provider behind plugins/mercadopago, as
// docs/providers.md Part 2 describes the protocol:
//
//   - CreateLink posts a preference per hold (POST /checkout/preferences): one item in
//     ARS, external_reference = the hold, expiry = the hold's end, cash vouchers
//     excluded, one installment, binary mode, and an X-Idempotency-Key ("pref-<hold>"
//     unless the core gives one) so a retried call never makes two links.
//   - HandleWebhook verifies x-signature (manifest "id:…;request-id:…;ts:…;" with absent
//     parts dropped, the query's data.id lowercased then as received, ts in seconds or
//     milliseconds, a generous tolerance), answers 401 on a bad one, and only names the
//     payment to read: the id comes from the signed query, never from the body. Legacy
//     IPN requests cannot be verified and are at most a hint to read the payment.
//   - GetPayment (GET /v1/payments/{id}) is the truth: ids as int64 decimal strings,
//     amounts parsed as decimals into centavos (never through a float), "canceled" and
//     "cancelled" alike, unknown statuses read as pending.
//   - FindPayments searches /v1/payments/search by external_reference (reconciliation).
//   - Refund posts /v1/payments/{id}/refunds, full ({}) or partial ({"amount"}), with
//     the caller's idempotency key.
//
// Secrets (access_token, webhook_secret) come in the settings, are compared in constant
// time and never logged.
package mp
