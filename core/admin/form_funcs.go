package admin

import (
	"strings"
)

// formField is what the "field" template renders: a labelled input with its error.
type formField struct {
	Name, Label, Type string
	Value             any
	Err               string
}

func init() {
	funcs["fieldArgs"] = func(name, label string, value any, errs map[string]string, typ string) formField {
		return formField{Name: name, Label: label, Type: typ, Value: value, Err: errs[name]}
	}
	funcs["policyLabel"] = func(topic string) string {
		if l, ok := policyTopicLabels[topic]; ok {
			return l
		}
		return topic
	}
	funcs["join"] = strings.Join
	funcs["pesos"] = func(cents int64) string { return strings.TrimPrefix(formatMoney(cents), "$") }
	funcs["ruleLabel"] = ruleLabel
	funcs["ruleValue"] = ruleValue
	funcs["deref"] = func(v any) any {
		switch p := v.(type) {
		case *int:
			if p != nil {
				return *p
			}
		case *int64:
			if p != nil {
				return *p
			}
		}
		return ""
	}
}
