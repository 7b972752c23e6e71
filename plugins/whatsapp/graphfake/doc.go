// Package graphfake is a local fake of the WhatsApp Cloud API (Meta's Graph API) for
// tests, speaking the documented shapes of providers.md Part 1: messages sent (answered
// with a wamid, or with a scripted Graph error such as 131047, 130429 or 131056), media
// looked up and downloaded in two steps with the bearer token, media uploaded. It checks
// the bearer token like the real API, can hold sends (to kill a plugin mid-send), and
// builds webhook bodies signed like Meta's (X-Hub-Signature-256).
package graphfake
