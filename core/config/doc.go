// Package config owns conserje's settings: it reads config.yaml (or the built-in defaults,
// which equal config.example.yaml), expands ${VAR} references in string values, applies a
// CONSERJE_<KEY_PATH> environment override for every setting, and validates the result,
// reporting every problem at once with its key path.
package config
