-- A payment that could not simply confirm its reservation (less than the seña, another
-- currency, a cancelled or lapsed reservation, a refund or charge-back after confirming)
-- is recorded with the reason staff must look at it; staff mark it reviewed.
ALTER TABLE payment_records ADD COLUMN review_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE payment_records ADD COLUMN reviewed_at TIMESTAMP;
ALTER TABLE payment_records ADD COLUMN reviewed_by TEXT NOT NULL DEFAULT '';
CREATE INDEX payment_records_to_review ON payment_records (updated_at) WHERE review_reason <> '' AND reviewed_at IS NULL;
