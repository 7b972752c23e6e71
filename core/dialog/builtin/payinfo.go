package builtin

import (
	"context"
	"fmt"
	"strings"

	"github.com/conserje/conserje/core/dialog"
)

// paymentTopics map words of a payment question to what it asks, checked in order (the
// text is folded: lower case, no accents).
var paymentTopics = []struct {
	topic string
	words []string
}{
	{"resto", []string{"el resto", "resto", "saldo", "lo que falta", "restante", "al llegar", "balance", "the rest", "remaining", "on arrival", "o resto", "na chegada", "ao chegar"}},
	{"codigo", []string{"codigo", "numero de reserva", "nro de reserva", "numero de la reserva", "booking code", "reservation number", "booking number", "code"}},
	{"vencimiento", []string{"hasta que hora", "hasta cuando", "vence", "vencimiento", "guardada", "guardado", "until when", "how long", "expire", "ate quando", "ate que horas"}},
	{"descuento", []string{"descuento", "rebaja", "promo", "bonific", "discount", "desconto"}},
	{"por_persona", []string{"por persona", "por cabeza", "per person", "por pessoa", "por todo", "por el total"}},
	{"mas_barato", []string{"mas economico", "mas economica", "mas barato", "mas barata", "cheaper", "mais barato", "mais barata"}},
	{"metodos", []string{"tarjeta", "credito", "debito", "mercado pago", "mercadopago", "efectivo", "cash", "card", "pix", "cartao", "formas de pago", "medios de pago", "dolares"}},
	{"monto", []string{"cuanto", "cuanta", "how much", "quanto", "monto", "importe"}},
}

func paymentTopic(folded string) string {
	padded := " " + folded + " "
	for _, pt := range paymentTopics {
		for _, w := range pt.words {
			if strings.Contains(padded, " "+w) {
				return pt.topic
			}
		}
	}
	return "como_pagar"
}

// infoPago answers a question about paying, read against the conversation: the guest's
// hold (its code, seña, deadline, what is left to pay and how), else the units on offer
// (each one's seña), else the property's rules. topic says what was asked.
func (a *Actions) infoPago(ctx context.Context, c dialog.Call) (dialog.Result, error) {
	prop, err := a.property(ctx)
	if err != nil {
		return dialog.Result{}, fmt.Errorf("info_pago: %w", err)
	}
	data := map[string]any{
		"topic": paymentTopic(foldText(c.Text)), "has_hold": false, "has_offers": false,
		"deposit_percent": prop.DepositPercent, "alias": prop.BankTransfer.Alias, "cbu": prop.BankTransfer.CBU,
		"holder": prop.BankTransfer.Holder, "method": "transfer", "link_url": "",
		"links":  a.deps.Payments != nil && c.Guest.Allows(dialog.ConstraintNoExternalLinks),
		"offers": []any{}, "cheapest": nil,
	}
	if !c.Guest.Allows(dialog.ConstraintNoOffPlatformPayment) {
		data["method"], data["links"], data["alias"], data["cbu"], data["holder"] = "platform", false, "", "", ""
	}
	released, _ := c.Results["liberar_hold"].(map[string]any)
	if hold, ok := c.Results["pre_reservar"].(map[string]any); ok && hold["ok"] == true && (released == nil || released["code"] != hold["code"]) {
		total, _ := hold["total_cents"].(int64)
		deposit, _ := hold["deposit_cents"].(int64)
		data["has_hold"] = true
		data["hold"] = map[string]any{
			"code": hold["code"], "name": hold["name"], "check_in": hold["check_in"], "check_out": hold["check_out"],
			"total_cents": total, "deposit_cents": deposit, "balance_cents": total - deposit, "expires_at": hold["expires_at"],
		}
		if ext, ok := c.Results["extender_hold"].(map[string]any); ok && ext["ok"] == true && ext["code"] == hold["code"] {
			data["hold"].(map[string]any)["expires_at"] = ext["expires_at"]
		}
		if pay, ok := c.Results["datos_pago"].(map[string]any); ok && pay["code"] == hold["code"] && data["method"] != "platform" {
			data["method"] = pay["method"]
			data["link_url"] = pay["link_url"]
		}
	}
	if search, ok := c.Results["buscar_disponibilidad"].(map[string]any); ok {
		if offers, ok := search["offers"].([]any); ok && len(offers) > 0 {
			data["has_offers"] = true
			data["offers"] = offers
			data["cheapest"] = offers[0]
			data["guests"] = search["guests"]
		}
	}
	return dialog.Result{Data: data}, nil
}

// foldText lower-cases, removes accents and turns punctuation into single spaces.
func foldText(s string) string {
	var b strings.Builder
	space := true
	for _, r := range foldType(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r > 0x7f && r != '¿' && r != '¡':
			b.WriteRune(r)
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimSpace(b.String())
}
