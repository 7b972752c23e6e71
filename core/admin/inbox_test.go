package admin_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conserje/conserje/core/admin"
	"github.com/conserje/conserje/core/conversation"
	"github.com/conserje/conserje/core/store"
	"github.com/conserje/conserje/core/store/storetest"
)

// recordingReplies records staff replies; the admin only forwards them.
type recordingReplies struct {
	mu  sync.Mutex
	got []conversation.StaffReply
}

func (r *recordingReplies) SendStaffReply(_ context.Context, reply conversation.StaffReply) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if strings.TrimSpace(reply.Text) == "" {
		return conversation.ErrEmptyReply
	}
	r.got = append(r.got, reply)
	return nil
}

// addConversation stores a conversation with one guest message at the given time.
func addConversation(t *testing.T, db *store.DB, c store.Conversation, guestSaid string, at time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	c.Session, c.LastInboundAt, c.LastMessageAt, c.CreatedAt, c.UpdatedAt = json.RawMessage("{}"), &at, &at, at, at
	if c.State == "" {
		c.State = "bot"
	}
	_, err := db.NewInsert().Model(&c).Returning("id").Exec(ctx)
	require.NoError(t, err)
	_, err = db.NewInsert().Model(&store.Message{ConversationID: c.ID, Direction: "in", Channel: c.Channel, Kind: "text", Text: guestSaid,
		Payload: json.RawMessage("{}"), Status: "processed", CreatedAt: at}).Exec(ctx)
	require.NoError(t, err)
	return c.ID
}

func TestInboxShowsGuestsReadably(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setupOn(t, db)
		at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
		web := addConversation(t, e.db, store.Conversation{Channel: "webchat", Contact: "wc_ab3391aa00bb11cc22dd33ee", AddressKind: "web"}, "hola, ¿tienen pileta?", at)
		wa := addConversation(t, e.db, store.Conversation{Channel: "whatsapp", Contact: "+5491155550000", AddressKind: "phone", GuestName: `Ana <script>alert(1)</script>`},
			"para 2 en enero", at.Add(time.Minute))
		esc := addConversation(t, e.db, store.Conversation{Channel: "whatsapp", Contact: "+5493515550101", AddressKind: "phone", GuestName: "Bruno",
			State: "escalated", EscalationReason: "explicit"}, "quiero hablar con alguien <b>ya</b>", at.Add(-time.Hour))
		_ = web
		addConversation(t, e.db, store.Conversation{Channel: "whatsapp", Contact: "+5493517654321", AddressKind: "phone", GuestName: "Agustína Pérez"},
			"hola", at.Add(-2*time.Hour))
		// Bruno booked for his brother, with the phone typed with separators.
		_, err := e.db.NewInsert().Model(&store.Reservation{Code: "RES27030001", AccommodationID: e.hold.UnitID, CheckIn: store.NewDate(2027, 3, 1),
			CheckOut: store.NewDate(2027, 3, 3), Guests: 2, GuestName: "Carlos Núñez", GuestPhone: "+54 (261) 555-0199", Status: store.StatusConfirmed,
			Currency: "ARS", Quote: json.RawMessage("{}"), Source: "test", ConversationID: &esc}).Exec(context.Background())
		require.NoError(t, err)

		b := &browser{t: t, app: e.app, cookies: map[string]string{}}
		b.login("correct horse")
		_, page := b.do(http.MethodGet, "/admin/conversations", nil)
		assert.NotContains(t, page, "wc_ab3391", "the web chat's id is not a name")
		assert.Contains(t, page, "Visitante del chat web …33ee")
		assert.Contains(t, page, "Chat web")
		assert.Contains(t, page, "&#43;5491155550000")
		assert.NotContains(t, page, "<script>alert(1)</script>")
		assert.Contains(t, page, "Ana &lt;script&gt;alert(1)&lt;/script&gt;")
		bruno, ana := strings.Index(page, "Bruno"), strings.Index(page, "Ana &lt;")
		assert.True(t, bruno > 0 && bruno < ana, "escalated first")
		assert.Contains(t, page, "sin leer")

		tests := []struct {
			name, query string
			want        []string
			notWant     []string
		}{
			{"by name", "ana", []string{"Ana &lt;"}, []string{"Bruno"}},
			{"by name, accents and case folded", "ÁNA", []string{"Ana &lt;"}, []string{"Bruno"}},
			{"by a name written with accents", "agustina", []string{"Agustína Pérez"}, []string{"Bruno", "Ana &lt;"}},
			{"by its accents", "Pérez", []string{"Agustína Pérez"}, []string{"Bruno", "Ana &lt;"}},
			{"by phone in pieces", "351 765", []string{"Agustína Pérez"}, []string{"Bruno", "Ana &lt;"}},
			{"by a booking's phone typed with separators", "2615550199", []string{"Bruno"}, []string{"Agustína Pérez", "Ana &lt;"}},
			{"by a booking's guest name", "CARLÓS", []string{"Bruno"}, []string{"Agustína Pérez", "Ana &lt;"}},
			{"by phone as typed", "11 5555-0000", []string{"Ana &lt;"}, []string{"Bruno"}},
			{"by reservation code", strings.ToLower(e.hold.Code), []string{}, []string{"Bruno", "Ana &lt;"}},
			{"nothing", "zzz%_", []string{"Ninguna conversación coincide"}, []string{"Bruno"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, page := b.do(http.MethodGet, "/admin/conversations?q="+url.QueryEscape(tc.query), nil)
				for _, w := range tc.want {
					assert.Contains(t, page, w)
				}
				for _, w := range tc.notWant {
					assert.NotContains(t, page, w)
				}
			})
		}

		_, page = b.do(http.MethodGet, fmt.Sprintf("/admin/conversations/%d", esc), nil)
		assert.Contains(t, page, "El huésped pidió hablar con una persona")
		assert.Contains(t, page, "«quiero hablar con alguien &lt;b&gt;ya&lt;/b&gt;»", "the guest's own words, escaped")
		assert.NotContains(t, page, ">explicit<")
		resp, _ := b.do(http.MethodGet, fmt.Sprintf("/admin/conversations/%d", wa), nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		_, page = b.do(http.MethodGet, "/admin/conversations?q=ana", nil)
		assert.NotContains(t, page, "sin leer", "opening a conversation reads it")
	})
}

