package pgenv

import (
	"path/filepath"
	"time"

	"github.com/perfgate/perfgate/internal/detach"
)

// Names of the files a detached db up keeps in its state directory.
const (
	// DefaultStateFileName is the state file's name in DefaultStateDir.
	DefaultStateFileName = "state.json"
	// StateLogName is the detached db up's log, beside its state file.
	StateLogName = "db-up.log"
)

// State is what a detached db up records for db down, in a file of mode
// 0600 inside a directory of mode 0700 owned by the user: it holds the DSN,
// password included.
type State struct {
	detach.Process           // the db up that wrote the state
	Provider       string    `json:"provider"`
	DSN            string    `json:"dsn"`
	Fixtures       string    `json:"fixtures"`
	Log            string    `json:"log"`
	Started        time.Time `json:"started"`
}

// DefaultStateFile is the state file in DefaultStateDir.
func DefaultStateFile() string { return filepath.Join(detach.DefaultDir(), DefaultStateFileName) }

// StateLogPath is the log of the detached db up whose state is stateFile.
func StateLogPath(stateFile string) string {
	return filepath.Join(filepath.Dir(stateFile), StateLogName)
}

// ReadState reads the state file of a detached db up (detach.ReadJSON).
func ReadState(path string) (State, error) {
	var st State
	err := detach.ReadJSON(path, &st)
	return st, err
}

// WriteState records the db up running in this process, whose database
// up brought up, in the state file at path, for db down.
func WriteState(path string, up *Up) error {
	self, err := detach.CurrentProcess()
	if err != nil {
		return err
	}
	return detach.WriteJSON(path, State{Process: self, Provider: ProviderOf(up.DB), DSN: up.DB.DSN(), Fixtures: up.Fixtures, Started: up.Started})
}
