DROP INDEX reservations_guest_search;
DROP INDEX conversations_inbox_search;
DROP INDEX reservations_guest_email;
DROP INDEX reservations_guest_phone;
