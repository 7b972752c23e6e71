-- A guest's holds and bookings are found by their phone or e-mail too (the admin's
-- conversation page: bookings made on another channel or typed in by staff).
CREATE INDEX reservations_guest_phone ON reservations (guest_phone);
CREATE INDEX reservations_guest_email ON reservations (guest_email);
