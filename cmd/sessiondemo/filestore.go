package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/file"
)

// openFileStore opens the file engine (Django's file sessions) on the
// directory --dsn names, by default DataDir/sessions, created with mode
// 0700. Django's file engine on the same directory and SECRET_KEY shares
// the sessions.
func (s *server) openFileStore() (session.Store, error) {
	dir := s.cfg.DSN
	if dir == "" {
		if s.cfg.DataDir == "" {
			return nil, errors.New("sessiondemo: file needs --dsn DIR or a data folder")
		}
		dir = filepath.Join(s.cfg.DataDir, "sessions")
	}
	st, err := file.New(file.Options{Dir: dir, SecretKey: s.cfg.SecretKey, Logger: s.log})
	if err != nil {
		return nil, fmt.Errorf("sessiondemo: %w", err)
	}
	s.closers = append(s.closers, st.Close)
	return st, nil
}