func TestInboxPages(t *testing.T) {
	t.Parallel()
	e := setup(t)
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for i := range 120 {
		addConversation(t, e.db, store.Conversation{Channel: "whatsapp", Contact: fmt.Sprintf("+54911000%05d", i), AddressKind: "phone",
			GuestName: fmt.Sprintf("Huésped %03d", i)}, "hola", at.Add(time.Duration(i)*time.Minute))
	}
	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	b.login("correct horse")
	tests := []struct {
		name       string
		page       string
		first      string
		prev, next bool
	}{
		{"first", "1", "Huésped 119", false, true},
		{"second", "2", "Huésped 069", true, true},
		{"last", "3", "Huésped 019", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, page := b.do(http.MethodGet, "/admin/conversations?page="+tc.page, nil)
			assert.Equal(t, tc.first, firstGuest(page))
			assert.Equal(t, tc.prev, strings.Contains(page, `rel="prev"`))
			assert.Equal(t, tc.next, strings.Contains(page, `rel="next"`))
		})
	}
}

func firstGuest(page string) string {
	_, rest, ok := strings.Cut(page, `<strong class="guest">`)
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "<")
	return name
}

func TestReplyAndNotesNeedTheSessionsCSRFToken(t *testing.T) {
	t.Parallel()
	replies := &recordingReplies{}
	e := setupWith(t, storetest.SQLite(t), func(o *admin.Options) { o.Replies = replies })
	id := addConversation(t, e.db, store.Conversation{Channel: "webchat", Contact: "wc_000000000000000000000001", AddressKind: "web"}, "hola", time.Now())
	path := fmt.Sprintf("/admin/conversations/%d", id)
	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	b.login("correct horse")
	_, page := b.do(http.MethodGet, path, nil)
	csrf := csrfField.FindStringSubmatch(page)[1]
	key := keyField.FindStringSubmatch(page)
	require.NotNil(t, key, "the reply form has its own key")

	tests := []struct {
		name, action string
		form         url.Values
		status       int
	}{
		{"reply without token", "/reply", url.Values{"text": {"hola"}}, http.StatusForbidden},
		{"reply with a forged token", "/reply", url.Values{"text": {"hola"}, "csrf": {"forged"}}, http.StatusForbidden},
		{"note without token", "/notes", url.Values{"text": {"llamar"}}, http.StatusForbidden},
		{"reply", "/reply", url.Values{"text": {"Hola, soy Marta <b>"}, "csrf": {csrf}, "key": {key[1]}}, http.StatusSeeOther},
		{"note", "/notes", url.Values{"text": {"Pidió cuna <script>x</script>"}, "csrf": {csrf}}, http.StatusSeeOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := b.do(http.MethodPost, path+tc.action, tc.form)
			assert.Equal(t, tc.status, resp.StatusCode)
		})
	}
	require.Len(t, replies.got, 1)
	assert.Equal(t, conversation.StaffReply{ConversationID: id, Text: "Hola, soy Marta <b>", By: "admin", Name: replies.got[0].Name, Key: key[1]}, replies.got[0])
	_, page = b.do(http.MethodGet, path, nil)
	assert.Contains(t, page, "Pidió cuna &lt;script&gt;x&lt;/script&gt;")
	assert.NotContains(t, page, "<script>x</script>")
	assert.Contains(t, page, "— admin")
}

