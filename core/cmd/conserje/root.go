package main

import (
	"errors"
	"sort"

	"github.com/spf13/cobra"
)

// globalFlags are the flags every command shares.
type globalFlags struct {
	configPath string
}

// commandFactory builds one top-level command. Command files register theirs in init so
// adding a command never means editing a shared list.
type commandFactory func(g *globalFlags) *cobra.Command

var registered = map[string]commandFactory{}

func register(name string, f commandFactory) {
	if _, dup := registered[name]; dup {
		panic("conserje: command registered twice: " + name)
	}
	registered[name] = f
}

func newRootCmd() *cobra.Command {
	g := &globalFlags{}
	root := &cobra.Command{
		Use:           "conserje",
		Short:         "conserje, the virtual receptionist for holiday rentals",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&g.configPath, "config", "", "config file (default: $CONSERJE_CONFIG, else ./config.yaml if present, else built-in defaults)")
	names := make([]string, 0, len(registered))
	for n := range registered {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		root.AddCommand(registered[n](g))
	}
	return root
}

// exitError asks main to exit with a specific code, after printing msg (if any) on stderr.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

func asExit(err error, target *exitError) bool { return errors.As(err, target) }
