package store

import (
	"encoding/json"
	"time"

	"github.com/uptrace/bun"
)

// Reservation statuses. pre_reserved (a hold) and confirmed are "active": they block nights.
const (
	StatusPreReserved = "pre_reserved"
	StatusConfirmed   = "confirmed"
	StatusCancelled   = "cancelled"
	StatusExpired     = "expired"
)

// Property is the host's complex: the facts the bot tells guests and the payment details.
type Property struct {
	bun.BaseModel `bun:"table:properties"`

	ID             int64           `bun:"id,pk,autoincrement"`
	Slug           string          `bun:"slug,notnull"`
	Name           string          `bun:"name,notnull"`
	Address        string          `bun:"address,notnull"`
	City           string          `bun:"city,notnull"`
	Province       string          `bun:"province,notnull"`
	MapURL         string          `bun:"map_url,notnull"`
	Phone          string          `bun:"phone,notnull"`
	Email          string          `bun:"email,notnull"`
	Timezone       string          `bun:"timezone,notnull"`
	CheckInTime    string          `bun:"check_in_time,notnull"`
	CheckOutTime   string          `bun:"check_out_time,notnull"`
	DepositPercent int             `bun:"deposit_percent,notnull"`
	BankAlias      string          `bun:"bank_alias,notnull"`
	BankCBU        string          `bun:"bank_cbu,notnull"`
	BankHolder     string          `bun:"bank_holder,notnull"`
	Policies       json.RawMessage `bun:"policies,type:jsonb,notnull"`
	CreatedAt      time.Time       `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt      time.Time       `bun:"updated_at,notnull,default:current_timestamp"`
}

// Accommodation is one rentable unit: a cabin, an apartment, a house.
type Accommodation struct {
	bun.BaseModel `bun:"table:accommodations"`

	ID             int64     `bun:"id,pk,autoincrement"`
	PropertyID     int64     `bun:"property_id,notnull"`
	Slug           string    `bun:"slug,notnull"`
	Name           string    `bun:"name,notnull"`
	UnitType       string    `bun:"unit_type,notnull"`
	Capacity       int       `bun:"capacity,notnull"`
	BaseOccupancy  int       `bun:"base_occupancy,notnull"`
	BasePriceCents int64     `bun:"base_price_cents,notnull"`
	Amenities      []string  `bun:"amenities,type:jsonb,notnull"`
	Description    string    `bun:"description,notnull"`
	PhotosURL      string    `bun:"photos_url,notnull"`
	Active         bool      `bun:"active,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt      time.Time `bun:"updated_at,notnull,default:current_timestamp"`
}

