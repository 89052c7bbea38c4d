package sqltest

import (
	"context"
	"testing"
	"time"

	"github.com/djsession/djsession/store/sqlstore"
)

// SessionData is a typical stored session: Django's signed JSON of a
// logged-in user (about 200 bytes).
var SessionData = []byte("eyJfYXV0aF91c2VyX2lkIjoiNDIiLCJfYXV0aF91c2VyX2JhY2tlbmQiOiJkamFuZ28uY29udHJpYi5hdXRoLmJhY2tlbmRzLk1vZGVsQmFja2VuZCIsIl9hdXRoX3VzZXJfaGFzaCI6IjBhMWIyYzNkIn0:1uTQ2x:okpydDXtG5B_bW1UzGqyO_zKzxPWz6AvFEhgI6G8IIY")

// Bench runs the store benchmarks on s: Load of a live session, Save of an
// existing session (the request that changed its session), and Save with
// mustCreate (a new session). With a Counter on the store's connections it
// reports the statements each operation sent to the server (stmts/op).
func Bench(b *testing.B, s *sqlstore.Store, c *Counter) {
	ctx := context.Background()
	const n = 1000
	keys := make([]string, n)
	exp := time.Now().Add(time.Hour)
	for i := range keys {
		keys[i] = Key()
		if err := s.Save(ctx, keys[i], SessionData, exp, true); err != nil {
			b.Fatal(err)
		}
	}
	run := func(name string, op func(i int) error) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			if err := op(-1); err != nil { // prepare outside the timing
				b.Fatal(err)
			}
			var before int64
			if c != nil {
				before = c.Executed()
			}
			i := 0
			for b.Loop() {
				if err := op(i); err != nil {
					b.Fatal(err)
				}
				i++
			}
			if c != nil && i > 0 {
				b.ReportMetric(float64(c.Executed()-before)/float64(i), "stmts/op")
			}
		})
	}
	run("Load", func(i int) error {
		_, _, found, err := s.Load(ctx, keys[(i+n)%n])
		if err == nil && !found {
			b.Fatal("a live session was not found")
		}
		return err
	})
	run("Save", func(i int) error {
		return s.Save(ctx, keys[(i+n)%n], SessionData, exp.Add(time.Duration(i)*time.Microsecond), false)
	})
	run("Create", func(int) error {
		return s.Save(ctx, Key(), SessionData, exp, true)
	})
}
