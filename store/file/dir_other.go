//go:build !unix

package file

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"
)

// errUnsupported is New's error where the store cannot keep its promises
// (no openat, no O_NOFOLLOW, no atomic rename over an open file).
var errUnsupported = fmt.Errorf("%w: the file store needs a Unix system, not %s", errors.ErrUnsupported, runtime.GOOS)

type dir struct{ trace tracer }

type kind int

type info struct {
	kind  kind
	uid   uint32
	mtime time.Time
	ctime time.Time
	dev   uint64
	ino   uint64
	size  int64
}

type errNotSession struct{ kind string }

func (e *errNotSession) Error() string { return "not a session file: " + e.kind }

var errFileTooLarge = errors.New("file too large")

func openDir(string) (*dir, bool, os.FileMode, uint32, error) {
	return nil, false, 0, 0, errUnsupported
}

func (*dir) close() error                              { return errUnsupported }
func (*dir) lstat(string) (info, error)                { return info{}, errUnsupported }
func (*dir) ours(info) error                           { return errUnsupported }
func (*dir) read(string, int64) ([]byte, info, error)  { return nil, info{}, errUnsupported }
func (*dir) writeTemp(string, []byte, time.Time) error { return errUnsupported }
func (*dir) link(string, string) error                 { return errUnsupported }
func (*dir) rename(string, string) error               { return errUnsupported }
func (*dir) remove(string) error                       { return errUnsupported }
func (*dir) sync() error                               { return errUnsupported }
func (*dir) names(func([]string) error) error          { return errUnsupported }
