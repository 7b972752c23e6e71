package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

func TestSearchFold(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"ascii upper", "AGUSTINA Pérez", "agustina perez"},
		{"accents both cases", "ÁÉÍÓÚÜÑÇ áéíóúüñç àâãåõ", "aeiouunc aeiouunc aaaao"},
		{"digits and signs kept", "+54 9 351 765-4321", "+54 9 351 765-4321"},
		{"other letters kept", "Łukasz Ωmega", "Łukasz Ωmega"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, store.SearchFold(tc.in)) })
	}
}

// TestSearchKeysKeptByTheDatabase: every writer of a conversation or a booking leaves its
// search_key folded exactly as SearchFold folds what staff type, on insert and on update.
func TestSearchKeysKeptByTheDatabase(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		names := []struct{ name, guest, contact string }{
			{"accented", "Agustína PÉREZ Ñandú", "+5493517654321"},
			{"e-mail", "Çağla Öz", "Agus.Perez@Example.COM"},
			{"no name", "", "web:ab3391"},
		}
		u := unit(t, db, "search")
		for i, tc := range names {
			t.Run(tc.name, func(t *testing.T) {
				conv := store.Conversation{Channel: "whatsapp", Contact: tc.contact, GuestName: tc.guest, State: "bot", Session: json.RawMessage("{}")}
				_, err := db.NewInsert().Model(&conv).Exec(ctx)
				require.NoError(t, err)
				var key string // a model's select leaves the column out: it is read by name
				require.NoError(t, db.NewSelect().Model((*store.Conversation)(nil)).Column("search_key").Where("id = ?", conv.ID).Scan(ctx, &key))
				assert.Equal(t, store.SearchFold(tc.guest+" "+tc.contact), key)

				phone := "+54 9 (351) 765-43." + string(rune('0'+i))
				res := store.Reservation{Code: "RES27010" + string(rune('0'+i)), AccommodationID: u, CheckIn: store.NewDate(2027, 1, 1+2*i),
					CheckOut: store.NewDate(2027, 1, 2+2*i), Guests: 2, GuestName: tc.guest, GuestPhone: phone, GuestEmail: tc.contact,
					Status: store.StatusConfirmed, Currency: "ARS", Quote: json.RawMessage("{}"), Source: "test", ConversationID: &conv.ID}
				_, err = db.NewInsert().Model(&res).Exec(ctx)
				require.NoError(t, err)
				require.NoError(t, db.NewSelect().Model((*store.Reservation)(nil)).Column("search_key").Where("id = ?", res.ID).Scan(ctx, &key))
				assert.Equal(t, store.SearchFold(res.Code+" "+tc.guest+" "+tc.contact+" "+phone)+" 54935176543"+string(rune('0'+i)), key)

				// Staff rename the guest: both keys follow.
				_, err = db.NewUpdate().Model((*store.Conversation)(nil)).Set("guest_name = ?", "Álvaro").Where("id = ?", conv.ID).Exec(ctx)
				require.NoError(t, err)
				_, err = db.NewUpdate().Model((*store.Reservation)(nil)).Set("guest_name = ?", "Álvaro").Where("id = ?", res.ID).Exec(ctx)
				require.NoError(t, err)
				var convKey, resKey string
				require.NoError(t, db.NewSelect().Model((*store.Conversation)(nil)).Column("search_key").Where("id = ?", conv.ID).Scan(ctx, &convKey))
				require.NoError(t, db.NewSelect().Model((*store.Reservation)(nil)).Column("search_key").Where("id = ?", res.ID).Scan(ctx, &resKey))
				assert.Equal(t, store.SearchFold("alvaro "+tc.contact), convKey)
				assert.Equal(t, store.SearchFold(res.Code+" alvaro "+tc.contact+" "+phone)+" 54935176543"+string(rune('0'+i)), resKey)
			})
		}
	})
}
