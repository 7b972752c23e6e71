// Package payments is the payment lifecycle between the payment plugins and the booking
// engine, correct under retries, delays and crashes:
//
//   - Notified records a provider's notification durably (one row per payment, a counter
//     bumped per notification) and returns at once: the webhook answers within
//     milliseconds, whatever the provider's API is doing.
//   - A worker (Run/Step) reads every notified payment with the plugin's GetPayment, with
//     retries and backoff, under a lease so replicas share the queue and a crash between
//     the answer and the read loses nothing. A notification arriving while a payment is
//     being read makes it be read again: the state always comes from the provider.
//   - apply hands the payment to booking.ApplyPayment, which confirms a hold only when
//     the payment is approved for that hold in ARS for at least the seña, and flags
//     anything else for staff. Around it: a rejected attempt tells the conversation (the
//     second one goes to a person); an approval that arrives after the hold lapsed and
//     its nights were taken is refunded in full, flagged and told to the guest; refunds,
//     charge-backs and disputes of a confirmed booking are flagged for staff.
//   - Reconcile searches the provider by reference for every hold with a link while it
//     lives and once after it lapses, so a lost notification still confirms.
//   - Refund is the admin's refund: amount and reason, idempotent by the form's key.
//
// Every outcome is recorded on provider_payments (status, amounts, outcome,
// staff_reason) for the admin; the confirmation message itself is sent by
// conversation.ConfirmationWatcher from the reservation_confirmed event.
package payments
