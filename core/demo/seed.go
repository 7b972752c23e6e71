package demo

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/conserje/conserje/core/store"
)

// PropertySlug identifies the demo property.
const PropertySlug = "los-robles"

// AdminUser is the staff user the demo creates.
const AdminUser = "admin"

// Result says what Seed did.
type Result struct {
	// Created is true when the demo property was inserted by this call.
	Created bool
	// AdminPassword is set only when this call generated the admin password; it is shown
	// once and never stored in clear.
	AdminPassword string
	// AdminPasswordSet is true when the admin password was set from the configuration.
	AdminPasswordSet bool
}

// Unit is one demo accommodation.
type Unit struct {
	Slug           string
	Name           string
	Type           string
	Capacity       int
	BasePriceCents int64
	Amenities      []string
	Description    string
}

// Units are the demo's accommodations, as in demo.md.
var Units = []Unit{
	{Slug: "cabana-robles", Name: "Cabaña Robles", Type: "cabaña", Capacity: 4, BasePriceCents: 4_500_000,
		Amenities:   []string{"wifi", "pileta", "parrilla", "cochera"},
		Description: "Cabaña para 4 entre robles, con parrilla propia y acceso a la pileta."},
	{Slug: "cabana-coihue", Name: "Cabaña Coihue", Type: "cabaña", Capacity: 6, BasePriceCents: 6_000_000,
		Amenities:   []string{"wifi", "pileta", "parrilla", "mascotas", "cochera"},
		Description: "Cabaña para 6, pet friendly, con parrilla y vista a las sierras."},
	{Slug: "depto-centro", Name: "Depto Centro", Type: "departamento", Capacity: 2, BasePriceCents: 3_000_000,
		Amenities:   []string{"wifi", "cochera"},
		Description: "Departamento para 2 a pasos del centro de Villa General Belgrano."},
}

func demoProperty() *store.Property {
	// Texts per language: the receptionist answers English and Brazilian guests in theirs.
	policies, _ := json.Marshal(map[string]any{
		"min_nights":              2,
		"long_weekend_min_nights": 3,
		"cancellation": map[string]string{
			"es-AR": "La seña no es reembolsable; podés cambiar las fechas sin cargo avisando con 15 días de anticipación, sujeto a disponibilidad.",
			"en":    "The deposit is not refundable; you can change your dates at no cost with 15 days' notice, subject to availability.",
			"pt-BR": "O sinal não é reembolsável; você pode mudar as datas sem custo avisando com 15 dias de antecedência, sujeito a disponibilidade.",
		},
		"children": map[string]string{
			"es-AR": "Los chicos son bienvenidos; los bebés cuentan como huéspedes.",
			"en":    "Children are welcome; babies count as guests.",
			"pt-BR": "Crianças são bem-vindas; bebês contam como hóspedes.",
		},
		"pets": map[string]string{
			"es-AR": "Mascotas solo en Cabaña Coihue, con aviso previo.",
			"en":    "Pets only in Cabaña Coihue, with prior notice.",
			"pt-BR": "Animais de estimação só na Cabaña Coihue, com aviso prévio.",
		},
		"smoking": map[string]string{
			"es-AR": "No se fuma dentro de las unidades.",
			"en":    "No smoking inside the units.",
			"pt-BR": "Não é permitido fumar dentro das unidades.",
		},
	})
	return &store.Property{
		Slug:           PropertySlug,
		Name:           "Complejo Los Robles",
		Address:        "Av. San Martín 1450, Villa General Belgrano, Córdoba",
		City:           "Villa General Belgrano",
		Province:       "Córdoba",
		MapURL:         "https://maps.google.com/?q=-31.9786,-64.5592",
		Phone:          "+54 9 3546 000000",
		Email:          "reservas@losrobles.example",
		Timezone:       "America/Argentina/Buenos_Aires",
		CheckInTime:    "14:00",
		CheckOutTime:   "10:00",
		DepositPercent: 30,
		BankAlias:      "los.robles.demo",
		BankCBU:        "0000003100012345678901",
		BankHolder:     "Complejo Los Robles",
		Policies:       policies,
	}
}

