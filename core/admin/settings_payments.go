package admin

import (
	"github.com/gofiber/fiber/v2"

	"github.com/conserje/conserje/core/settings"
)

type paymentChoiceData struct {
	Choices []string
	Current string
	Error   string
}

func (h *Handler) paymentChoiceShow(c *fiber.Ctx) error {
	cur, err := h.opts.Settings.PaymentPlugin(c.UserContext(), h.opts.PaymentPluginDefault)
	if err != nil {
		return err
	}
	if cur == "" {
		cur = settings.BankTransfer
	}
	return h.render(c, fiber.StatusOK, "settings_payments", page{Title: "Cobro de la seña",
		Data: paymentChoiceData{Choices: h.opts.Settings.PaymentChoices(), Current: cur}})
}

func (h *Handler) paymentChoiceSave(c *fiber.Ctx) error {
	choice := c.FormValue("payment_plugin")
	err := h.opts.Settings.SetPaymentPlugin(c.UserContext(), actor(c), choice)
	if fields, ok := fieldErrors(err); ok {
		return h.render(c, fiber.StatusUnprocessableEntity, "settings_payments", page{Title: "Cobro de la seña", Error: fields["payment_plugin"],
			Data: paymentChoiceData{Choices: h.opts.Settings.PaymentChoices(), Current: choice}})
	}
	if err != nil {
		return err
	}
	return redirectWith(c, "/admin/settings/payments", "Guardado: las próximas señas se cobran así")
}
