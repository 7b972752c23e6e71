// Package secret holds the rules every command shares about secrets: the staff password
// rule (admin add-user, admin.password, the doctor) and the redaction of passwords in URLs
// and in error text, so no command prints a database or Redis password.
package secret