// Reservation is a hold (pre_reserved, with expires_at) or a booking.
type Reservation struct {
	bun.BaseModel `bun:"table:reservations"`

	ID              int64           `bun:"id,pk,autoincrement"`
	Code            string          `bun:"code,notnull"`
	AccommodationID int64           `bun:"accommodation_id,notnull"`
	CheckIn         Date            `bun:"check_in,notnull"`
	CheckOut        Date            `bun:"check_out,notnull"`
	Guests          int             `bun:"guests,notnull"`
	Adults          *int            `bun:"adults"`
	Children        *int            `bun:"children"`
	GuestName       string          `bun:"guest_name,notnull"`
	GuestPhone      string          `bun:"guest_phone,notnull"`
	GuestEmail      string          `bun:"guest_email,notnull"`
	Status          string          `bun:"status,notnull"`
	TotalCents      int64           `bun:"total_cents,notnull"`
	DepositCents    int64           `bun:"deposit_cents,notnull"`
	PaidCents       int64           `bun:"paid_cents,notnull"`
	Currency        string          `bun:"currency,notnull"`
	Quote           json.RawMessage `bun:"quote,type:jsonb,notnull"`
	Source          string          `bun:"source,notnull"`
	ConversationID  *int64          `bun:"conversation_id"`
	ExpiresAt       *time.Time      `bun:"expires_at"`
	ExtendedAt      *time.Time      `bun:"extended_at"`
	ConfirmedAt     *time.Time      `bun:"confirmed_at"`
	CancelledAt     *time.Time      `bun:"cancelled_at"`
	Notes           string          `bun:"notes,notnull"`
	CreatedAt       time.Time       `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt       time.Time       `bun:"updated_at,notnull,default:current_timestamp"`
	// SearchKey is the code, guest name, e-mail and phone folded for search (SearchFold),
	// with the phone's digits, kept by the database like Conversation.SearchKey.
	SearchKey string `bun:"search_key,scanonly"`
}

// AvailabilityEntry is a manual block or a per-date override (price, minimum stay) of a
// unit over [StartDate, EndDate).
type AvailabilityEntry struct {
	bun.BaseModel `bun:"table:availability_calendar"`

	ID              int64     `bun:"id,pk,autoincrement"`
	AccommodationID int64     `bun:"accommodation_id,notnull"`
	StartDate       Date      `bun:"start_date,notnull"`
	EndDate         Date      `bun:"end_date,notnull"`
	Kind            string    `bun:"kind,notnull"` // block | price | min_stay
	PriceCents      *int64    `bun:"price_cents"`
	MinNights       *int      `bun:"min_nights"`
	Note            string    `bun:"note,notnull"`
	CreatedBy       string    `bun:"created_by,notnull"`
	CreatedAt       time.Time `bun:"created_at,notnull,default:current_timestamp"`
}

// PaymentRecord is one payment attempt or notification from a provider for a reservation.
type PaymentRecord struct {
	bun.BaseModel `bun:"table:payment_records"`

	ID                int64           `bun:"id,pk,autoincrement"`
	ReservationID     int64           `bun:"reservation_id,notnull"`
	Provider          string          `bun:"provider,notnull"`
	ProviderPaymentID *string         `bun:"provider_payment_id"`
	Status            string          `bun:"status,notnull"`
	AmountCents       int64           `bun:"amount_cents,notnull"`
	Currency          string          `bun:"currency,notnull"`
	LinkURL           string          `bun:"link_url,notnull"`
	Raw               json.RawMessage `bun:"raw,type:jsonb,notnull"`
	// ReviewReason is why staff must look at this payment ("" when nothing to do).
	ReviewReason string     `bun:"review_reason,notnull"`
	ReviewedAt   *time.Time `bun:"reviewed_at"`
	ReviewedBy   string     `bun:"reviewed_by,notnull"`
	CreatedAt    time.Time  `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt    time.Time  `bun:"updated_at,notnull,default:current_timestamp"`
}

