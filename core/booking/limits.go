package booking

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/conserje/conserje/core/lock"
	"github.com/conserje/conserje/core/store"
)

// Defaults of the limits on holds the bot makes (Options).
const (
	// DefaultHoldsPerHour is how many holds one requester (a web chat address, a phone,
	// an e-mail) may make per hour.
	DefaultHoldsPerHour = 3
	// DefaultBotMaxNights is the longest stay the bot holds; longer ones go to staff.
	DefaultBotMaxNights = 14
	// DefaultMaxAdvanceDays is how far ahead a stay may start (two years).
	DefaultMaxAdvanceDays = 730
)

// ErrHoldLimit means the requester already holds what it may (the error is a *HoldLimitError).
var ErrHoldLimit = errors.New("booking: hold limit reached")

// ErrLongStay means the bot does not hold stays longer than BotMaxNights; staff book them.
var ErrLongStay = errors.New("booking: long stays are booked by staff")

// Scopes of a HoldLimitError.
const (
	// LimitConversation: the conversation's live holds already fit its party.
	LimitConversation = "conversation"
	// LimitAddress, LimitPhone, LimitEmail: that requester made HoldsPerHour holds within
	// the last hour.
	LimitAddress = "address"
	LimitPhone   = "phone"
	LimitEmail   = "email"
)

// HoldLimitError says which limit refused a hold.
type HoldLimitError struct {
	Scope string
	Limit int
}

func (e *HoldLimitError) Error() string {
	if e.Scope == LimitConversation {
		return "the conversation already holds units for its whole party"
	}
	return fmt.Sprintf("%d holds per hour per %s", e.Limit, e.Scope)
}

// Is makes errors.Is(err, ErrHoldLimit) true.
func (e *HoldLimitError) Is(target error) bool { return target == ErrHoldLimit }

type clientAddrKey struct{}

// WithClientAddr returns ctx carrying the address of the client asking (the web chat
// sets it from the request); holds the bot makes in that context count against it.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

func clientAddr(ctx context.Context) string {
	s, _ := ctx.Value(clientAddrKey{}).(string)
	return s
}

// requesterKey is a digest of one requester identity, as stored in hold_requests.
type requesterKey struct {
	scope  string
	digest string
}

func digestKey(scope, value string) requesterKey {
	sum := sha256.Sum256([]byte(scope + ":" + value))
	return requesterKey{scope: scope, digest: scope + ":" + hex.EncodeToString(sum[:16])}
}

// requesterKeys lists who asks for req: the client address in ctx, the guest's phone
// (digits only) and e-mail (lower case).
func requesterKeys(ctx context.Context, req HoldRequest) []requesterKey {
	var keys []requesterKey
	if a := strings.TrimSpace(clientAddr(ctx)); a != "" {
		keys = append(keys, digestKey(LimitAddress, a))
	}
	phone := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, req.Guest.Phone)
	if len(phone) >= 6 {
		keys = append(keys, digestKey(LimitPhone, phone))
	}
	if e := strings.ToLower(strings.TrimSpace(req.Guest.Email)); e != "" {
		keys = append(keys, digestKey(LimitEmail, e))
	}
	slices.SortFunc(keys, func(a, b requesterKey) int { return strings.Compare(a.digest, b.digest) })
	return keys
}

// BotMaxNights is the longest stay the bot holds (Options.BotMaxNights, defaulted): the
// dialog names it when it hands a longer stay to staff.
func (s *Service) BotMaxNights() int { return s.opts.BotMaxNights }

// limitedHold makes a hold the bot asked for within the limits: not longer than
// BotMaxNights, not beyond what the conversation's party needs, and at most HoldsPerHour
// per requester. Each requester's check and record run under its lock, so simultaneous
// requests cannot all pass the count.
func (s *Service) limitedHold(ctx context.Context, req HoldRequest, hold func() (Reservation, error)) (Reservation, error) {
	if n := req.Stay.Nights(); n > s.opts.BotMaxNights {
		return Reservation{}, fmt.Errorf("hold %d nights: %w (the bot holds up to %d)", n, ErrLongStay, s.opts.BotMaxNights)
	}
	keys := requesterKeys(ctx, req)
	for _, k := range keys {
		wctx, cancel := context.WithTimeout(ctx, s.opts.LockWait)
		lease, err := lock.Wait(wctx, s.opts.Locker, "booking:requester:"+k.digest, s.opts.LockTTL)
		cancel()
		if err != nil {
			return Reservation{}, fmt.Errorf("lock hold requester: %w", err)
		}
		defer func() {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			if err := s.opts.Locker.Release(rctx, lease); err != nil {
				s.log.Warn("release hold requester lock", "err", err)
			}
		}()
	}
	now := s.now()
	if req.ConversationID != nil {
		var held int
		err := s.db.NewSelect().TableExpr("reservations AS r").
			Join("JOIN accommodations AS a ON a.id = r.accommodation_id").
			ColumnExpr("COALESCE(SUM(a.capacity), 0)").
			Where("r.conversation_id = ? AND r.status = ? AND r.expires_at > ?", *req.ConversationID, store.StatusPreReserved, now).
			Scan(ctx, &held)
		if err != nil {
			return Reservation{}, fmt.Errorf("count holds of conversation %d: %w", *req.ConversationID, err)
		}
		if party := max(req.PartySize, req.Guests); held > 0 && held >= party {
			return Reservation{}, &HoldLimitError{Scope: LimitConversation}
		}
	}
	for _, k := range keys {
		n, err := s.db.NewSelect().Model((*store.HoldRequest)(nil)).
			Where("client_key = ? AND created_at > ?", k.digest, now.Add(-time.Hour)).Count(ctx)
		if err != nil {
			return Reservation{}, fmt.Errorf("count holds of a requester: %w", err)
		}
		if n >= s.opts.HoldsPerHour {
			return Reservation{}, &HoldLimitError{Scope: k.scope, Limit: s.opts.HoldsPerHour}
		}
	}
	res, err := hold()
	if err != nil || len(keys) == 0 {
		return res, err
	}
	rows := make([]store.HoldRequest, len(keys))
	for i, k := range keys {
		rows[i] = store.HoldRequest{ClientKey: k.digest, ReservationID: res.ID, CreatedAt: now}
	}
	if _, err := s.db.NewInsert().Model(&rows).Exec(ctx); err != nil {
		// The hold stands (the guest has it); it only goes uncounted.
		s.log.ErrorContext(ctx, "record hold requester", "code", res.Code, "err", err)
	}
	return res, nil
}