func TestReportsPage(t *testing.T) {
	t.Parallel()
	e := setup(t)
	_, err := e.db.NewUpdate().Model((*store.Reservation)(nil)).Set("status = ?", store.StatusConfirmed).Set("paid_cents = total_cents").
		Where("id = ?", e.hold.ID).Exec(context.Background())
	require.NoError(t, err)
	// The tables are written without html/template: a unit's name is still escaped.
	_, err = e.db.NewUpdate().Model((*store.Accommodation)(nil)).Set("name = ?", `Depto <i>Centro</i> & "co"`).
		Where("name = 'Depto Centro'").Exec(context.Background())
	require.NoError(t, err)
	var hold store.Reservation
	require.NoError(t, e.db.NewSelect().Model(&hold).Where("id = ?", e.hold.ID).Scan(context.Background()))
	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	b.login("correct horse")
	resp, page := b.do(http.MethodGet, "/admin/reports?year=2027", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, page, "Ocupación por unidad y mes")
	assert.Contains(t, page, "Cabaña Robles")
	assert.Contains(t, page, "title=\"3 de 31 noches\">10\u00a0%", "3 nights of January 2027")
	assert.Contains(t, page, "<td>"+formatMoneyForTest(hold.TotalCents/3*3)+"</td>", "January's revenue, paid in full")
	assert.Contains(t, page, `<th scope="row">Depto &lt;i&gt;Centro&lt;/i&gt; &amp; &#34;co&#34;</th>`)
	assert.NotContains(t, page, "<i>Centro</i>")
	assert.Contains(t, page, "Derivadas a una persona")
	assert.Contains(t, page, "Primera respuesta")
}

// TestLiveStreamSendsChanges: the stream starts at the present and sends a message and an
// escalation written afterwards, with a cursor to resume from.
func TestLiveStreamSendsChanges(t *testing.T) {
	t.Parallel()
	e := setup(t)
	srv := serveHTTP(t, e)
	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	b.login("correct horse")
	req, _ := http.NewRequest(http.MethodGet, srv+"/admin/live", nil)
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	r := bufio.NewReader(resp.Body)
	next := func(want string) string {
		for {
			line, err := r.ReadString('\n')
			require.NoError(t, err)
			if strings.HasPrefix(line, "event: "+want) {
				data, err := r.ReadString('\n')
				require.NoError(t, err)
				return data
			}
		}
	}
	next("hello")
	id := addConversation(t, e.db, store.Conversation{Channel: "whatsapp", Contact: "+5491100000000", AddressKind: "phone", GuestName: "Carla"}, "hola", time.Now())
	assert.Contains(t, next("message"), fmt.Sprintf(`"conversation_id":%d`, id))
	_, err = e.db.NewInsert().Model(&store.DomainEvent{AggregateType: "conversation", AggregateID: fmt.Sprint(id), Type: "conversation_escalated",
		Payload: json.RawMessage(`{}`), OccurredAt: time.Now()}).Exec(context.Background())
	require.NoError(t, err)
	_, err = e.db.NewUpdate().Model((*store.Conversation)(nil)).Set("state = 'escalated'").Set("escalation_reason = 'complaint'").Where("id = ?", id).Exec(context.Background())
	require.NoError(t, err)
	data := next("escalation")
	assert.Contains(t, data, `"guest":"Carla"`)
}

