-- A guest's holds and bookings are found by their phone or e-mail too (the admin's
-- conversation page: bookings made on another channel or typed in by staff). The inbox's
-- search reads the conversations' names and addresses from an index, not their sessions.
CREATE INDEX reservations_guest_phone ON reservations (guest_phone);
CREATE INDEX reservations_guest_email ON reservations (guest_email);
CREATE INDEX conversations_inbox_search ON conversations (guest_name, contact, state, last_message_at, id, last_inbound_at, staff_read_at);
CREATE INDEX reservations_guest_search ON reservations (conversation_id, code, guest_name, guest_email, guest_phone);
