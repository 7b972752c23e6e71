package spec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// Globals are the names every expression may use besides slots and action results.
var Globals = []string{
	"message",           // this turn: text, intent, confidence, amenities, unit_type
	"today",             // the guest's calendar day, YYYY-MM-DD
	"now",               // the instant of the message
	"language",          // the conversation's language tag
	"quiet_hours",       // whether it is quiet hours now
	"escalation_reason", // why the bot escalated by itself (fallbacks, complaint, ...)
	"property",          // the property: name, address, check-in/out times, ...
	"guest",             // the guest: name, first_name (as the channel gave it)
	"channel",           // what answers may carry on the guest's channel: links, contacts, payments
}

// Expr is a compiled expression with the root names it reads.
type Expr struct {
	Source  string
	Program *vm.Program
	Names   []string
}

// CompileExpr compiles an expression and lists the variables it reads.
func CompileExpr(src string) (*Expr, error) {
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, cleanExprError(err)
	}
	c := &nameCollector{declared: map[string]bool{}, names: map[string]bool{}}
	ast.Walk(&tree.Node, c)
	prog, err := expr.Compile(src, expr.AllowUndefinedVariables())
	if err != nil {
		return nil, cleanExprError(err)
	}
	names := make([]string, 0, len(c.names))
	for n := range c.names {
		if !c.declared[n] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return &Expr{Source: src, Program: prog, Names: names}, nil
}

// cleanExprError keeps expr's first line: the caret drawing does not fit a file:line report.
func cleanExprError(err error) error {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return fmt.Errorf("%s", msg)
}

type nameCollector struct {
	declared map[string]bool
	names    map[string]bool
}

func (c *nameCollector) Visit(n *ast.Node) {
	switch v := (*n).(type) {
	case *ast.IdentifierNode:
		c.names[v.Value] = true
	case *ast.VariableDeclaratorNode:
		c.declared[v.Name] = true
	}
}

// Run evaluates the expression over env.
func (e *Expr) Run(env map[string]any) (any, error) {
	return expr.Run(e.Program, env)
}
