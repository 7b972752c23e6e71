package settings

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/conserje/conserje/core/booking"
	"github.com/conserje/conserje/core/store"
)

// PolicyTopics are the written policies the bot quotes (builtin info_politicas).
var PolicyTopics = []string{"cancellation", "children", "pets", "smoking"}

// PolicyLanguages are the languages a policy is written in, as the bot looks them up.
var PolicyLanguages = []string{"es-AR", "en", "pt-BR"}

// Property is the complex as the host sets it up. Policies maps a topic of PolicyTopics to
// its text per language of PolicyLanguages.
type Property struct {
	ID             int64                        `json:"id"`
	Name           string                       `json:"name"`
	Address        string                       `json:"address"`
	City           string                       `json:"city"`
	Province       string                       `json:"province"`
	MapURL         string                       `json:"map_url"`
	Phone          string                       `json:"phone"`
	Email          string                       `json:"email"`
	Timezone       string                       `json:"timezone"`
	CheckInTime    string                       `json:"check_in_time"`
	CheckOutTime   string                       `json:"check_out_time"`
	DepositPercent int                          `json:"deposit_percent"`
	BankAlias      string                       `json:"bank_alias"`
	BankCBU        string                       `json:"bank_cbu"`
	BankHolder     string                       `json:"bank_holder"`
	Policies       map[string]map[string]string `json:"policies"`
}

// NewProperty is what a fresh install starts from.
func NewProperty() Property {
	return Property{Timezone: booking.DefaultZone, CheckInTime: "14:00", CheckOutTime: "10:00", DepositPercent: 30,
		Policies: map[string]map[string]string{}}
}

func propertyFromModel(m store.Property) Property {
	p := Property{
		ID: m.ID, Name: m.Name, Address: m.Address, City: m.City, Province: m.Province, MapURL: m.MapURL,
		Phone: m.Phone, Email: m.Email, Timezone: m.Timezone, CheckInTime: m.CheckInTime, CheckOutTime: m.CheckOutTime,
		DepositPercent: m.DepositPercent, BankAlias: m.BankAlias, BankCBU: m.BankCBU, BankHolder: m.BankHolder,
		Policies: map[string]map[string]string{},
	}
	var raw map[string]any
	_ = json.Unmarshal(m.Policies, &raw)
	for _, topic := range PolicyTopics {
		switch v := raw[topic].(type) {
		case string:
			if v != "" {
				p.Policies[topic] = map[string]string{"es-AR": v}
			}
		case map[string]any:
			texts := map[string]string{}
			for lang, t := range v {
				if s, ok := t.(string); ok && s != "" {
					texts[lang] = s
				}
			}
			if len(texts) > 0 {
				p.Policies[topic] = texts
			}
		}
	}
	return p
}

// Property returns the property (the first one: an installation runs one complex), or
// ErrNotFound on a fresh install.
func (s *Service) Property(ctx context.Context) (Property, error) {
	m, err := s.propertyRow(ctx, s.db.DB)
	if err != nil {
		return Property{}, err
	}
	return propertyFromModel(m), nil
}

func (s *Service) propertyRow(ctx context.Context, db bun.IDB) (store.Property, error) {
	var m store.Property
	err := db.NewSelect().Model(&m).Order("id").Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return m, fmt.Errorf("property: %w", ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("load property: %w", err)
	}
	return m, nil
}

var (
	clockPattern = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	aliasPattern = regexp.MustCompile(`^[A-Za-z0-9.-]{6,20}$`)
)

func (p *Property) normalize() {
	for _, f := range []*string{&p.Name, &p.Address, &p.City, &p.Province, &p.MapURL, &p.Phone, &p.Email,
		&p.Timezone, &p.CheckInTime, &p.CheckOutTime, &p.BankAlias, &p.BankHolder} {
		*f = strings.TrimSpace(*f)
	}
	p.BankCBU = strings.NewReplacer(" ", "", "-", "").Replace(p.BankCBU)
	if p.Timezone == "" {
		p.Timezone = booking.DefaultZone
	}
	for topic, texts := range p.Policies {
		for lang, t := range texts {
			if t = strings.TrimSpace(t); t == "" {
				delete(texts, lang)
			} else {
				texts[lang] = t
			}
		}
		if len(texts) == 0 {
			delete(p.Policies, topic)
		}
	}
}

