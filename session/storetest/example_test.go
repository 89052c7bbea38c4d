package storetest_test

import (
	"testing"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/storetest"
	"github.com/djsession/djsession/store/memory"
)

// A store package runs the suite from one test. Each call of newStore must
// return an empty store of its own.
func ExampleRun() {
	_ = func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) session.Store {
			return memory.New(memory.Options{})
		})
	}
}

// Stores with coarser expiry (whole seconds in a database column, say)
// declare it, so the suite's expiry checks allow for it.
func ExampleRunWithOptions() {
	_ = func(t *testing.T) {
		storetest.RunWithOptions(t, func(t *testing.T) session.Store {
			return memory.New(memory.Options{})
		}, storetest.Options{ExpiryGranularity: time.Second})
	}
}

// A store that takes its clock runs the suite on a fake one: the expiry
// checks then move the clock instead of sleeping.
func ExampleRunWithClock() {
	_ = func(t *testing.T) {
		storetest.RunWithClock(t, func(t *testing.T, now func() time.Time) session.Store {
			return memory.New(memory.Options{Now: now})
		}, storetest.Options{})
	}
}
