// Package readme holds the test that runs the shell examples of the
// repository's README.md, so that none of them can drift from what
// perfgate does: see readme_test.go for the rules a README block follows.
package readme
