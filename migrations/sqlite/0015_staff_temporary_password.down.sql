ALTER TABLE staff_users DROP COLUMN password_issued_at;
ALTER TABLE staff_users DROP COLUMN must_change_password;
