package builtin

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/dialog"
	"golang.org/x/text/unicode/norm"
)

// family is a language tag's family: "es-AR" → "es".
func family(lang string) string {
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		lang = lang[:i]
	}
	return strings.ToLower(lang)
}

// amenityLabels name the NLU's amenities in each language, as nouns that read after
// "tienen" / "have" / "têm".
var amenityLabels = map[string]map[string]string{
	"es": {"wifi": "wifi", "pileta": "pileta", "parrilla": "parrilla", "cochera": "cochera", "mascotas": "mascotas permitidas 🐾"},
	"en": {"wifi": "Wi-Fi", "pileta": "a pool", "parrilla": "a barbecue grill", "cochera": "parking", "mascotas": "pets allowed 🐾"},
	"pt": {"wifi": "wi-fi", "pileta": "piscina", "parrilla": "churrasqueira", "cochera": "garagem", "mascotas": "pets permitidos 🐾"},
}

func amenityLabel(lang, amenity string) string {
	if l, ok := amenityLabels[family(lang)][amenity]; ok {
		return l
	}
	if l, ok := amenityLabels["es"][amenity]; ok {
		return l
	}
	return amenity
}

// joinList joins names the way each language lists them: "a, b y c", "a, b and c".
func joinList(lang string, items []string) string {
	and := " y "
	switch family(lang) {
	case "en":
		and = " and "
	case "pt":
		and = " e "
	}
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + and + items[len(items)-1]
}

