package admin

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/settings"
)

type propertyForm struct {
	P      settings.Property
	Errors map[string]string
	Topics []string
	Langs  []string
	// New is a fresh install: saving creates the property.
	New bool
}

var policyTopicLabels = map[string]string{"cancellation": "Cancelación", "children": "Niños", "pets": "Mascotas", "smoking": "Fumar"}

func (h *Handler) propertyShow(c *fiber.Ctx) error {
	p, err := h.opts.Settings.Property(c.UserContext())
	isNew := errors.Is(err, settings.ErrNotFound)
	if isNew {
		p = settings.NewProperty()
	} else if err != nil {
		return err
	}
	return h.renderProperty(c, fiber.StatusOK, propertyForm{P: p, New: isNew})
}

func (h *Handler) renderProperty(c *fiber.Ctx, status int, f propertyForm) error {
	f.Topics, f.Langs = settings.PolicyTopics, settings.PolicyLanguages
	p := page{Title: "Complejo", Data: f}
	if len(f.Errors) > 0 {
		p.Error = "Revisá los campos marcados."
	}
	return h.render(c, status, "settings_property", p)
}

func (h *Handler) propertySave(c *fiber.Ctx) error {
	errs := map[string]string{}
	p := settings.Property{
		Name: c.FormValue("name"), Address: c.FormValue("address"), City: c.FormValue("city"), Province: c.FormValue("province"),
		MapURL: c.FormValue("map_url"), Phone: c.FormValue("phone"), Email: c.FormValue("email"), Timezone: c.FormValue("timezone"),
		CheckInTime: c.FormValue("check_in_time"), CheckOutTime: c.FormValue("check_out_time"),
		DepositPercent: formInt(c, "deposit_percent", errs),
		BankAlias:      c.FormValue("bank_alias"), BankCBU: c.FormValue("bank_cbu"), BankHolder: c.FormValue("bank_holder"),
		Policies: map[string]map[string]string{},
	}
	for _, topic := range settings.PolicyTopics {
		texts := map[string]string{}
		for _, lang := range settings.PolicyLanguages {
			texts[lang] = c.FormValue("policy." + topic + "." + lang)
		}
		p.Policies[topic] = texts
	}
	if len(errs) == 0 {
		_, err := h.opts.Settings.SaveProperty(c.UserContext(), actor(c), p)
		if fields, ok := fieldErrors(err); ok {
			errs = fields
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		return h.renderProperty(c, fiber.StatusUnprocessableEntity, propertyForm{P: p, Errors: errs})
	}
	return redirectWith(c, "/admin/settings/property", "Datos del complejo guardados")
}
