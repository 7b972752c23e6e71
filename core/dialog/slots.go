package dialog

import (
	"strings"
	"time"

	"github.com/conserje/conserje/core/dialog/spec"
)

// extract reads slot values from the message: the NLU's entities for every declared slot,
// the answer to a pending question, and what only makes sense as the answer to the slot
// being asked (an option, a bare number, a name, yes or no).
func (t *turn) extract(awaited string) (vals map[string]any, hit, strong bool) {
	u := t.u
	if u.DaysOnly && u.CheckIn != "" {
		if prev, ok := t.st.Slots[t.slotFor(spec.EntityCheckIn)].(string); ok {
			u.CheckIn, u.CheckOut = reanchor(prev, u.CheckIn, u.CheckOut, t.today())
		}
	}
	u = t.readStay(u)
	vals = map[string]any{}
	for _, s := range t.e.dialog.Slots {
		switch s.Entity {
		case spec.EntityCheckIn:
			if u.CheckIn != "" {
				vals[s.Name] = u.CheckIn
			}
		case spec.EntityCheckOut:
			if u.CheckOut != "" {
				vals[s.Name] = u.CheckOut
			}
		case spec.EntityGuests:
			if u.Guests > 0 {
				vals[s.Name] = int64(u.Guests)
			}
		case spec.EntityAdults:
			if u.Adults > 0 {
				vals[s.Name] = int64(u.Adults)
			}
		case spec.EntityChildren:
			if u.Children > 0 {
				vals[s.Name] = int64(u.Children)
			}
		case spec.EntityUnitType:
			if u.UnitType != "" {
				vals[s.Name] = u.UnitType
			}
		case spec.EntityAmenities:
			if len(u.Amenities) > 0 {
				vals[s.Name] = Normalize(u.Amenities)
			}
		}
	}
	if p := t.st.Pending; p != nil {
		t.st.Pending = nil
		opt, ok := resolveWeekendID(t.in.OptionID, p)
		if !ok {
			opt, ok = resolveWeekend(t.folded, p)
		}
		if ok && u.CheckIn == "" {
			for _, s := range t.e.dialog.Slots {
				switch s.Entity {
				case spec.EntityCheckIn:
					vals[s.Name] = opt.CheckIn
				case spec.EntityCheckOut:
					vals[s.Name] = opt.CheckOut
				}
			}
		}
	}
	if awaited == "" {
		return vals, false, false
	}
	s := t.e.slots[awaited]
	if s == nil {
		return vals, false, false
	}
	strong = true
	switch s.Entity {
	case spec.EntityCheckOut:
		if _, ok := vals[awaited]; !ok {
			in, _ := t.st.Slots[t.slotFor(spec.EntityCheckIn)].(string)
			if in != "" && u.CheckIn > in && u.CheckOut == "" {
				vals[awaited] = u.CheckIn
				delete(vals, t.slotFor(spec.EntityCheckIn))
			} else if n, ok := nightsIn(t.folded); ok && in != "" {
				if d, err := time.Parse(time.DateOnly, in); err == nil {
					vals[awaited] = d.AddDate(0, 0, n).Format(time.DateOnly)
				}
			}
		}
	case spec.EntityGuests, spec.EntityAdults, spec.EntityChildren:
		if _, ok := vals[awaited]; !ok {
			if n, ok := bareNumber(t.folded); ok {
				vals[awaited] = int64(n)
			}
		}
	case spec.EntityOption:
		opts := t.options(s)
		m, ok := matchOptionID(s.Name, t.in.OptionID, opts)
		if !ok {
			pu := u
			if len(pu.Amenities) == 0 && anyPhrase(t.folded, thatWords...) {
				// "esa" after asking about an amenity: the option that has it.
				pu.Amenities = t.st.Discussed
			}
			m, ok = pickOption(s.Name, t.in.Text, pu, opts, t.changesStay(vals))
		}
		if ok {
			vals[awaited] = opts[m.index]["id"]
			strong = m.strong
			for _, target := range s.FillOrder {
				vals[target] = opts[m.index][s.Fills[target]]
			}
		}
	case spec.EntityText:
		if txt := strings.TrimSpace(t.in.Text); txt != "" {
			vals[awaited] = txt
		}
	case spec.EntityName:
		if n, ok := nameIn(t.in.Text); ok {
			vals[awaited] = n
		}
	case spec.EntityEmail:
		if m := emailPattern.FindString(t.in.Text); m != "" {
			vals[awaited] = strings.ToLower(m)
		}
	case spec.EntityPhone:
		if m := phonePattern.FindString(t.in.Text); m != "" {
			vals[awaited] = strings.NewReplacer(" ", "", "-", "").Replace(m)
		}
	case spec.EntityYesNo:
		if yes, ok := yesNo(t.folded); ok {
			vals[awaited] = yes
		}
	}
	_, hit = vals[awaited]
	return vals, hit, strong && hit
}

