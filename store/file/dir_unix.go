//go:build unix

package file

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// dir is the session directory, opened once: every call below is relative
// to its descriptor (openat, renameat, linkat...), so that the path given
// to New is resolved once and a directory renamed or replaced afterwards
// changes nothing. No call follows a symbolic link in the directory.
type dir struct {
	f     *os.File
	rc    syscall.RawConn
	euid  uint32
	trace tracer // told each system call of a write as it succeeds, for tests
}

// kind is what a directory entry is.
type kind int

const (
	kindRegular kind = iota
	kindSymlink
	kindFIFO
	kindDir
	kindOther // a device, a socket...
)

func (k kind) String() string {
	switch k {
	case kindRegular:
		return "regular file"
	case kindSymlink:
		return "symbolic link"
	case kindFIFO:
		return "FIFO"
	case kindDir:
		return "directory"
	}
	return "device or socket"
}

// info is what the store needs of a file's metadata.
type info struct {
	kind  kind
	uid   uint32
	mtime time.Time
	ctime time.Time
	dev   uint64
	ino   uint64
	size  int64
}

func infoOf(st *unix.Stat_t) info {
	k := kindOther
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		k = kindRegular
	case unix.S_IFLNK:
		k = kindSymlink
	case unix.S_IFIFO:
		k = kindFIFO
	case unix.S_IFDIR:
		k = kindDir
	}
	return info{
		kind:  k,
		uid:   st.Uid,
		mtime: time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec)),
		ctime: time.Unix(int64(st.Ctim.Sec), int64(st.Ctim.Nsec)),
		dev:   uint64(st.Dev),
		ino:   uint64(st.Ino),
		size:  st.Size,
	}
}

// errNotSession is returned for an entry under a session's name that is not
// a regular file of the process's user: it is never read or written through.
type errNotSession struct{ kind string }

func (e *errNotSession) Error() string { return "not a session file: " + e.kind }

// errFileTooLarge is returned by read for a file over the limit.
var errFileTooLarge = errors.New("file too large")

// ignoringEINTR retries fn while it fails with EINTR, as package os does.
func ignoringEINTR(fn func() error) error {
	for {
		err := fn()
		if err != unix.EINTR {
			return err
		}
	}
}

// openDir opens the directory at path, creating it (mode 0700, whatever the
// umask) when it is missing. It reports whether it created it and the
// directory's own metadata.
func openDir(path string) (d *dir, created bool, mode os.FileMode, owner uint32, err error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(path, 0o700); err != nil {
			return nil, false, 0, 0, err
		}
		created = true
	}
	fd, err := openat(unix.AT_FDCWD, path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, false, 0, 0, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	if created {
		// MkdirAll's mode went through the umask: set it exactly.
		if err := f.Chmod(0o700); err != nil {
			f.Close()
			return nil, false, 0, 0, err
		}
	}
	var st unix.Stat_t
	if err := ignoringEINTR(func() error { return unix.Fstat(fd, &st) }); err != nil {
		f.Close()
		return nil, false, 0, 0, &os.PathError{Op: "fstat", Path: path, Err: err}
	}
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, false, 0, 0, err
	}
	mode = os.FileMode(st.Mode & 0o777)
	if st.Mode&unix.S_ISVTX != 0 {
		mode |= os.ModeSticky
	}
	return &dir{f: f, rc: rc, euid: uint32(os.Geteuid())}, created, mode, st.Uid, nil
}

func openat(dirfd int, name string, flags int, mode uint32) (int, error) {
	var fd int
	err := ignoringEINTR(func() error {
		var err error
		fd, err = unix.Openat(dirfd, name, flags, mode)
		return err
	})
	return fd, err
}

// at runs fn with the directory's descriptor, which stays open while fn
// runs even if close is called meanwhile.
func (d *dir) at(fn func(dirfd int) error) error {
	var err error
	if cerr := d.rc.Control(func(fd uintptr) { err = fn(int(fd)) }); cerr != nil {
		return cerr
	}
	return err
}

func (d *dir) close() error { return d.f.Close() }

// lstat returns the metadata of name itself (a symbolic link is not
// followed). A missing name is an error matching os.ErrNotExist.
func (d *dir) lstat(name string) (info, error) {
	var st unix.Stat_t
	err := d.at(func(dirfd int) error {
		return ignoringEINTR(func() error { return unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) })
	})
	if err != nil {
		return info{}, pathErr("lstat", name, err)
	}
	return infoOf(&st), nil
}

// ours reports whether an entry is a session file this store may read,
// write or remove: a regular file owned by the process's user.
func (d *dir) ours(fi info) error {
	if fi.kind != kindRegular {
		return &errNotSession{kind: fi.kind.String()}
	}
	if fi.uid != d.euid {
		return &errNotSession{kind: fmt.Sprintf("file of another user (uid %d)", fi.uid)}
	}
	return nil
}