func foldType(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if r < 0x300 || r > 0x36f {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// scopeUnits narrows the units a question is about: the unit being booked, else the unit
// type the guest named, else all.
func scopeUnits(c dialog.Call, units []booking.Unit) []booking.Unit {
	if id := intArg(c, "unidad"); id != 0 {
		for _, u := range units {
			if u.ID == id {
				return []booking.Unit{u}
			}
		}
	}
	if t := foldType(c.Message.UnitType); t != "" {
		var out []booking.Unit
		for _, u := range units {
			if foldType(u.Type) == t {
				out = append(out, u)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return units
}

// infoServicios answers what units have: for each amenity asked (this message's, or the
// argument amenities) whether all, some or none of the units in scope have it.
func (a *Actions) infoServicios(ctx context.Context, c dialog.Call) (dialog.Result, error) {
	prop, err := a.property(ctx)
	if err != nil {
		return dialog.Result{}, fmt.Errorf("info_servicios: %w", err)
	}
	units := scopeUnits(c, prop.Units)
	asked := c.Message.Amenities
	if v := strsArg(c, "amenities"); len(v) > 0 && len(asked) == 0 {
		asked = v
	}
	var offered []string
	for _, u := range prop.Units {
		for _, am := range u.Amenities {
			if !slices.Contains(offered, am) {
				offered = append(offered, am)
			}
		}
	}
	offeredLabels := make([]string, 0, len(offered))
	for _, am := range offered {
		offeredLabels = append(offeredLabels, amenityLabel(c.Language, am))
	}
	answers := make([]any, 0, len(asked))
	for _, am := range asked {
		var with []string
		for _, u := range units {
			if u.HasAmenities([]string{am}) {
				with = append(with, u.Name)
			}
		}
		status := "some"
		switch {
		case len(with) == 0:
			status = "none"
		case len(with) == len(units):
			status = "all"
		}
		answers = append(answers, map[string]any{
			"amenity": am, "label": amenityLabel(c.Language, am), "status": status,
			"units": with, "units_text": joinList(c.Language, with),
		})
	}
	unitData := make([]any, 0, len(units))
	for _, u := range units {
		labels := make([]string, 0, len(u.Amenities))
		for _, am := range u.Amenities {
			labels = append(labels, amenityLabel(c.Language, am))
		}
		unitData = append(unitData, map[string]any{
			"id": u.ID, "name": u.Name, "type": u.Type, "capacity": u.Capacity,
			"amenities": u.Amenities, "amenities_text": joinList(c.Language, labels),
		})
	}
	return dialog.Result{Data: map[string]any{
		"asked": asked, "answers": answers, "units": unitData, "single": len(units) == 1,
		"available_text": joinList(c.Language, offeredLabels),
	}}, nil
}

func (a *Actions) infoUbicacion(ctx context.Context, _ dialog.Call) (dialog.Result, error) {
	p, err := a.property(ctx)
	if err != nil {
		return dialog.Result{}, fmt.Errorf("info_ubicacion: %w", err)
	}
	return dialog.Result{Data: map[string]any{
		"name": p.Name, "address": p.Address, "city": p.City, "province": p.Province, "map_url": p.MapURL,
	}}, nil
}

// policyTopics map words of the question to the policy it is about, checked in order.
var policyTopics = []struct {
	topic string
	words []string
}{
	{"cancelacion", []string{"cancel", "reembols", "devuel", "refund", "cancelo", "anul"}},
	{"sena", []string{"sena", "seña", "deposit", "adelanto", "anticipo", "sinal", "como pago", "formas de pago", "pagar"}},
	{"mascotas", []string{"mascota", "perro", "gato", "pet", "animal", "cachorro"}},
	{"chicos", []string{"chico", "niño", "nino", "nene", "bebe", "bebé", "menor", "kid", "child", "crianca", "criança"}},
	{"fumar", []string{"fumar", "fumo", "cigarr", "smok"}},
	{"minimo", []string{"minim", "mínim", "cuantas noches", "minimum"}},
	{"horarios", []string{"check in", "check-in", "checkin", "check out", "check-out", "checkout", "hora", "horario", "time", "entrada", "salida", "llegar", "llego", "llegamos", "entrar", "entramos", "salir", "temprano", "early", "late", "arriv", "a las "}},
}

func policyTopic(text string) string {
	t := strings.ToLower(text)
	for _, pt := range policyTopics {
		for _, w := range pt.words {
			if strings.Contains(t, w) {
				return pt.topic
			}
		}
	}
	return "general"
}

// infoPoliticas answers the rules: check-in/out, seña, cancellation, children, pets,
// minimum stay. topic says which one the guest asked about ("general" when unclear).
func (a *Actions) infoPoliticas(ctx context.Context, c dialog.Call) (dialog.Result, error) {
	p, err := a.property(ctx)
	if err != nil {
		return dialog.Result{}, fmt.Errorf("info_politicas: %w", err)
	}
	data := map[string]any{
		"topic": policyTopic(c.Text), "check_in_time": p.CheckInTime, "check_out_time": p.CheckOutTime,
		"deposit_percent": p.DepositPercent, "min_nights": int64(0), "long_weekend_min_nights": int64(0),
		"cancellation": "", "children": "", "pets": "", "smoking": "",
	}
	if a.deps.Policies != nil {
		pol, err := a.deps.Policies.Policies(ctx, p.ID)
		if err != nil {
			return dialog.Result{}, fmt.Errorf("info_politicas: %w", err)
		}
		for _, k := range []string{"min_nights", "long_weekend_min_nights", "cancellation", "children", "pets", "smoking"} {
			if v, ok := pol[k]; ok {
				data[k] = localized(v, c.Language)
			}
		}
	}
	return dialog.Result{Data: data}, nil
}

// derivarHumano records that a person must take over: staff are notified when a notifier
// is configured, and the result hands the conversation off (the bot pauses).
func (a *Actions) derivarHumano(ctx context.Context, c dialog.Call) (dialog.Result, error) {
	reason := strArg(c, "reason")
	if reason == "" {
		reason = c.Reason
	}
	if reason == "" {
		reason = dialog.ReasonExplicit
	}
	notified := false
	if a.deps.Staff != nil && c.Guest.ConversationID != 0 {
		if err := a.deps.Staff.NotifyHandoff(ctx, c.Guest.ConversationID, reason); err != nil {
			// The handoff itself is recorded by the conversation; a failed push only
			// means staff see it in the admin instead.
			a.log.Warn("notify staff of handoff", "conversation", c.Guest.ConversationID, "err", err)
		} else {
			notified = true
		}
	}
	return dialog.Result{Data: map[string]any{"reason": reason, "notified": notified}, Handoff: reason}, nil
}

// localized picks a policy text in the guest's language. A host writes a policy either as
// one text or as a map of language tags to texts ({"es-AR": ..., "en": ..., "pt-BR": ...});
// a missing language falls back to its base language, then Spanish, then any text.
func localized(v any, lang string) any {
	texts, ok := v.(map[string]any)
	if !ok {
		return v
	}
	base, _, _ := strings.Cut(lang, "-")
	for _, want := range []string{lang, base, "es-AR", "es"} {
		if t, ok := texts[want]; ok && want != "" {
			return t
		}
	}
	for _, key := range slices.Sorted(maps.Keys(texts)) {
		return texts[key]
	}
	return ""
}

// preciosBase answers a price asked before any date: each unit's nightly base price, for
// the units that fit the party (argument guests) and the unit type asked, cheapest first.
// Weekends and holidays cost more; the template says so.
func (a *Actions) preciosBase(ctx context.Context, c dialog.Call) (dialog.Result, error) {
	prop, err := a.property(ctx)
	if err != nil {
		return dialog.Result{}, fmt.Errorf("precios_base: %w", err)
	}
	guests := intArg(c, "guests")
	var units []booking.Unit
	for _, u := range scopeUnits(c, prop.Units) {
		if guests == 0 || int64(u.Capacity) >= guests {
			units = append(units, u)
		}
	}
	if len(units) == 0 {
		units = prop.Units
	}
	slices.SortStableFunc(units, func(x, y booking.Unit) int { return int(x.BasePriceCents - y.BasePriceCents) })
	list := make([]any, 0, len(units))
	for _, u := range units {
		list = append(list, map[string]any{"id": u.ID, "name": u.Name, "type": u.Type, "capacity": u.Capacity, "price_cents": u.BasePriceCents})
	}
	return dialog.Result{Data: map[string]any{"units": list, "guests": guests}}, nil
}
