package memcache_test

import (
	"log"
	"os"
	"time"

	"github.com/bradfitz/gomemcache/memcache"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	"github.com/djsession/djsession/store/cacheddb"
	memcachestore "github.com/djsession/djsession/store/memcache"
	"github.com/djsession/djsession/store/sqlstore"
)

// Sessions shared with a Django site whose settings are
//
//	CACHES = {"default": {
//	    "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
//	    "LOCATION": ["10.0.0.1:11211", "10.0.0.2:11211"]}}
//	SESSION_ENGINE = "django.contrib.sessions.backends.cache"
//
// the same servers through Rendezvous (each key on the server pymemcache
// picks), the pickle codec, and the site's SECRET_KEY.
func Example() {
	selector, err := memcachestore.NewRendezvous("10.0.0.1:11211", "10.0.0.2:11211")
	if err != nil {
		log.Fatal(err)
	}
	client := memcache.NewFromSelector(selector)
	client.Timeout = 200 * time.Millisecond // gomemcache takes no context: this bounds every call
	client.MaxIdleConns = 64                // above the peak of concurrent requests
	store, err := memcachestore.New(client, memcachestore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	sessions, err := session.New(store, session.Config{
		SecretKey: []byte(os.Getenv("DJANGO_SECRET_KEY")),
		Codec:     pickle.Codec{},
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = sessions // http.ListenAndServe(":8000", sessions.Middleware(mux))
}

// Sessions for Go alone on one memcached: the JSON codec.
func Example_goOnly() {
	client := memcache.New("127.0.0.1:11211")
	store, err := memcachestore.New(client, memcachestore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	sessions, err := session.New(store, session.Config{
		SecretKey: []byte(os.Getenv("SECRET_KEY")),
		Codec:     session.JSONCodec{},
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = sessions
}

// Django's cached_db engine on memcached: the django_session table
// (store/sqlstore, opened with its driver's module) behind the memcached
// RawCache. The client's Timeout is cacheddb's CacheTimeout,
// since gomemcache takes no context.
func Example_cachedDB() {
	secretKey := []byte(os.Getenv("DJANGO_SECRET_KEY"))
	var db *sqlstore.Store // sqlite.New, postgres.New or mysql.New: Django's django_session table
	client := memcache.New("127.0.0.1:11211")
	client.Timeout = cacheddb.DefaultCacheTimeout
	cache, err := memcachestore.NewRawCache(client)
	if err != nil {
		log.Fatal(err)
	}
	store, err := cacheddb.New(db, cache, cacheddb.Options{
		DBCodec: session.NewDjangoCodec(secretKey, nil, nil), // what Django's db engine writes
	})
	if err != nil {
		log.Fatal(err)
	}
	sessions, err := session.New(store, session.Config{SecretKey: secretKey})
	if err != nil {
		log.Fatal(err)
	}
	_ = sessions
}
