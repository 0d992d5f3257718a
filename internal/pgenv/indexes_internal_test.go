package pgenv

import "testing"

// TestStatusOfPrecedence pins which index stands for a spec when several
// could: the migration's own, then a valid equivalent, then what the
// spec's name is on.
func TestStatusOfPrecedence(t *testing.T) {
	spec := Indexes[6] // idx_content_tracking_details_eid on (eid)
	own := FoundIndex{Table: spec.Table, Name: spec.Name, Columns: []string{"eid"}, Method: "btree", Valid: true}
	other := FoundIndex{Table: spec.Table, Name: "my_eid", Columns: []string{"eid"}, Method: "btree", Valid: true}
	wrong := FoundIndex{Table: spec.Table, Name: spec.Name, Columns: []string{"userId"}, Method: "btree", Valid: true}
	invalid := func(f FoundIndex) FoundIndex { f.Valid = false; return f }
	tests := []struct {
		name      string
		found     []FoundIndex
		state     IndexState
		index     string
		nameTaken bool
	}{
		{"nothing", nil, IndexMissing, "", false},
		{"own", []FoundIndex{other, own}, IndexOK, spec.Name, false},
		{"equivalent", []FoundIndex{other}, IndexEquivalent, "my_eid", false},
		{"own invalid, equivalent valid", []FoundIndex{invalid(own), other}, IndexEquivalent, "my_eid", false},
		{"own invalid", []FoundIndex{invalid(own)}, IndexInvalid, spec.Name, false},
		{"equivalent invalid", []FoundIndex{invalid(other)}, IndexInvalid, "my_eid", false},
		{"wrong columns", []FoundIndex{wrong}, IndexWrongColumns, spec.Name, false},
		{"wrong columns, equivalent valid", []FoundIndex{wrong, other}, IndexEquivalent, "my_eid", true},
		{"wrong columns, equivalent invalid", []FoundIndex{wrong, invalid(other)}, IndexWrongColumns, spec.Name, false},
		{"hash on the columns", []FoundIndex{{Table: spec.Table, Name: "h", Columns: []string{"eid"}, Method: "hash", Valid: true}}, IndexMissing, "", false},
		{"partial on the columns", []FoundIndex{{Table: spec.Table, Name: "p", Columns: []string{"eid"}, Method: "btree", Partial: true, Valid: true}}, IndexMissing, "", false},
		{"the name on the other table", []FoundIndex{{Table: TableContentTracking, Name: spec.Name, Columns: []string{"eid"}, Method: "btree", Valid: true}}, IndexWrongColumns, spec.Name, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range tt.found {
				tt.found[i].Spec = specOf(tt.found[i])
			}
			st := statusOf(spec, tt.found)
			index := ""
			if st.Index != nil {
				index = st.Index.Name
			}
			if st.State != tt.state || index != tt.index || (st.NameTaken != nil) != tt.nameTaken {
				t.Errorf("state %v index %q nameTaken %v, want %v %q %v", st.State, index, st.NameTaken != nil, tt.state, tt.index, tt.nameTaken)
			}
			if st.State.Present() != (tt.state == IndexOK || tt.state == IndexEquivalent) {
				t.Errorf("Present() = %v", st.State.Present())
			}
		})
	}
}
