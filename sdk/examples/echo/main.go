// Command echo is the example channel plugin of docs/plugins.md. It turns a JSON POST
// {"id","from","text"} into an inbound message and answers {"echo": "<prefix><text>"};
// what the core sends is kept in memory and listed by GET /outbox?to=<address>, and sent
// audio can be fetched back as media.
//
// Build it with `go build -o bin/plugins/echo ./sdk/examples/echo` and add it to the
// plugins: section of config.yaml.
package main

import "github.com/conserje/conserje/sdk"

func main() {
	sdk.ServeChannel(New())
}
