package inquiry

import (
	"regexp"
	"strings"
)

var (
	attributionRe = regexp.MustCompile(`(?i)(escribió|escribio|wrote|escreveu)\s*:\s*$`)
	openerRe      = regexp.MustCompile(`^(El|On|Em|Le)\s`)
	separatorRe   = regexp.MustCompile(`(?i)^-{2,}\s*(mensaje original|original message|mensagem original|forwarded message|mensaje reenviado)\s*-{2,}`)
	underscoreRe  = regexp.MustCompile(`^_{8,}\s*$`)
	headerLineRe  = regexp.MustCompile(`(?i)^(de|from|enviado|enviado el|sent|para|to|asunto|subject|fecha|date)\s*:`)
	footerRe      = regexp.MustCompile(`(?i)^(enviado desde mi|sent from my|enviado desde|get outlook for|obtener outlook para|enviado do meu)\b`)
)

// splitReply returns what the sender wrote above the quoted history (attribution lines
// "El … escribió:" / "On … wrote:", also when quoted, "-----Mensaje original-----",
// Outlook's "____" + "De: … Enviado: …" block), without '>' lines and device footers.
// body keeps the signature (phones live there); text stops at the "-- " delimiter.
func splitReply(s string) (text, body string) {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	end := len(lines)
	for i, l := range lines {
		t := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l), "> "))
		switch {
		case attributionRe.MatchString(t):
			end = i
			// A long attribution wraps: "El lun, … (<" / "reservas@…>) escribió:".
			if !openerRe.MatchString(t) && i > 0 && openerRe.MatchString(strings.TrimSpace(lines[i-1])) {
				end = i - 1
			}
		case separatorRe.MatchString(t), underscoreRe.MatchString(t):
			end = i
		case quotedHeaderBlock(lines, i):
			end = i
		default:
			continue
		}
		break
	}
	var kept []string
	for _, l := range lines[:end] {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, ">") || footerRe.MatchString(t) {
			continue
		}
		kept = append(kept, strings.TrimRight(l, " \t"))
	}
	body = strings.TrimSpace(strings.Join(kept, "\n"))
	text = body
	for i, l := range kept {
		if l == "--" || l == "-- " || strings.TrimSpace(l) == "--" {
			text = strings.TrimSpace(strings.Join(kept[:i], "\n"))
			break
		}
	}
	return text, body
}

// quotedHeaderBlock: a "De:"/"From:" line followed by another header line ("Enviado:",
// "Sent:") starts a quoted message without a separator line.
func quotedHeaderBlock(lines []string, i int) bool {
	t := strings.ToLower(strings.TrimSpace(lines[i]))
	if !strings.HasPrefix(t, "de:") && !strings.HasPrefix(t, "from:") {
		return false
	}
	return i+1 < len(lines) && headerLineRe.MatchString(strings.TrimSpace(lines[i+1]))
}