// read returns the content of the session file name and its metadata. It
// opens without following a symbolic link and without blocking (a FIFO
// opens at once and is then refused), and reads only a regular file owned
// by the process's user: anything else is an *errNotSession. A missing file
// matches os.ErrNotExist; one over limit bytes is errFileTooLarge.
func (d *dir) read(name string, limit int64) ([]byte, info, error) {
	var fd int
	err := d.at(func(dirfd int) error {
		var err error
		fd, err = openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
		return err
	})
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, info{}, pathErr("open", name, err)
		}
		// ELOOP (a symbolic link), ENXIO (a socket), EACCES (another
		// user's file): say what the entry is rather than the errno, when
		// it is not a file of ours.
		if fi, lerr := d.lstat(name); lerr == nil {
			if nerr := d.ours(fi); nerr != nil {
				return nil, fi, nerr
			}
		}
		return nil, info{}, pathErr("open", name, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := ignoringEINTR(func() error { return unix.Fstat(fd, &st) }); err != nil {
		return nil, info{}, pathErr("fstat", name, err)
	}
	fi := infoOf(&st)
	if err := d.ours(fi); err != nil {
		return nil, fi, err
	}
	if fi.size > limit {
		return nil, fi, errFileTooLarge
	}
	buf := make([]byte, 0, fi.size+1)
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				return nil, fi, errFileTooLarge
			}
			buf = append(buf, 0)[:len(buf)]
		}
		var n int
		err := ignoringEINTR(func() error {
			var err error
			n, err = unix.Read(fd, buf[len(buf):cap(buf)])
			return err
		})
		if err != nil {
			return nil, fi, pathErr("read", name, err)
		}
		if n == 0 {
			break
		}
		buf = buf[:len(buf)+n]
	}
	if int64(len(buf)) > limit {
		return nil, fi, errFileTooLarge
	}
	return buf, fi, nil
}

// writeTemp creates the file name (which must not exist: O_EXCL, never
// through a symbolic link) with mode 0600 whatever the umask, writes
// content, sets its modification time to mtime and fsyncs it. On any
// failure the file is removed.
func (d *dir) writeTemp(name string, content []byte, mtime time.Time) (err error) {
	var fd int
	err = d.at(func(dirfd int) error {
		var err error
		fd, err = openat(dirfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NOCTTY, 0o600)
		return err
	})
	if err != nil {
		return pathErr("create", name, err)
	}
	closed := false
	defer func() {
		if !closed {
			unix.Close(fd)
		}
		if err != nil {
			d.remove(name)
		}
	}()
	if err := ignoringEINTR(func() error { return unix.Fchmod(fd, 0o600) }); err != nil {
		return pathErr("chmod", name, err)
	}
	for rest := content; len(rest) > 0; {
		var n int
		err := ignoringEINTR(func() error {
			var err error
			n, err = unix.Write(fd, rest)
			return err
		})
		if err != nil {
			return pathErr("write", name, err)
		}
		if n == 0 {
			return pathErr("write", name, io.ErrShortWrite)
		}
		rest = rest[n:]
	}
	d.trace.step("write")
	t, err := unix.TimeToTimespec(mtime)
	if err != nil {
		return pathErr("utimensat", name, err)
	}
	ts := []unix.Timespec{t, t} // atime and mtime
	err = d.at(func(dirfd int) error {
		return ignoringEINTR(func() error { return unix.UtimesNanoAt(dirfd, name, ts, unix.AT_SYMLINK_NOFOLLOW) })
	})
	if err != nil {
		return pathErr("utimensat", name, err)
	}
	d.trace.step("set mtime")
	if err := ignoringEINTR(func() error { return unix.Fsync(fd) }); err != nil {
		return pathErr("fsync", name, err)
	}
	d.trace.step("fsync file")
	closed = true
	if err := unix.Close(fd); err != nil {
		return pathErr("close", name, err)
	}
	return nil
}

// link makes newname a second name of oldname; it fails with an error
// matching os.ErrExist when newname exists (whatever it is), atomically.
func (d *dir) link(oldname, newname string) error {
	err := d.at(func(dirfd int) error {
		return ignoringEINTR(func() error { return unix.Linkat(dirfd, oldname, dirfd, newname, 0) })
	})
	if err == nil {
		d.trace.step("link")
	}
	return pathErr("link", newname, err)
}

// rename replaces newname with oldname, atomically.
func (d *dir) rename(oldname, newname string) error {
	err := d.at(func(dirfd int) error {
		return ignoringEINTR(func() error { return unix.Renameat(dirfd, oldname, dirfd, newname) })
	})
	if err == nil {
		d.trace.step("rename")
	}
	return pathErr("rename", newname, err)
}

// remove unlinks name (a symbolic link itself, never its target).
func (d *dir) remove(name string) error {
	err := d.at(func(dirfd int) error {
		return ignoringEINTR(func() error { return unix.Unlinkat(dirfd, name, 0) })
	})
	if err == nil {
		d.trace.step("remove")
	}
	return pathErr("remove", name, err)
}

// sync fsyncs the directory, which makes its entries (a rename, a link, an
// unlink) durable.
func (d *dir) sync() error {
	err := d.at(func(dirfd int) error {
		return ignoringEINTR(func() error { return unix.Fsync(dirfd) })
	})
	if err == nil {
		d.trace.step("fsync dir")
	}
	return pathErr("fsync", ".", err)
}

// batchNames is how many names one read of the directory returns.
const batchNames = 256

// names calls fn with the directory's entry names, batchNames at a time, on
// a descriptor of its own: a directory of any size is streamed, never held.
func (d *dir) names(fn func(names []string) error) error {
	var fd int
	err := d.at(func(dirfd int) error {
		var err error
		fd, err = openat(dirfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		return err
	})
	if err != nil {
		return pathErr("open", ".", err)
	}
	f := os.NewFile(uintptr(fd), d.f.Name())
	defer f.Close()
	for {
		names, err := f.Readdirnames(batchNames)
		if len(names) > 0 {
			if ferr := fn(names); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func pathErr(op, name string, err error) error {
	if err == nil {
		return nil
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return err
	}
	return &os.PathError{Op: op, Path: name, Err: err}
}
