package testservers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// This file holds what the multi-process Redis deployments
// (redis_cluster.go, redis_sentinel.go) share: their directory, their
// address lists, the wait for a healthy state and the teardown.

// deploymentDir returns dir, or when dir is empty a new temporary
// directory named after pattern, and whether the caller owns (and must
// remove) it.
func deploymentDir(dir, pattern string) (string, bool, error) {
	if dir != "" {
		return dir, false, nil
	}
	d, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", false, fmt.Errorf("testservers: %w", err)
	}
	return d, true, nil
}

// addrsOf returns the address of every server.
func addrsOf(servers []*Server) []string {
	addrs := make([]string, len(servers))
	for i, s := range servers {
		addrs[i] = s.Addr
	}
	return addrs
}

// pollHealthy calls check every 100 ms until it returns nil or ctx ends;
// the error then names what (the deployment) and the last check's error.
func pollHealthy(ctx context.Context, what string, check func(ctx context.Context) error) error {
	for {
		last := check(ctx)
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("testservers: %s is not healthy: %w; last check: %v", what, ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// closeDeployment closes every server of groups, in order, and removes dir
// when *ownsDir, clearing it so that a second call removes nothing.
func closeDeployment(dir string, ownsDir *bool, groups ...[]*Server) error {
	var errs []error
	for _, g := range groups {
		for _, s := range g {
			errs = append(errs, s.Close())
		}
	}
	if *ownsDir {
		errs = append(errs, os.RemoveAll(dir))
		*ownsDir = false
	}
	return errors.Join(errs...)
}
