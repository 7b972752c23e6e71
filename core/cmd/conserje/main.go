// Command conserje is the one binary of conserje: the server, migrations, the demo seed,
// the NLU and dialog tools, calendar and plugin commands.
package main

import (
	"fmt"
	"os"

	"github.com/conserje/conserje/core/secret"
)

func main() {
	root := newRootCmd()
	if err := root.Execute(); err != nil {
		var exit exitError
		if asExit(err, &exit) {
			if exit.msg != "" {
				fmt.Fprintln(os.Stderr, secret.Text(exit.msg))
			}
			os.Exit(exit.code)
		}
		// Errors may quote a database or Redis URL: never print its password.
		fmt.Fprintln(os.Stderr, "conserje:", secret.Text(err.Error()))
		os.Exit(1)
	}
}
