package crm_test

import (
	"encoding/json"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
)

func TestPicksOnlyOwn(t *testing.T) {
	const me, other = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"
	filter := func(enabled bool, conditions string) crm.Filter {
		t.Helper()
		var c crm.Condition
		if err := json.Unmarshal([]byte(conditions), &c); err != nil {
			t.Fatalf("conditions %s: %v", conditions, err)
		}
		return crm.Filter{Enabled: enabled, Conditions: c}
	}
	mine := `{"and":[{"field":"ownerId","op":"eq","value":"@me"}]}`
	tests := []struct {
		name    string
		filters []crm.Filter
		want    bool
	}{
		{"no filters pick nothing", nil, true},
		{"my items", []crm.Filter{filter(true, mine)}, true},
		{"my items among other conditions", []crm.Filter{filter(true, `{"and":[{"field":"status","op":"eq","value":"open"},{"field":"ownerId","op":"eq","value":"@me"}]}`)}, true},
		{"my id spelled out", []crm.Filter{filter(true, `{"and":[{"field":"ownerId","op":"in","value":["`+me+`"]}]}`)}, true},
		{"either of two conditions on me", []crm.Filter{filter(true, `{"or":[{"field":"ownerId","op":"eq","value":"@me"},{"and":[{"field":"ownerId","op":"eq","value":"@me"},{"field":"status","op":"eq","value":"open"}]}]}`)}, true},
		{"someone else's items", []crm.Filter{filter(true, `{"and":[{"field":"ownerId","op":"eq","value":"`+other+`"}]}`)}, false},
		{"me or someone else", []crm.Filter{filter(true, `{"and":[{"field":"ownerId","op":"in","value":["@me","`+other+`"]}]}`)}, false},
		{"not mine", []crm.Filter{filter(true, `{"and":[{"field":"ownerId","op":"ne","value":"@me"}]}`)}, false},
		{"mine or open ones", []crm.Filter{filter(true, `{"or":[{"field":"ownerId","op":"eq","value":"@me"},{"field":"status","op":"eq","value":"open"}]}`)}, false},
		{"every item", []crm.Filter{filter(true, `{"and":[]}`)}, false},
		{"a system filter beside mine", []crm.Filter{filter(true, mine), filter(true, `{"and":[{"field":"status","op":"eq","value":"open"}]}`)}, false},
		{"a disabled filter picks nothing", []crm.Filter{filter(true, mine), filter(false, `{"and":[]}`)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := crm.PicksOnlyOwn(tt.filters, me); got != tt.want {
				t.Fatalf("PicksOnlyOwn = %v, want %v", got, tt.want)
			}
		})
	}
}
