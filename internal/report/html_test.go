package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// pageFacts is what TestHTML checks in a parsed report.html.
type pageFacts struct {
	svgs, dataImages int
	external         []string // external references: src/href URLs, @import, url(http…)
	scripts          int
	text             string
}

var externalCSS = regexp.MustCompile(`(?i)@import|url\(\s*['"]?(https?:)?//`)

func inspectHTML(t *testing.T, page []byte) pageFacts {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("report.html does not parse: %v", err)
	}
	var f pageFacts
	var text strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.ElementNode:
			switch n.Data {
			case "svg":
				f.svgs++
			case "script":
				f.scripts++
			case "link", "iframe", "object", "embed":
				f.external = append(f.external, "<"+n.Data+">")
			}
			for _, a := range n.Attr {
				switch strings.ToLower(a.Key) {
				case "src", "href", "xlink:href", "srcset", "action", "poster", "data":
					v := strings.TrimSpace(strings.ToLower(a.Val))
					switch {
					case strings.HasPrefix(v, "data:image/"):
						if n.Data == "img" {
							f.dataImages++
						}
					case strings.HasPrefix(v, "#"):
					default:
						f.external = append(f.external, a.Key+"="+a.Val)
					}
				case "style":
					if externalCSS.MatchString(a.Val) {
						f.external = append(f.external, "style="+a.Val)
					}
				}
				if a.Namespace == "xlink" && a.Key == "href" && !strings.HasPrefix(a.Val, "#") {
					f.external = append(f.external, "xlink:href="+a.Val)
				}
			}
		case html.TextNode:
			if n.Parent != nil && n.Parent.Data == "style" && externalCSS.MatchString(n.Data) {
				f.external = append(f.external, "css: "+externalCSS.FindString(n.Data))
			}
			text.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	f.text = text.String()
	return f
}

func TestHTML(t *testing.T) {
	tests := []struct {
		name      string
		raw       RawSource
		minCharts int
		wantText  []string
	}{
		// Three scenarios: two with raw results (time, distribution,
		// status = 3 charts each), one whose raw file is missing (2).
		{name: "raw", raw: testRaw(), minCharts: 8, wantText: []string{
			"single-user-single-course: latency over time",
			"multi-user-multi-course: latency over time (2980 requests in 500 intervals)",
			"Raw results could not be read (open empty-user-list.parquet: no such file or directory)",
		}},
		{name: "no raw", raw: nil, minCharts: 6, wantText: []string{
			"Raw results were not available",
			"latency distribution (from the summary)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := HTML(&buf, testRun(), tt.raw); err != nil {
				t.Fatal(err)
			}
			f := inspectHTML(t, buf.Bytes())
			if f.svgs+f.dataImages < tt.minCharts {
				t.Errorf("report has %d inline charts, want >= %d", f.svgs+f.dataImages, tt.minCharts)
			}
			if len(f.external) > 0 {
				t.Errorf("report refers to external resources: %q", f.external)
			}
			if f.scripts > 0 {
				t.Errorf("report has %d <script> elements, want none", f.scripts)
			}
			for _, w := range append(tt.wantText,
				"FAIL: 2 of 3 scenarios failed",
				"p95 3.4s > 3s",       // a failed criterion's message
				"WITH req AS (SELECT", // DB probe: slowest statement
				"rows read", "all seven present",
				"<interrupted> by Ctrl-C", // escaped, and read back as text
			) {
				if !strings.Contains(f.text, w) {
					t.Errorf("report text lacks %q", w)
				}
			}
		})
	}
}

// TestHTMLExternalCheck proves inspectHTML finds what it looks for.
func TestHTMLExternalCheck(t *testing.T) {
	page := `<!DOCTYPE html><html><head><style>@import "x.css";</style><link rel=stylesheet href="https://cdn.example/x.css"></head>
<body><img src="http://example.com/a.png"><img src="data:image/png;base64,AAAA"><svg></svg><a href="#top">top</a></body></html>`
	f := inspectHTML(t, []byte(page))
	if len(f.external) != 4 { // @import, <link>, its href, the http img
		t.Errorf("external = %q, want 4 findings", f.external)
	}
	if f.svgs != 1 || f.dataImages != 1 {
		t.Errorf("svgs, dataImages = %d, %d, want 1, 1", f.svgs, f.dataImages)
	}
}

// TestHTMLLargeRunIsBounded checks that a big run is downsampled: the page
// stays small however many requests there were.
func TestHTMLLargeRunIsBounded(t *testing.T) {
	run := testRun()
	sc := run.Scenarios[1]
	sc.Requests = 200_000
	sc.RequestedRate = 20_000
	var buf bytes.Buffer
	if err := HTML(&buf, run, testRaw()); err != nil {
		t.Fatal(err)
	}
	if buf.Len() > 400_000 {
		t.Errorf("report.html for 200k requests is %d bytes, want <= 400k", buf.Len())
	}
}
