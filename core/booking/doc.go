// Package booking owns the money and the calendar of a property: units and the facts
// guests ask about, availability (holds, confirmed bookings, manual blocks and every
// portal's imported blocks), pricing from the pricing_rules table with the Argentine
// holiday calendar, holds (pre-reservations) that can never double-book, confirmation and
// cancellation, and the domain events that record every change of state.
//
// The Service is what the JSON API, the dialog engine and the admin call:
//
//	Search(ctx, SearchRequest)        offers sorted by total; alternatives when none fit
//	Quote(ctx, unitID, stay, guests)  the price of one stay, night by night, with reasons
//	Hold(ctx, HoldRequest)            a 30-minute pre-reservation with a RES code
//	Extend(ctx, code)                 +15 minutes, once
//	Confirm(ctx, code, ConfirmInput)  payment received (idempotent)
//	Cancel(ctx, code, reason)         idempotent
//	Move(ctx, code, MoveRequest)      staff move a hold or booking to other nights or unit
//	QuoteMove(ctx, code, unit, stay)  the same checks without moving, and the new quote
//	Get(ctx, code), History(ctx, code)
//	Property(ctx, id), DefaultProperty(ctx), Units(ctx)  what to tell guests
//	ExpireLapsed(ctx), HoldExpiryJob(every)              the 30-second expiry
//	ApplyPayment(ctx, PaymentNotice)                     a provider's payment, once
//	PaymentReviews(ctx, n), MarkPaymentReviewed(ctx, id, by)  payments flagged for staff
//
// A payment confirms a hold only when it is approved in ARS and the reservation's approved
// payments reach the seña; anything else (less, another currency, a cancelled
// reservation, nights taken after the hold lapsed, a refund or charge-back of a confirmed
// booking) is recorded and flagged for staff, and is not an error (a webhook answers 200).
//
// Outcomes are sentinel errors (ErrUnavailable with an *UnavailableError carrying
// alternatives or, for a move, a *ConflictError naming what takes the nights, ErrMinStay,
// ErrMaxStay, ErrOverCapacity, ErrInvalid with fields, ErrAlreadyExtended, ErrExpired,
// ErrNotFound...), so callers branch with errors.Is/As and never parse messages.
//
// It never trusts a single guard against double booking: a per-unit Locker serializes
// writers across replicas, PostgreSQL takes a transaction-scoped advisory lock per unit,
// and the schema's exclusion constraint (a trigger on SQLite) refuses any overlap that
// slips through.
//
// On PostgreSQL the write of a hold is one call to the booking_hold function (migration
// 0003): advisory lock, block check, expiry of the unit's lapsed holds with their events,
// the day's code counter, the reservation and its hold_created event, in one round trip.
// It is priced from the cached catalog and refuses the write when the unit has price or
// minimum-stay overrides on those nights, in which case Hold reads the calendar and takes
// the transactional Go path that SQLite always uses. A migration that changes
// reservations, reservation_sequences or domain_events must update that function too.
//
// Money is int64 centavos. Every amount that comes out of a multiplication (a night times
// its multipliers, a discount, the deposit) is computed exactly and rounded once to whole
// pesos, halves up (see money.go).
package booking
