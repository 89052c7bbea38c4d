package file

import (
	"context"
	"sync"
)

// keyLocks is a mutex per session key, made when a key is first locked and
// dropped when its last holder or waiter leaves, so that it holds only the
// keys in use. Waiting honours the context.
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	ch   chan struct{} // holds one token while the key is locked
	refs int           // holders and waiters
}

// lock locks key and returns the function that unlocks it, or the
// context's error if it ends first.
func (l *keyLocks) lock(ctx context.Context, key string) (func(), error) {
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[string]*keyLock)
	}
	kl := l.m[key]
	if kl == nil {
		kl = &keyLock{ch: make(chan struct{}, 1)}
		l.m[key] = kl
	}
	kl.refs++
	l.mu.Unlock()
	select {
	case kl.ch <- struct{}{}:
		return func() {
			<-kl.ch
			l.release(key, kl)
		}, nil
	case <-ctx.Done():
		l.release(key, kl)
		return nil, ctx.Err()
	}
}

func (l *keyLocks) release(key string, kl *keyLock) {
	l.mu.Lock()
	kl.refs--
	if kl.refs == 0 {
		delete(l.m, key)
	}
	l.mu.Unlock()
}

// held returns how many keys have a lock (for tests).
func (l *keyLocks) held() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}

// tracer is told each step of a durable write, for the tests that check
// their order. A nil tracer does nothing.
type tracer func(step string)

func (t tracer) step(s string) {
	if t != nil {
		t(s)
	}
}
