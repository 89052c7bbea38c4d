package memory_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/memory"
)

// The memory store is Django's cache engine on LocMemCache: give it to
// session.New. It starts no goroutine; run ClearExpired on a ticker you own
// if you want the memory of expired sessions back before writes reclaim it.
func ExampleNew() {
	store := memory.New(memory.Options{
		MaxEntries: 50000, // Django's MAX_ENTRIES; a full store culls a third
	})
	sessions, err := session.New(store, session.Config{SecretKey: []byte("a-long-random-secret-from-your-configuration")})
	if err != nil {
		log.Fatal(err)
	}
	_ = sessions // sessions.Middleware(mux)

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		tick := time.NewTicker(10 * time.Minute)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				_ = store.ClearExpired(ctx)
			}
		}
	}()
	fmt.Println(store.Len())
	// Output: 0
}

// Records expire on their own: a load after the expiry finds nothing.
func ExampleStore_Load() {
	now := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	store := memory.New(memory.Options{Now: func() time.Time { return now }})
	ctx := context.Background()
	key := session.NewKey()
	if err := store.Save(ctx, key, []byte(`{"user":"alice"}`), now.Add(time.Hour), true); err != nil {
		log.Fatal(err)
	}
	data, _, found, _ := store.Load(ctx, key)
	fmt.Println(string(data), found)
	now = now.Add(2 * time.Hour)
	_, _, found, _ = store.Load(ctx, key)
	fmt.Println(found)
	// Output:
	// {"user":"alice"} true
	// false
}
