DROP INDEX reservations_guest_email;
DROP INDEX reservations_guest_phone;