// Conversation is one guest on one channel (a WhatsApp number, an email address, a web
// chat id) and the bot's session with them.
type Conversation struct {
	bun.BaseModel `bun:"table:conversations"`

	ID        int64  `bun:"id,pk,autoincrement"`
	Channel   string `bun:"channel,notnull"`
	Contact   string `bun:"contact,notnull"`
	GuestName string `bun:"guest_name,notnull"`
	Language  string `bun:"language,notnull"`
	// AddressKind is how the channel addresses the guest: phone, email, web, opaque
	// ("" for conversations older than the field).
	AddressKind string `bun:"address_kind,notnull"`
	// ChannelAddress is the address of ours the guest wrote to (a WhatsApp phone number
	// id); replies go out from it.
	ChannelAddress   string          `bun:"channel_address,notnull"`
	State            string          `bun:"state,notnull"` // bot | escalated | closed
	Session          json.RawMessage `bun:"session,type:jsonb,notnull"`
	FallbackStreak   int             `bun:"fallback_streak,notnull"`
	EscalationReason string          `bun:"escalation_reason,notnull"`
	EscalatedAt      *time.Time      `bun:"escalated_at"`
	LastInboundAt    *time.Time      `bun:"last_inbound_at"`
	LastMessageAt    *time.Time      `bun:"last_message_at"`
	// StaffReadAt is when staff last opened the conversation in the admin (unread: a
	// guest message after it).
	StaffReadAt *time.Time `bun:"staff_read_at"`
	CreatedAt   time.Time  `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt   time.Time  `bun:"updated_at,notnull,default:current_timestamp"`
	// SearchKey is the guest's name and contact folded for search (SearchFold), kept by
	// the database: never written, and read by name (selects of the model leave it out;
	// SQLite's RETURNING gives it before its trigger sets it).
	SearchKey string `bun:"search_key,scanonly"`
}

// ConversationNote is an internal note staff left on a conversation (never sent).
type ConversationNote struct {
	bun.BaseModel `bun:"table:conversation_notes"`

	ID             int64     `bun:"id,pk,autoincrement"`
	ConversationID int64     `bun:"conversation_id,notnull"`
	Author         string    `bun:"author,notnull"`
	Text           string    `bun:"text,notnull"`
	CreatedAt      time.Time `bun:"created_at,notnull"`
}

// Message is one message in or out of a conversation.
type Message struct {
	bun.BaseModel `bun:"table:messages"`

	ID             int64           `bun:"id,pk,autoincrement"`
	ConversationID int64           `bun:"conversation_id,notnull"`
	Direction      string          `bun:"direction,notnull"` // in | out
	Channel        string          `bun:"channel,notnull"`
	ExternalID     *string         `bun:"external_id"`
	Kind           string          `bun:"kind,notnull"`
	Text           string          `bun:"text,notnull"`
	Payload        json.RawMessage `bun:"payload,type:jsonb,notnull"`
	NLU            json.RawMessage `bun:"nlu,type:jsonb"`
	Status         string          `bun:"status,notnull"`
	LatencyMS      *int            `bun:"latency_ms"`
	CreatedAt      time.Time       `bun:"created_at,notnull,default:current_timestamp"`
}

// CalendarFeed is one portal's iCal feed imported for a unit.
type CalendarFeed struct {
	bun.BaseModel `bun:"table:calendar_feeds"`

	ID              int64      `bun:"id,pk,autoincrement"`
	AccommodationID int64      `bun:"accommodation_id,notnull"`
	Platform        string     `bun:"platform,notnull"`
	URL             string     `bun:"url,notnull"`
	Priority        int        `bun:"priority,notnull"`
	Enabled         bool       `bun:"enabled,notnull"`
	EndInclusive    bool       `bun:"end_inclusive,notnull"`
	ETag            string     `bun:"etag,notnull"`
	LastModified    string     `bun:"last_modified,notnull"`
	LastAttemptAt   *time.Time `bun:"last_attempt_at"`
	LastSuccessAt   *time.Time `bun:"last_success_at"`
	LastDurationMS  *int       `bun:"last_duration_ms"`
	LastStatus      string     `bun:"last_status,notnull"`
	LastError       string     `bun:"last_error,notnull"`
	PartialReason   string     `bun:"partial_reason,notnull"` // why the last import was cut short by a budget; "" if complete
	EventCount      int        `bun:"event_count,notnull"`
	EmptyStreak     int        `bun:"empty_streak,notnull"`
	CreatedAt       time.Time  `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt       time.Time  `bun:"updated_at,notnull,default:current_timestamp"`
}

// ImportedBlock is a range of nights a portal's feed says is taken.
type ImportedBlock struct {
	bun.BaseModel `bun:"table:imported_blocks"`

	ID              int64     `bun:"id,pk,autoincrement"`
	FeedID          int64     `bun:"feed_id,notnull"`
	AccommodationID int64     `bun:"accommodation_id,notnull"`
	UID             string    `bun:"uid,notnull"`
	StartDate       Date      `bun:"start_date,notnull"`
	EndDate         Date      `bun:"end_date,notnull"`
	Kind            string    `bun:"kind,notnull"` // reservation | block
	Tentative       bool      `bun:"tentative,notnull"`
	Summary         string    `bun:"summary,notnull"`
	ReservationCode string    `bun:"reservation_code,notnull"`
	Status          string    `bun:"status,notnull"` // active | pending_removal
	FirstSeenAt     time.Time `bun:"first_seen_at,notnull,default:current_timestamp"`
	LastSeenAt      time.Time `bun:"last_seen_at,notnull,default:current_timestamp"`
}

