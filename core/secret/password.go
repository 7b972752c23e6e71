package secret

import "fmt"

// MinPasswordLength is the shortest staff password accepted anywhere: `admin add-user`,
// `admin set-password`, admin.password (CONSERJE_ADMIN_PASSWORD) and the doctor.
const MinPasswordLength = 10

// CheckPassword applies the staff password rule.
func CheckPassword(password string) error {
	if n := len(password); n < MinPasswordLength {
		return fmt.Errorf("use at least %d characters (has %d)", MinPasswordLength, n)
	}
	return nil
}
