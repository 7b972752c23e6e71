package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/store"
)

// conflictResolve marks a calendar conflict as handled by staff, recording who did it.
func (h *Handler) conflictResolve(c *fiber.Ctx) error {
	id, err := paramID(c)
	if err != nil {
		return err
	}
	who := currentStaff(c)
	now := h.opts.Now().UTC()
	err = h.db.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*store.CalendarConflict)(nil)).
			Set("resolved_at = ?", now).Set("resolved_by = ?", "staff:"+who.Username).
			Where("id = ? AND resolved_at IS NULL", id).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		payload, _ := json.Marshal(map[string]any{"conflict_id": id, "by": "staff:" + who.Username})
		_, err = tx.NewInsert().Model(&store.DomainEvent{
			AggregateType: "calendar_conflict", AggregateID: strconv.FormatInt(id, 10),
			Type: "calendar_conflict_resolved", Payload: payload, OccurredAt: now,
		}).Exec(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("admin: resolve conflict %d: %w", id, err)
	}
	return redirectWith(c, backTo(c), "Conflicto marcado como resuelto")
}
