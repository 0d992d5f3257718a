package cli

import (
	"net/url"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/fixtures"
	"github.com/perfgate/perfgate/internal/scenario"
)

// templateData returns the data plan renders templates with: the fixtures
// file (the checklist's IDs without --fixtures) and the --set variables.
// diff renders each scenario again per target and per sample with it.
func templateData(f scenarioFlags) (*scenario.Data, error) {
	fx := fixtures.Default()
	if f.fixtures != "" {
		var err error
		if fx, err = fixtures.Read(f.fixtures); err != nil {
			return nil, exit.Usage(err)
		}
	}
	vars, err := scenario.ParseSets(f.sets)
	if err != nil {
		return nil, exit.Usage(err)
	}
	return scenario.NewData(fx, vars), nil
}

// checkBaseURL is checkTarget for a flag other than --target.
func checkBaseURL(flag, target string) error {
	if target == "" {
		return exit.Usagef("%s is required: the base URL of the %s version, like http://127.0.0.1:3000", flag, flag[2:])
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return exit.Usagef("%s %q is not an http(s) URL; write it like http://127.0.0.1:3000", flag, target)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return exit.Usagef("%s %q: give the base URL only; scenario paths are joined to it", flag, target)
	}
	return nil
}