// CalendarConflict records an imported block that collides with one of our bookings.
type CalendarConflict struct {
	bun.BaseModel `bun:"table:calendar_conflicts"`

	ID              int64      `bun:"id,pk,autoincrement"`
	AccommodationID int64      `bun:"accommodation_id,notnull"`
	ImportedBlockID *int64     `bun:"imported_block_id"`
	ReservationID   *int64     `bun:"reservation_id"`
	Detail          string     `bun:"detail,notnull"`
	DetectedAt      time.Time  `bun:"detected_at,notnull,default:current_timestamp"`
	ResolvedAt      *time.Time `bun:"resolved_at"`
	ResolvedBy      string     `bun:"resolved_by,notnull"`
}

// ICalExportFetch records one fetch of a unit's export feed by a portal.
type ICalExportFetch struct {
	bun.BaseModel `bun:"table:ical_export_fetches"`

	ID              int64     `bun:"id,pk,autoincrement"`
	AccommodationID int64     `bun:"accommodation_id,notnull"`
	Portal          string    `bun:"portal,notnull"`
	FetchedAt       time.Time `bun:"fetched_at,notnull,default:current_timestamp"`
	UserAgent       string    `bun:"user_agent,notnull"`
	RemoteAddr      string    `bun:"remote_addr,notnull"`
}

