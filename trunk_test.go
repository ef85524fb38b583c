package tsunagu_test

import (
	"net/netip"
	"testing"

	"tsunagu"
)

func TestTrunk_Normalize(t *testing.T) {
	tr := tsunagu.Trunk{Name: "Demo", AllowedNets: []string{"127.0.0.1", "10.0.0.0/8"},
		Numbers: []tsunagu.DID{{Number: "03-1234-5678", Menu: []tsunagu.MenuOption{{Digit: "1", QueueID: "general"}}}}}
	if err := tr.Normalize(); err != nil {
		t.Fatal(err)
	}
	if tr.AllowedNets[0] != "127.0.0.1/32" || tr.Numbers[0].Number != "+81312345678" {
		t.Fatalf("normalised = %+v", tr)
	}
	if !tr.Allows(netip.MustParseAddr("127.0.0.1")) || !tr.Allows(netip.MustParseAddr("::ffff:10.1.2.3")) || tr.Allows(netip.MustParseAddr("192.0.2.1")) {
		t.Fatal("Allows is wrong")
	}
	bad := []struct {
		mut   func(*tsunagu.Trunk)
		field string
	}{
		{func(t *tsunagu.Trunk) { t.AllowedNets = nil }, "allowed_nets"},
		{func(t *tsunagu.Trunk) { t.AllowedNets = []string{"localhost"} }, "allowed_nets[0]"},
		{func(t *tsunagu.Trunk) { t.Numbers[0].Number = "12" }, "numbers[0].number"},
		{func(t *tsunagu.Trunk) {
			t.Numbers[0].Menu = append(t.Numbers[0].Menu, tsunagu.MenuOption{Digit: "1", QueueID: "x"})
		}, "numbers[0].menu[1].digit"},
		{func(t *tsunagu.Trunk) { t.Numbers[0].Menu[0].Digit = "12" }, "numbers[0].menu[0].digit"},
		{func(t *tsunagu.Trunk) { t.Numbers[0].Menu = nil }, "numbers[0].default_queue"},
	}
	for _, b := range bad {
		tr := tsunagu.Trunk{Name: "x", AllowedNets: []string{"127.0.0.1"},
			Numbers: []tsunagu.DID{{Number: "0312345678", Menu: []tsunagu.MenuOption{{Digit: "1", QueueID: "q"}}}}}
		b.mut(&tr)
		if err := tr.Normalize(); tsunagu.ErrorField(err) != b.field {
			t.Errorf("want error on %s, got %v", b.field, err)
		}
	}
}