// reanchor reads bare day numbers in the month of the stay being discussed: after "del 5
// al 8/1", "mejor del 6 al 9" is January 6 to 9, not the next 6th the calendar offers.
// Dates that would fall before today are left as the NLU read them.
func reanchor(prev, in, out string, today time.Time) (string, string) {
	p, err1 := time.Parse(time.DateOnly, prev)
	ni, err2 := time.Parse(time.DateOnly, in)
	if err1 != nil || err2 != nil || (p.Year() == ni.Year() && p.Month() == ni.Month()) {
		return in, out
	}
	anchored := time.Date(p.Year(), p.Month(), ni.Day(), 0, 0, 0, 0, time.UTC)
	if anchored.Day() != ni.Day() || anchored.Format(time.DateOnly) < today.Format(time.DateOnly) {
		return in, out
	}
	newOut := out
	if no, err := time.Parse(time.DateOnly, out); err == nil {
		nights := int(no.Sub(ni).Hours() / 24)
		newOut = anchored.AddDate(0, 0, nights).Format(time.DateOnly)
	}
	return anchored.Format(time.DateOnly), newOut
}

// slotFor is the first slot filled by an entity kind.
func (t *turn) slotFor(entity string) string {
	for _, s := range t.e.dialog.Slots {
		if s.Entity == entity {
			return s.Name
		}
	}
	return ""
}

// options evaluates an option slot's list.
func (t *turn) options(s *slot) []map[string]any {
	if s.options == nil {
		return nil
	}
	v, err := s.options.Run(t.env())
	if err != nil {
		t.e.log.Warn("dialog: options expression failed", "slot", s.Name, "expr", s.Options, "err", err)
		return nil
	}
	list, _ := Normalize(v).([]any)
	out := make([]map[string]any, 0, len(list))
	for _, it := range list {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// fill stores values and validates every slot; it returns the first slot this message
// set that failed validation. Slots that became invalid through another slot's change
// (a check-out before the corrected check-in) are dropped quietly, to be asked again.
func (t *turn) fill(vals map[string]any) (invalid string) {
	changed := map[string]bool{}
	for name, v := range vals {
		if v == nil {
			continue
		}
		t.st.Slots[name] = Normalize(v)
		changed[name] = true
	}
	if len(changed) == 0 {
		return ""
	}
	t.changed()
	for _, s := range t.e.dialog.Slots {
		cs := t.e.slots[s.Name]
		if cs.validate == nil || t.st.Slots[s.Name] == nil {
			continue
		}
		ok, err := t.truth(cs.validate)
		if err != nil {
			t.e.log.Warn("dialog: validate expression failed", "slot", s.Name, "err", err)
		}
		if ok {
			continue
		}
		delete(t.st.Slots, s.Name)
		t.changed()
		if changed[s.Name] && invalid == "" {
			invalid = s.Name
		}
	}
	return invalid
}

// sayInvalid tells the guest why a value was not kept and waits for that slot again.
func (t *turn) sayInvalid(name string) {
	s := t.e.slots[name]
	key := s.Invalid
	if key == "" {
		key = s.Prompt
	}
	t.say(key, nil, s)
	if fr := t.st.top(); fr != nil {
		fr.Asked = name
	}
}