// PricingRule is one pricing rule of a property, optionally for a single unit. Which
// columns apply depends on Kind: multipliers and percentages are basis points
// (12000 = ×1.20, 1000 = 10 %), amounts are centavos.
type PricingRule struct {
	bun.BaseModel `bun:"table:pricing_rules"`

	ID              int64     `bun:"id,pk,autoincrement"`
	PropertyID      int64     `bun:"property_id,notnull"`
	AccommodationID *int64    `bun:"accommodation_id"`
	Kind            string    `bun:"kind,notnull"`
	Name            string    `bun:"name,notnull"`
	StartDate       *Date     `bun:"start_date"`
	EndDate         *Date     `bun:"end_date"`
	Priority        int       `bun:"priority,notnull"`
	MultiplierBP    *int      `bun:"multiplier_bp"`
	AmountCents     *int64    `bun:"amount_cents"`
	PercentBP       *int      `bun:"percent_bp"`
	Nights          *int      `bun:"nights"`
	Active          bool      `bun:"active,notnull"`
	CreatedAt       time.Time `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt       time.Time `bun:"updated_at,notnull,default:current_timestamp"`
}

// Holiday is a national holiday or tourist day off, loaded from the versioned data and
// overridable by the host (source "host").
type Holiday struct {
	bun.BaseModel `bun:"table:holidays"`

	Date        Date      `bun:"date,pk"`
	Name        string    `bun:"name,notnull"`
	Kind        string    `bun:"kind,notnull"`
	DayOff      bool      `bun:"day_off,notnull"`
	Provisional bool      `bun:"provisional,notnull"`
	Source      string    `bun:"source,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull,default:current_timestamp"`
}

// DomainEvent is an append-only record of a state change, written in the same
// transaction as the change.
type DomainEvent struct {
	bun.BaseModel `bun:"table:domain_events"`

	ID            int64           `bun:"id,pk,autoincrement"`
	AggregateType string          `bun:"aggregate_type,notnull"`
	AggregateID   string          `bun:"aggregate_id,notnull"`
	Type          string          `bun:"type,notnull"`
	Payload       json.RawMessage `bun:"payload,type:jsonb,notnull"`
	RequestID     string          `bun:"request_id,notnull"`
	OccurredAt    time.Time       `bun:"occurred_at,notnull,default:current_timestamp"`
}

// OutboxItem is a message to deliver through a channel, committed with the turn that
// produced it and sent (with retries) afterwards.
type OutboxItem struct {
	bun.BaseModel `bun:"table:outbox"`

	ID             int64           `bun:"id,pk,autoincrement"`
	ConversationID *int64          `bun:"conversation_id"`
	MessageID      *int64          `bun:"message_id"`
	Channel        string          `bun:"channel,notnull"`
	Recipient      string          `bun:"recipient,notnull"`
	Kind           string          `bun:"kind,notnull"`
	Payload        json.RawMessage `bun:"payload,type:jsonb,notnull"`
	IdempotencyKey string          `bun:"idempotency_key,notnull"`
	Status         string          `bun:"status,notnull"`
	Attempts       int             `bun:"attempts,notnull"`
	NotBefore      time.Time       `bun:"not_before,notnull"`
	LastError      string          `bun:"last_error,notnull"`
	// ErrorClass is the class of the last send error (permanent, window_closed, ...).
	ErrorClass string     `bun:"error_class,notnull"`
	CreatedAt  time.Time  `bun:"created_at,notnull,default:current_timestamp"`
	SentAt     *time.Time `bun:"sent_at"`
}

// DeliveryStatus is one delivery status a channel reported for a message we sent, kept
// once per (channel, external id, status), whatever the status.
type DeliveryStatus struct {
	bun.BaseModel `bun:"table:delivery_statuses"`

	ID         int64      `bun:"id,pk,autoincrement"`
	Channel    string     `bun:"channel,notnull"`
	ExternalID string     `bun:"external_id,notnull"`
	Status     string     `bun:"status,notnull"`
	Recipient  string     `bun:"recipient,notnull"`
	ErrorCode  string     `bun:"error_code,notnull"`
	Error      string     `bun:"error,notnull"`
	OccurredAt *time.Time `bun:"occurred_at"`
	ReceivedAt time.Time  `bun:"received_at,notnull,default:current_timestamp"`
}

// StaffUser is a person who can log into the admin.
type StaffUser struct {
	bun.BaseModel `bun:"table:staff_users"`

	ID           int64      `bun:"id,pk,autoincrement"`
	Username     string     `bun:"username,notnull"`
	DisplayName  string     `bun:"display_name,notnull"`
	PasswordHash string     `bun:"password_hash,notnull"`
	Role         string     `bun:"role,notnull"`
	Active       bool       `bun:"active,notnull"`
	LastLoginAt  *time.Time `bun:"last_login_at"`
	// MustChangePassword is set while the password is a temporary one someone else was
	// shown (invite, reset): the user must choose their own before anything else.
	MustChangePassword bool `bun:"must_change_password,notnull"`
	// PasswordIssuedAt is when the temporary password was issued (nil otherwise); it
	// expires some time after.
	PasswordIssuedAt *time.Time `bun:"password_issued_at"`
	CreatedAt        time.Time  `bun:"created_at,notnull,default:current_timestamp"`
	UpdatedAt        time.Time  `bun:"updated_at,notnull,default:current_timestamp"`
}

// StaffSession is a logged-in admin session; only a digest of the cookie token is kept.
type StaffSession struct {
	bun.BaseModel `bun:"table:staff_sessions"`

	TokenHash string    `bun:"token_hash,pk"`
	UserID    int64     `bun:"user_id,notnull"`
	CSRFToken string    `bun:"csrf_token,notnull"`
	ExpiresAt time.Time `bun:"expires_at,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull,default:current_timestamp"`
}

// HoldRequest records one hold the bot made for a requester key (a digest of the web
// chat's client address, or of the guest's phone or e-mail), for per-requester limits.
type HoldRequest struct {
	bun.BaseModel `bun:"table:hold_requests"`

	ID            int64     `bun:"id,pk,autoincrement"`
	ClientKey     string    `bun:"client_key,notnull"`
	ReservationID int64     `bun:"reservation_id,notnull"`
	CreatedAt     time.Time `bun:"created_at,notnull"`
}
