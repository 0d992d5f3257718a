package coursestatus

import (
	"encoding/json"
	"testing"
	"time"
)

func TestCourseStatusJSON(t *testing.T) {
	started := time.Date(2025, 10, 10, 11, 30, 0, 123456789, time.FixedZone("IST", 5*3600+1800))
	tests := []struct {
		name string
		in   UserStatus
		want string
	}{
		{
			name: "course with data: UTC, milliseconds truncated, field order of the original",
			in: UserStatus{UserID: "u", Course: []CourseStatus{{
				CourseID: "c", InProgress: 1, Completed: 2, StartedOn: timestampOf(&started),
				InProgressList: []string{"x"}, CompletedList: []string{"y", "z"},
			}}},
			want: `{"userId":"u","course":[{"courseId":"c","in_progress":1,"completed":2,"started_on":"2025-10-10T06:00:00.123Z","in_progress_list":["x"],"completed_list":["y","z"]}]}`,
		},
		{
			name: "course without data",
			in:   UserStatus{UserID: "u", Course: []CourseStatus{emptyCourse("c")}},
			want: `{"userId":"u","course":[{"courseId":"c","in_progress":0,"completed":0,"started_on":null,"in_progress_list":[],"completed_list":[]}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("json:\n got %s\nwant %s", got, tt.want)
			}
			var back UserStatus
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("read back: %v", err)
			}
		})
	}
}
