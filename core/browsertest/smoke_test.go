package browsertest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conserje/conserje/core/browsertest"
)

func TestStaffLogInAndSeeTheHome(t *testing.T) {
	t.Parallel()
	b := browsertest.NewBrowser(t)
	s := browsertest.StartServer(t)
	tab := b.NewTab(t)
	tab.Login(s, browsertest.AdminUser, browsertest.AdminPassword)
	assert.Contains(t, tab.Text("h1"), "Qué necesita atención")
}
