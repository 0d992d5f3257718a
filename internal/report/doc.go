// Package report holds the run model (summary.json, schema perfgate.run/v1)
// and renders it: text, json, markdown, junit and html. Renderers take a
// finished *Run and an io.Writer; they never run load.
package report
