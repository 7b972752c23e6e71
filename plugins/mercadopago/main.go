// Command mercadopago is conserje's payment plugin for Mercado Pago Checkout Pro
// (Argentina, ARS): it creates the link for a hold's seña, verifies the x-signature of
// Mercado Pago's notifications and names the payment to read, reads payments (the source
// of truth), searches them by reference, and refunds them.
//
// Build it with `go build -o bin/plugins/mercadopago ./plugins/mercadopago` (make build
// does), list it under plugins: with its settings and select it with
// payments.plugin: mercadopago.
package main

import (
	"github.com/conserje/conserje/plugins/mercadopago/mp"
	"github.com/conserje/conserje/sdk"
)

func main() {
	sdk.ServePayment(mp.New())
}
