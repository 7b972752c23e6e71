// Command conserje is the one binary of conserje: the server, migrations, the demo seed,
// the NLU and dialog tools, calendar and plugin commands.
package main

import (
	"fmt"
	"os"
)

func main() {
	root := newRootCmd()
	if err := root.Execute(); err != nil {
		var exit exitError
		if asExit(err, &exit) {
			if exit.msg != "" {
				fmt.Fprintln(os.Stderr, exit.msg)
			}
			os.Exit(exit.code)
		}
		fmt.Fprintln(os.Stderr, "conserje:", err)
		os.Exit(1)
	}
}
