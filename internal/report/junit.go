package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/perfgate/perfgate/internal/figure"
	"github.com/perfgate/perfgate/internal/model"
)

// The JUnit XML model, as read by Jenkins, GitLab, GitHub test reporters
// and the common junit-10 XSD: testsuites > testsuite > testcase, with
// failure and error children.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name       string          `xml:"name,attr"`
		Tests      int             `xml:"tests,attr"`
		Failures   int             `xml:"failures,attr"`
		Errors     int             `xml:"errors,attr"`
		Skipped    int             `xml:"skipped,attr"`
		Time       string          `xml:"time,attr"`
		Timestamp  string          `xml:"timestamp,attr,omitempty"`
		Properties *junitProps     `xml:"properties,omitempty"`
		Cases      []junitTestCase `xml:"testcase"`
		SystemOut  string          `xml:"system-out,omitempty"`
	}
	junitProps struct {
		Props []junitProp `xml:"property"`
	}
	junitProp struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	junitTestCase struct {
		Name      string        `xml:"name,attr"`
		ClassName string        `xml:"classname,attr"`
		Time      string        `xml:"time,attr"`
		Failure   *junitProblem `xml:"failure,omitempty"`
		Error     *junitProblem `xml:"error,omitempty"`
		Skipped   *junitSkipped `xml:"skipped,omitempty"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
)

// JUnit writes run as JUnit XML: one testsuite per scenario, one testcase
// per criterion. A failed criterion carries a failure whose message is the
// criterion's message and whose text gives want and observed values; an
// interrupted scenario adds a testcase with an error.
func JUnit(w io.Writer, run *model.Run) error {
	doc := junitSuites{Name: "perfgate", Time: seconds(run.End.Sub(run.Start).Seconds())}
	if run.Label != "" {
		doc.Name += " " + run.Label
	}
	for _, sc := range run.Scenarios {
		s := junitSuite{
			Name:      sc.Name,
			Time:      seconds(sc.Wall.Seconds()),
			Timestamp: run.Start.UTC().Format("2006-01-02T15:04:05"),
			Properties: &junitProps{Props: []junitProp{
				{"url", sc.Method + " " + sc.URL},
				{"rate.requested", figRequested(sc)},
				{"rate.achieved", figure.Rate(sc.AchievedRate)},
				{"requests", strconv.FormatInt(sc.Requests, 10)},
				{"success", figure.Share(sc.Success)},
				{"status_codes", figure.Codes(sc.StatusCodes)},
				{"latency.p50", junitLatency(sc, "p50", sc.Latency.P50)},
				{"latency.p95", junitLatency(sc, "p95", sc.Latency.P95)},
				{"latency.p99", junitLatency(sc, "p99", sc.Latency.P99)},
				{"latency.max", figure.Duration(sc.Latency.Max)},
			}},
		}
		if sc.Timeouts > 0 {
			s.Properties.Props = append(s.Properties.Props, junitProp{"timeouts", strconv.FormatInt(sc.Timeouts, 10)})
		}
		for i, n := range percentileNotes(sc) {
			s.Properties.Props = append(s.Properties.Props, junitProp{"note." + strconv.Itoa(i+1), n})
		}
		if sc.UnderDelivered {
			s.Properties.Props = append(s.Properties.Props, junitProp{"under_delivered", "true"})
		}
		s.Properties.Props = append(s.Properties.Props, junitSchedule(sc)...)
		if sc.DB != nil {
			s.Properties.Props = append(s.Properties.Props,
				junitProp{"db.statements_per_request", figure.Optional(sc.DB.Statements())},
				junitProp{"db.indexes_present", strconv.FormatBool(sc.DB.IndexesPresent)})
		}
		s.Properties.Props = append(s.Properties.Props, junitWhy(run, sc)...)
		for _, c := range sc.Criteria {
			tc := junitTestCase{Name: c.Name, ClassName: sc.Name, Time: "0"}
			switch {
			case c.Inconclusive && c.Pass:
				// Allowed: neither passed nor failed, which JUnit calls skipped.
				tc.Skipped = &junitSkipped{Message: c.Message + " (allowed by --allow-inconclusive)"}
				s.Skipped++
			case c.Inconclusive:
				tc.Failure = &junitProblem{
					Message: c.Message,
					Type:    "inconclusive",
					Text:    fmt.Sprintf("want: %s\nobserved: %s\ntoo few requests to judge it: run longer, or pass --allow-inconclusive\n", c.Want, c.Observed),
				}
				s.Failures++
			case !c.Pass:
				msg := c.Message
				if msg == "" {
					msg = fmt.Sprintf("%s: observed %s, want %s", c.Name, c.Observed, c.Want)
				}
				tc.Failure = &junitProblem{
					Message: msg,
					Type:    "criterion",
					Text:    fmt.Sprintf("want: %s\nobserved: %s\n", c.Want, c.Observed),
				}
				s.Failures++
			}
			s.Cases = append(s.Cases, tc)
		}
		if sc.Interrupted {
			s.Cases = append(s.Cases, junitTestCase{Name: "completed", ClassName: sc.Name, Time: "0",
				Error: &junitProblem{Message: "the scenario was interrupted before its duration ended", Type: "interrupted"}})
			s.Errors++
		}
		s.Tests = len(s.Cases)
		var out []string
		for _, c := range sc.Checks {
			out = append(out, fmt.Sprintf("check %q: %d passed, %d failed", c.Name, c.Passed, c.Failed))
			for _, f := range c.Failures {
				out = append(out, "  "+f)
			}
		}
		s.SystemOut = strings.Join(out, "\n")
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Suites = append(doc.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encode junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitLatency is a percentile with its interval and sample size: "210ms
// [200ms, 220ms] n=300".
func junitLatency(sc *model.Scenario, name string, d time.Duration) string {
	p, ok := sc.Percentile(name)
	if !ok {
		return figure.Duration(d)
	}
	return fmt.Sprintf("%s %s n=%d", cell(sc, name, d), figure.Interval(p), p.N)
}

func seconds(s float64) string { return strconv.FormatFloat(s, 'f', 3, 64) }