var keyField = regexp.MustCompile(`name="key" value="([0-9a-f]{24})"`)

// serveHTTP serves the test's admin on a real local port (streams need one) until the
// test ends, and returns its base URL.
func serveHTTP(t testing.TB, e *env) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.app.Listener(ln)
	}()
	t.Cleanup(func() {
		_ = e.app.ShutdownWithTimeout(time.Second)
		<-done
	})
	return "http://" + ln.Addr().String()
}

// TestReportsCacheForgottenOnConfirm: the reports are kept for a minute, but a payment
// confirmed by staff shows at once.
func TestReportsCacheForgottenOnConfirm(t *testing.T) {
	t.Parallel()
	e := setup(t)
	b := &browser{t: t, app: e.app, cookies: map[string]string{}}
	b.login("correct horse")
	const january = "title=\"3 de 31 noches\""
	_, page := b.do(http.MethodGet, "/admin/reports?year=2027", nil)
	assert.NotContains(t, page, january, "a hold is not a booking yet")
	assert.Contains(t, page, "Datos de hace menos de un minuto")

	_, page = b.do(http.MethodGet, "/admin/", nil)
	csrf := csrfField.FindStringSubmatch(page)[1]
	resp, _ := b.do(http.MethodPost, "/admin/reservations/"+itoa(e.hold.ID)+"/confirm-payment", url.Values{"csrf": {csrf}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	_, page = b.do(http.MethodGet, "/admin/reports?year=2027", nil)
	assert.Contains(t, page, january, "the confirmed nights, not the cached report")
}

// TestInboxSearchPages: a search matching few conversations (read by id) and one matching
// more than inboxSearchIDs (left in the page queries) page the same way.
func TestInboxSearchPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setupOn(t, db)
		at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
		for i := range 510 {
			addConversation(t, e.db, store.Conversation{Channel: "whatsapp", Contact: fmt.Sprintf("+54911000%05d", i), AddressKind: "phone",
				GuestName: fmt.Sprintf("Huésped %03d", i)}, "hola", at.Add(time.Duration(i)*time.Minute))
		}
		b := &browser{t: t, app: e.app, cookies: map[string]string{}}
		b.login("correct horse")
		tests := []struct {
			name, query, page string
			first             string
			prev, next        bool
		}{
			{"few, by id", "huésped 12", "1", "Huésped 129", false, false},
			{"few, by phone", "00000123", "1", "Huésped 123", false, false},
			{"many, first page", "huésped", "1", "Huésped 509", false, true},
			{"many, last page", "huésped", "11", "Huésped 009", true, false},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, page := b.do(http.MethodGet, "/admin/conversations?q="+url.QueryEscape(tc.query)+"&page="+tc.page, nil)
				assert.Equal(t, tc.first, firstGuest(page))
				assert.Equal(t, tc.prev, strings.Contains(page, `rel="prev"`))
				assert.Equal(t, tc.next, strings.Contains(page, `rel="next"`))
			})
		}
	})
}

// formatMoneyForTest writes cents as the admin shows them ($123.456 or $123.456,78).
func formatMoneyForTest(cents int64) string {
	s := strconv.FormatInt(cents/100, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if cents%100 != 0 {
		return fmt.Sprintf("$%s,%02d", b.String(), cents%100)
	}
	return "$" + b.String()
}
