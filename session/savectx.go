package session

import (
	"context"
	"sync"
	"time"
)

// saveContext is the context of the middleware's own save: the request's
// context without its cancellation (detachedContext), with the deadline of
// Config.SaveTimeout. It lives in the Session, so a save costs no
// allocation for it; its Done channel and timer are made only when a store
// asks for Done (a network client selecting on it), and an in-process
// store, which only calls Err, never pays for them.
type saveContext struct {
	parent   *detachedContext
	deadline time.Time

	mu    sync.Mutex
	done  chan struct{}
	timer *time.Timer
	err   error
}

// start arms the context for a save that must end by deadline.
func (c *saveContext) start(parent *detachedContext, deadline time.Time) {
	c.parent, c.deadline = parent, deadline
}

// stop releases the timer, if one was made.
func (c *saveContext) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil {
		c.timer.Stop()
	}
}

func (c *saveContext) Deadline() (time.Time, bool) { return c.deadline, true }

func (c *saveContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		d := time.Until(c.deadline)
		if d <= 0 {
			c.expireLocked()
		} else {
			c.timer = time.AfterFunc(d, c.expire)
		}
	}
	return c.done
}

func (c *saveContext) expire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expireLocked()
}

func (c *saveContext) expireLocked() {
	if c.err == nil {
		c.err = context.DeadlineExceeded
		close(c.done)
	}
}

func (c *saveContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil && !time.Now().Before(c.deadline) {
		c.err = context.DeadlineExceeded
		if c.done != nil {
			close(c.done)
		}
	}
	return c.err
}

func (c *saveContext) Value(key any) any { return c.parent.Value(key) }

func (c *saveContext) String() string { return "session.saveContext" }
