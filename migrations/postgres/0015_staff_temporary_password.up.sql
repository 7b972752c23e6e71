-- A staff user given a temporary password (invited, or reset by an admin or by the CLI with
-- a generated one) must choose their own at the first login (issue 15); the temporary one
-- is refused once it is older than the admin's limit (72 h), counted from password_issued_at.
ALTER TABLE staff_users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE staff_users ADD COLUMN password_issued_at TIMESTAMPTZ;