func (p Property) validate() error {
	fe := fieldErrors{}
	textField(fe, "name", p.Name, 1, 120)
	textField(fe, "address", p.Address, 0, 200)
	textField(fe, "city", p.City, 0, 100)
	textField(fe, "province", p.Province, 0, 100)
	textField(fe, "phone", p.Phone, 0, 40)
	textField(fe, "bank_holder", p.BankHolder, 0, 100)
	urlField(fe, "map_url", p.MapURL)
	if p.Email != "" && (!strings.Contains(p.Email, "@") || len(p.Email) > 254) {
		fe.add("email", "is not an e-mail address")
	}
	if _, err := time.LoadLocation(p.Timezone); err != nil {
		fe.add("timezone", "unknown time zone (e.g. America/Argentina/Buenos_Aires)")
	}
	if !clockPattern.MatchString(p.CheckInTime) {
		fe.add("check_in_time", "use HH:MM, e.g. 14:00")
	}
	if !clockPattern.MatchString(p.CheckOutTime) {
		fe.add("check_out_time", "use HH:MM, e.g. 10:00")
	}
	if p.DepositPercent < 0 || p.DepositPercent > 100 {
		fe.add("deposit_percent", "between 0 and 100")
	}
	if p.BankAlias != "" && !aliasPattern.MatchString(p.BankAlias) {
		fe.add("bank_alias", "6 to 20 letters, digits, dots or dashes")
	}
	if p.BankCBU != "" && !ValidCBU(p.BankCBU) {
		fe.add("bank_cbu", "22 digits with valid check digits (CBU or CVU)")
	}
	for topic, texts := range p.Policies {
		if !contains(PolicyTopics, topic) {
			fe.add("policies."+topic, "unknown topic (cancellation, children, pets, smoking)")
			continue
		}
		for lang, t := range texts {
			if !contains(PolicyLanguages, lang) {
				fe.add("policies."+topic+"."+lang, "unknown language (es-AR, en, pt-BR)")
			} else if utf8.RuneCountInString(t) > 2000 {
				fe.add("policies."+topic+"."+lang, "at most 2000 characters")
			}
		}
	}
	return fe.err()
}

// ValidCBU checks the two check digits of an Argentine CBU or CVU (22 digits).
func ValidCBU(s string) bool {
	if len(s) != 22 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	check := func(block string, weights []int) bool {
		sum := 0
		for i, w := range weights {
			sum += int(block[i]-'0') * w
		}
		return int(block[len(weights)]-'0') == (10-sum%10)%10
	}
	return check(s[:8], []int{7, 1, 3, 9, 7, 1, 3}) && check(s[8:], []int{3, 9, 7, 1, 3, 9, 7, 1, 3, 9, 7, 1, 3})
}

// SaveProperty validates p and writes it: the first save of a fresh install creates the
// property, later ones update it. Policy keys it does not manage (min_nights...) are kept.
func (s *Service) SaveProperty(ctx context.Context, actor string, p Property) (Property, error) {
	p.normalize()
	if err := p.validate(); err != nil {
		return Property{}, err
	}
	err := s.change(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		cur, err := s.propertyRow(ctx, tx)
		creating := errors.Is(err, ErrNotFound)
		if err != nil && !creating {
			return err
		}
		var old any
		pol := map[string]any{}
		if !creating {
			prev := propertyFromModel(cur)
			old = prev
			p.ID = cur.ID
			_ = json.Unmarshal(cur.Policies, &pol)
		}
		for _, topic := range PolicyTopics {
			delete(pol, topic)
			if texts, ok := p.Policies[topic]; ok {
				pol[topic] = texts
			}
		}
		rawPol, err := json.Marshal(pol)
		if err != nil {
			return fmt.Errorf("encode policies: %w", err)
		}
		m := store.Property{
			ID: p.ID, Name: p.Name, Address: p.Address, City: p.City, Province: p.Province, MapURL: p.MapURL,
			Phone: p.Phone, Email: p.Email, Timezone: p.Timezone, CheckInTime: p.CheckInTime, CheckOutTime: p.CheckOutTime,
			DepositPercent: p.DepositPercent, BankAlias: p.BankAlias, BankCBU: p.BankCBU, BankHolder: p.BankHolder,
			Policies: rawPol, UpdatedAt: now,
		}
		action := "update"
		if creating {
			action = "create"
			m.Slug = slugify(p.Name)
			m.CreatedAt = now
			if _, err := tx.NewInsert().Model(&m).Exec(ctx); err != nil {
				return fmt.Errorf("create property: %w", err)
			}
			p.ID = m.ID
		} else {
			if _, err := tx.NewUpdate().Model(&m).ExcludeColumn("slug", "created_at").WherePK().Exec(ctx); err != nil {
				return fmt.Errorf("update property: %w", err)
			}
		}
		return Record(ctx, tx, now, actor, action, "property", p.ID, diff(old, p))
	})
	if err != nil {
		return Property{}, err
	}
	return p, nil
}

func textField(fe fieldErrors, field, v string, minLen, maxLen int) {
	n := utf8.RuneCountInString(v)
	switch {
	case n < minLen && n == 0:
		fe.add(field, "required")
	case n < minLen:
		fe.add(field, fmt.Sprintf("at least %d characters", minLen))
	case n > maxLen:
		fe.add(field, fmt.Sprintf("at most %d characters", maxLen))
	}
}

func urlField(fe fieldErrors, field, v string) {
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(v) > 500 {
		fe.add(field, "an http(s) address")
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

var slugStrip = regexp.MustCompile(`[^a-z0-9]+`)

// slugify makes a URL-safe name: "Cabaña Ñandú 2" → "cabana-nandu-2".
func slugify(name string) string {
	r := strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ñ", "n", "ç", "c", "ã", "a", "õ", "o", "â", "a", "ê", "e", "ô", "o")
	s := slugStrip.ReplaceAllString(r.Replace(strings.ToLower(name)), "-")
	s = strings.Trim(s, "-")
	if s == "" {
		s = "x"
	}
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	return s
}
