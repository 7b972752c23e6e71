package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/store"
)

// ManualBooking is a booking staff take by phone or at the desk: held and confirmed at
// once through the same guards as the bot's holds.
type ManualBooking struct {
	UnitID int64
	Stay   Stay
	Guests int
	Guest  Guest
	// PaidCents is what the guest already paid (0: nothing yet).
	PaidCents int64
	Notes     string
	// By names the staff member ("staff:<user>").
	By string
}

// MaxNotes is the longest note kept on a booking.
const MaxNotes = 2000

// BookManual holds and confirms a staff booking. Nights already taken are an
// *UnavailableError, like a hold's; nothing is left behind when the confirmation fails.
func (s *Service) BookManual(ctx context.Context, in ManualBooking) (Reservation, error) {
	fe := fieldErrors{}
	if strings.TrimSpace(in.Guest.Name) == "" {
		fe.add("guest.name", "required")
	}
	if in.PaidCents < 0 {
		fe.add("paid_cents", "must not be negative")
	}
	if utf8.RuneCountInString(in.Notes) > MaxNotes {
		fe.add("notes", fmt.Sprintf("at most %d characters", MaxNotes))
	}
	if err := fe.err(); err != nil {
		return Reservation{}, err
	}
	hold, err := s.Hold(ctx, HoldRequest{UnitID: in.UnitID, Stay: in.Stay, Guests: in.Guests, Guest: in.Guest, Source: "staff"})
	if err != nil {
		return Reservation{}, err
	}
	res, err := s.Confirm(ctx, hold.Code, ConfirmInput{PaidCents: in.PaidCents, By: in.By})
	if err != nil {
		if _, cerr := s.Cancel(context.WithoutCancel(ctx), hold.Code, "manual booking not confirmed"); cerr != nil {
			err = errors.Join(err, cerr)
		}
		return Reservation{}, err
	}
	if in.Notes != "" {
		if _, err := s.db.NewUpdate().Model((*store.Reservation)(nil)).Set("notes = ?", in.Notes).
			Where("code = ?", res.Code).Exec(ctx); err != nil {
			return res, fmt.Errorf("save notes of %s: %w", res.Code, err)
		}
	}
	return res, nil
}

// Details are what staff may change on a hold or booking without touching its nights.
type Details struct {
	Guest Guest
	Notes string
	// PaidCents replaces the amount received when not nil.
	PaidCents *int64
	By        string
}

// UpdateDetails changes the guest's name, phone and e-mail, the notes and the amount
// received of reservation code, recording an event.
func (s *Service) UpdateDetails(ctx context.Context, code string, d Details) (Reservation, error) {
	fe := fieldErrors{}
	validateGuest(d.Guest, fe)
	if utf8.RuneCountInString(d.Notes) > MaxNotes {
		fe.add("notes", fmt.Sprintf("at most %d characters", MaxNotes))
	}
	if d.PaidCents != nil && *d.PaidCents < 0 {
		fe.add("paid_cents", "must not be negative")
	}
	if err := fe.err(); err != nil {
		return Reservation{}, err
	}
	var res Reservation
	err := s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		m, err := s.load(ctx, tx, code, true)
		if err != nil {
			return err
		}
		now := s.now()
		q := tx.NewUpdate().Model((*store.Reservation)(nil)).
			Set("guest_name = ?", d.Guest.Name).Set("guest_phone = ?", d.Guest.Phone).Set("guest_email = ?", d.Guest.Email).
			Set("notes = ?", d.Notes).Set("updated_at = ?", now).Where("id = ?", m.ID)
		changed := []string{}
		if m.GuestName != d.Guest.Name || m.GuestPhone != d.Guest.Phone || m.GuestEmail != d.Guest.Email {
			changed = append(changed, "guest")
		}
		if m.Notes != d.Notes {
			changed = append(changed, "notes")
		}
		if d.PaidCents != nil {
			q = q.Set("paid_cents = ?", *d.PaidCents)
			if m.PaidCents != *d.PaidCents {
				changed = append(changed, "paid_cents")
			}
			m.PaidCents = *d.PaidCents
		}
		if _, err := q.Exec(ctx); err != nil {
			return fmt.Errorf("update %s: %w", code, err)
		}
		// No guest data in events: only which fields changed.
		if err := writeEvent(ctx, tx, code, EventReservationEdited, now, map[string]any{
			"changed": changed, "paid_cents": m.PaidCents, "by": d.By, "status": m.Status,
		}); err != nil {
			return err
		}
		m.GuestName, m.GuestPhone, m.GuestEmail, m.Notes, m.UpdatedAt = d.Guest.Name, d.Guest.Phone, d.Guest.Email, d.Notes, now
		res = reservationFromModel(m)
		return nil
	})
	return res, err
}

// Block takes a unit's nights off sale (maintenance, the owner's use...). Nights taken by
// a hold, a booking, another block or a portal are refused with ErrUnavailable.
func (s *Service) Block(ctx context.Context, unitID int64, stay Stay, note, by string) (int64, error) {
	fe := fieldErrors{}
	if _, err := s.unit(ctx, s.db.DB, unitID); errors.Is(err, ErrNotFound) {
		fe.add("accommodation_id", "unknown unit")
	} else if err != nil {
		return 0, err
	}
	if stay.CheckIn.IsZero() || stay.CheckOut.IsZero() || !stay.CheckIn.Before(stay.CheckOut) {
		fe.add("check_out", "must be after check_in")
	} else if stay.Nights() > 366 {
		fe.add("check_out", "a block is at most 366 nights")
	}
	if utf8.RuneCountInString(note) > 500 {
		fe.add("note", "at most 500 characters")
	}
	if err := fe.err(); err != nil {
		return 0, err
	}
	taken := func(ctx context.Context) error {
		busy, err := s.loadBusy(ctx, s.db.DB, []int64{unitID}, stay)
		if err != nil {
			return err
		}
		if overlapsAny(busy[unitID], stay) {
			return ErrUnavailable
		}
		return nil
	}
	var id int64
	err := s.withUnitLock(ctx, unitID, taken, func() error {
		return s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if err := s.lockUnitInTx(ctx, tx, unitID); err != nil {
				return err
			}
			busy, err := s.loadBusy(ctx, tx, []int64{unitID}, stay)
			if err != nil {
				return err
			}
			if overlapsAny(busy[unitID], stay) {
				return ErrUnavailable
			}
			row := store.AvailabilityEntry{AccommodationID: unitID, StartDate: stay.CheckIn, EndDate: stay.CheckOut,
				Kind: "block", Note: note, CreatedBy: by, CreatedAt: s.now()}
			if _, err := tx.NewInsert().Model(&row).Exec(ctx); err != nil {
				return fmt.Errorf("block unit %d: %w", unitID, err)
			}
			id = row.ID
			return nil
		})
	})
	return id, err
}

// Unblock removes a manual block; its nights are on sale again.
func (s *Service) Unblock(ctx context.Context, id int64) error {
	res, err := s.db.NewDelete().Model((*store.AvailabilityEntry)(nil)).Where("id = ? AND kind = 'block'", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("unblock %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("block %d: %w", id, ErrNotFound)
	}
	return nil
}
