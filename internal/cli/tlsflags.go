package cli

import (
	"crypto/tls"

	"github.com/spf13/cobra"

	"github.com/perfgate/perfgate/internal/exit"
	"github.com/perfgate/perfgate/internal/load"
)

// tlsFlags are --cacert and --insecure, for the commands that send
// requests (run, capacity, diff, ab): how an https target's certificate
// is trusted, at the preflight and under load alike.
type tlsFlags struct {
	caCert   string
	insecure bool
}

func (f *tlsFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.caCert, "cacert", "", "PEM file of the CA that signed an https target's certificate, trusted besides the system's")
	fl.BoolVar(&f.insecure, "insecure", false, "do not verify an https target's certificate (test machines only)")
}

// config returns the TLS configuration of the flags (nil: Go's defaults);
// a bad --cacert is a usage error.
func (f *tlsFlags) config() (*tls.Config, error) {
	c, err := load.TLSConfig(f.caCert, f.insecure)
	if err != nil {
		return nil, exit.Usage(err)
	}
	return c, nil
}
