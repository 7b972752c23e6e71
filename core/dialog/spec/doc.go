// Package spec owns the YAML dialog model hosts edit: intents, slots, flows and settings,
// read from every *.yaml file of a dialogs folder with the position of each element, checked
// against the embedded JSON Schema (the same file as dialogs/schema.json) and against itself
// (undeclared slots, unknown step ids, unreachable steps, bad expressions). Checks that need
// the templates or the action registry live in core/dialog, which calls Check with them.
package spec