func ptr[T any](v T) *T { return &v }

func demoRules(propertyID int64) []store.PricingRule {
	return []store.PricingRule{
		{PropertyID: propertyID, Kind: "weekend_multiplier", Name: "Noche antes de sábado o domingo", MultiplierBP: ptr(12000), Active: true},
		{PropertyID: propertyID, Kind: "holiday_multiplier", Name: "Noche antes de feriado", MultiplierBP: ptr(13000), Active: true},
		{PropertyID: propertyID, Kind: "min_stay", Name: "Estadía mínima", Nights: ptr(2), Active: true},
		{PropertyID: propertyID, Kind: "long_weekend_min_stay", Name: "Estadía mínima en fin de semana largo", Nights: ptr(3), Active: true},
		{PropertyID: propertyID, Kind: "deposit_percent", Name: "Seña", PercentBP: ptr(3000), Active: true},
	}
}

// Seed loads the demo property, its units, pricing rules and the admin user, once. Later
// calls change nothing, except that a configured adminPassword replaces the stored one.
func Seed(ctx context.Context, db *store.DB, adminPassword string) (Result, error) {
	var res Result
	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		prop := new(store.Property)
		err := tx.NewSelect().Model(prop).Where("slug = ?", PropertySlug).Scan(ctx)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			prop = demoProperty()
			if _, err := tx.NewInsert().Model(prop).Returning("id").Exec(ctx); err != nil {
				return fmt.Errorf("insert demo property: %w", err)
			}
			for _, u := range Units {
				acc := &store.Accommodation{
					PropertyID: prop.ID, Slug: u.Slug, Name: u.Name, UnitType: u.Type,
					Capacity: u.Capacity, BaseOccupancy: u.Capacity, BasePriceCents: u.BasePriceCents,
					Amenities: u.Amenities, Description: u.Description, Active: true,
				}
				if _, err := tx.NewInsert().Model(acc).Exec(ctx); err != nil {
					return fmt.Errorf("insert demo unit %s: %w", u.Slug, err)
				}
			}
			rules := demoRules(prop.ID)
			if _, err := tx.NewInsert().Model(&rules).Exec(ctx); err != nil {
				return fmt.Errorf("insert demo pricing rules: %w", err)
			}
			res.Created = true
		case err != nil:
			return fmt.Errorf("look up demo property: %w", err)
		}
		return seedAdmin(ctx, tx, adminPassword, &res)
	})
	return res, err
}

func seedAdmin(ctx context.Context, tx bun.Tx, password string, res *Result) error {
	user := new(store.StaffUser)
	err := tx.NewSelect().Model(user).Where("username = ?", AdminUser).Scan(ctx)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("look up admin user: %w", err)
	}
	if exists && password == "" {
		return nil
	}
	if exists && bcrypt.CompareHashAndPassword([]byte(user.PasswordHash), []byte(password)) == nil {
		return nil
	}
	generated := false
	if password == "" {
		if password, err = randomPassword(); err != nil {
			return err
		}
		generated = true
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hash admin password: %w", err)
	}
	if exists {
		_, err = tx.NewUpdate().Model((*store.StaffUser)(nil)).
			Set("password_hash = ?", string(hash)).Set("updated_at = ?", time.Now().UTC()).
			Where("id = ?", user.ID).Exec(ctx)
	} else {
		_, err = tx.NewInsert().Model(&store.StaffUser{
			Username: AdminUser, DisplayName: "Administrador", PasswordHash: string(hash), Role: "admin", Active: true,
		}).Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("save admin user: %w", err)
	}
	if generated {
		res.AdminPassword = password
	} else {
		res.AdminPasswordSet = true
	}
	return nil
}

func randomPassword() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate admin password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
