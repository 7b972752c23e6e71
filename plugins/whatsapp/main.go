// Command whatsapp is conserje's WhatsApp Cloud API channel plugin: the webhook
// (verification handshake, signed notifications, every message type and delivery
// status) and sending (text, reply buttons, lists, voice notes, templates) through Meta's
// Graph API, as docs/providers.md Part 1 says.
//
// Build it with `go build -o bin/plugins/whatsapp ./plugins/whatsapp` (make build does)
// and configure it under plugins: with the settings of cloudapi.Settings.
package main

import (
	"github.com/conserje/conserje/plugins/whatsapp/cloudapi"
	"github.com/conserje/conserje/sdk"
)

func main() {
	sdk.ServeChannel(cloudapi.New(sdk.Logger()))
}
