package dialog

import (
	"fmt"

	"github.com/conserje/conserje/core/dialog/spec"
)

// sayMedia answers content the dialog cannot read (a voice note before transcription, an
// image, a location) with its fixed message, or the fallback message when the catalog has
// none; the session and the fallback streak are left as they were.
func (t *turn) sayMedia(key string) {
	if _, err := t.e.catalog.Render(t.st.Language, key, t.env()); err != nil {
		key = t.settings().Fallback
	}
	t.sayWith(key, nil)
}

// say renders a template with the buttons of its step or, for an option slot, one button
// per option.
func (t *turn) say(key string, cs *step, s *slot) {
	var buttons []Button
	if cs != nil && cs.Buttons != nil {
		buttons = t.buttons(cs)
	} else if s != nil && s.Entity == spec.EntityOption {
		for _, o := range t.options(s) {
			buttons = append(buttons, Button{ID: ButtonID(s.Name, o["id"]), Title: fmt.Sprint(o["title"])})
		}
	}
	t.sayWith(key, buttons)
}

func (t *turn) sayWith(key string, buttons []Button) {
	text, err := t.e.catalog.Render(t.st.Language, key, t.env())
	if err != nil {
		t.e.log.Error("dialog: template failed", "key", key, "lang", t.st.Language, "err", err)
		if key == t.settings().Error {
			return
		}
		text, err = t.e.catalog.Render(t.st.Language, t.settings().Error, t.env())
		if err != nil {
			return
		}
		key, buttons = t.settings().Error, nil
	}
	if t.joinNext && len(t.out.Replies) > 0 {
		t.joinNext = false
		last := &t.out.Replies[len(t.out.Replies)-1]
		if r := t.settings().Resume; r != "" {
			if connector, err := t.e.catalog.Render(t.st.Language, r, t.env()); err == nil && connector != "" {
				text = connector + " " + text
			}
		}
		last.Text += "\n\n" + text
		last.Buttons = buttons
		last.Template += "+" + key
		return
	}
	t.joinNext = false
	t.out.Replies = append(t.out.Replies, Reply{Text: text, Buttons: buttons, Template: key})
}

func (t *turn) buttons(cs *step) []Button {
	b := cs.Buttons
	var out []Button
	for i, sb := range b.Static {
		if i < len(cs.shown) && cs.shown[i] != nil {
			ok, err := t.truth(cs.shown[i])
			if err != nil {
				t.e.log.Warn("dialog: button condition failed", "id", sb.ID, "expr", sb.If, "err", err)
			}
			if !ok {
				continue
			}
		}
		title, err := t.e.catalog.Render(t.st.Language, sb.Title, t.env())
		if err != nil {
			t.e.log.Warn("dialog: button title failed", "key", sb.Title, "err", err)
			continue
		}
		out = append(out, Button{ID: sb.ID, Title: title, Action: sb.Flow != ""})
	}
	if cs.from != nil {
		v, err := cs.from.Run(t.env())
		if err != nil {
			t.e.log.Warn("dialog: buttons expression failed", "expr", b.From, "err", err)
			return out
		}
		list, _ := Normalize(v).([]any)
		for _, it := range list {
			m, ok := it.(map[string]any)
			if !ok {
				continue
			}
			out = append(out, Button{ID: fmt.Sprint(m[b.IDField]), Title: fmt.Sprint(m[b.Title])})
		}
	}
	return out
}
