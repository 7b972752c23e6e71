DROP INDEX payment_records_to_review;
ALTER TABLE payment_records DROP COLUMN reviewed_by;
ALTER TABLE payment_records DROP COLUMN reviewed_at;
ALTER TABLE payment_records DROP COLUMN review_reason;
