package coursestatus

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIsUUID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"af771398-bc1a-4350-b849-907561d25957", true},
		{"AF771398-BC1A-4350-B849-907561D25957", true},
		{"af771398bc1a4350b849907561d25957", true},
		{"{af771398-bc1a-4350-b849-907561d25957}", true},
		{"af77-1398-bc1a-4350-b849-9075-61d2-5957", true}, // a hyphen after any group of four
		{"", false},
		{"user-1", false},
		{"new-user-with-no-data", false},
		{"af771398-bc1a-4350-b849-907561d2595", false},   // 31 digits
		{"af771398-bc1a-4350-b849-907561d259577", false}, // 33 digits
		{"af771398-bc1a-4350-b849-907561d2595g", false},
		{"{af771398-bc1a-4350-b849-907561d25957", false},
		{"af771398-bc1a-4350-b849-907561d25957}", false},
		{"-af771398-bc1a-4350-b849-907561d25957", false},
		{"af771398-bc1a-4350-b849-907561d25957-", false},
		{"af7-71398-bc1a-4350-b849-907561d25957", false}, // hyphen inside a group
		{" af771398-bc1a-4350-b849-907561d25957", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := isUUID(tt.in); got != tt.want {
				t.Errorf("isUUID(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    Request
		wantErr string
	}{
		{name: "both lists", body: `{"userId":["a","b"],"courseId":["c"]}`,
			want: Request{UserID: []string{"a", "b"}, CourseID: []string{"c"}}},
		{name: "empty lists stay empty, not absent", body: `{"userId":[],"courseId":[]}`,
			want: Request{UserID: []string{}, CourseID: []string{}}},
		{name: "absent and null are nil", body: `{"courseId":null}`, want: Request{}},
		{name: "empty body reads as {}", body: "  \n", want: Request{}},
		{name: "unknown fields are ignored", body: `{"userId":["a"],"courseId":["c"],"unitId":["u"]}`,
			want: Request{UserID: []string{"a"}, CourseID: []string{"c"}}},
		{name: "malformed", body: `{"userId":[`, wantErr: "malformed JSON in request body: unexpected end of JSON input"},
		{name: "trailing data", body: `{}{}`, wantErr: "malformed JSON in request body: invalid character '{' after top-level value"},
		{name: "userId a string", body: `{"userId":"a"}`, wantErr: "userId must be an array of strings"},
		{name: "courseId with a number", body: `{"courseId":["a",1]}`, wantErr: "courseId must be an array of strings"},
		{name: "not an object", body: `["a"]`, wantErr: `request body must be a JSON object like {"userId": [...], "courseId": [...]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeRequest([]byte(tt.body))
			if tt.wantErr != "" {
				var he *httpError
				if !errors.As(err, &he) || he.status != http.StatusBadRequest || he.msg != tt.wantErr {
					t.Fatalf("decodeRequest(%s) error = %v, want 400 %q", tt.body, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeRequest(%s): %v", tt.body, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decodeRequest(%s) mismatch (-want +got):\n%s", tt.body, diff)
			}
		})
	}
}

func TestRequestValidate(t *testing.T) {
	const (
		user   = "af771398-bc1a-4350-b849-907561d25957"
		tenant = "fd8f3180-9988-495b-8a0d-ed201d7d28df"
	)
	tests := []struct {
		name    string
		req     Request
		tenant  string
		wantErr string
	}{
		{name: "valid", req: Request{UserID: []string{user}, CourseID: []string{"c"}}, tenant: tenant},
		{name: "userId missing", req: Request{CourseID: []string{"c"}}, tenant: tenant,
			wantErr: "userId must be a non-empty array of user UUIDs"},
		{name: "userId empty", req: Request{UserID: []string{}, CourseID: []string{"c"}}, tenant: tenant,
			wantErr: "userId must be a non-empty array of user UUIDs"},
		{name: "courseId empty", req: Request{UserID: []string{user}, CourseID: []string{}}, tenant: tenant,
			wantErr: "courseId must be a non-empty array of course IDs"},
		{name: "user not a UUID", req: Request{UserID: []string{user, "user-1"}, CourseID: []string{"c"}}, tenant: tenant,
			wantErr: `userId[1] "user-1" is not a UUID`},
		{name: "tenant not a UUID", req: Request{UserID: []string{user}, CourseID: []string{"c"}}, tenant: "acme",
			wantErr: `tenantid header "acme" is not a UUID`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.validate(tt.tenant)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				return
			}
			var he *httpError
			if !errors.As(err, &he) || he.status != http.StatusBadRequest || he.msg != tt.wantErr {
				t.Fatalf("validate error = %v, want 400 %q", err, tt.wantErr)
			}
		})
	}
}

func TestStatusOf(t *testing.T) {
	tests := []struct {
		name string
		eids []string
		want contentStatus
	}{
		{"no events", nil, notStarted},
		{"other events only", []string{"INTERACT", "IMPRESSION"}, notStarted},
		{"start", []string{"START", "INTERACT"}, inProgress},
		{"end", []string{"END"}, completed},
		{"end before start", []string{"END", "START"}, completed},
		{"start then end", []string{"START", "INTERACT", "END"}, completed},
		{"case matters", []string{"start", "end"}, notStarted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := statusOf(tt.eids); got != tt.want {
				t.Errorf("statusOf(%q) = %v, want %v", tt.eids, got, tt.want)
			}
		})
	}
}

func TestParseStrategy(t *testing.T) {
	if got, want := StrategyNames(), []string{"naive", "optimized"}; !slices.Equal(got, want) {
		t.Errorf("StrategyNames() = %q, want %q", got, want)
	}
	for _, s := range StrategyNames() {
		if got, err := ParseStrategy(s); err != nil || string(got) != s {
			t.Errorf("ParseStrategy(%q) = %q, %v", s, got, err)
		}
	}
	if _, err := ParseStrategy("fast"); err == nil || err.Error() != `unknown strategy "fast" (want naive or optimized)` {
		t.Errorf("ParseStrategy(fast) error = %v", err)
	}
}
