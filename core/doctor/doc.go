// Package doctor is the go-live check an operator runs on the server (`conserje doctor`):
// configuration, database and Redis (reachable, versions, migrations), every plugin,
// the public URL over HTTPS answering /healthz, the WhatsApp and Mercado Pago webhook URLs
// to paste (with Meta's verify handshake tried through the public URL), the iCal export
// URLs, the age of the newest backup and the admin password. Each finding is one ✓ or ✗
// line saying what to do; the report is OK only when every line passed.
package doctor
