package redis_test

import (
	"log"
	"net/http"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/session/pickle"
	redisstore "github.com/djsession/djsession/store/redis"
)

// Sessions for Go alone, on one Redis node: the JSON codec.
func Example() {
	client := redis.NewClient(&redis.Options{
		Addr:                  "127.0.0.1:6379",
		ContextTimeoutEnabled: true, // so that deadlines reach go-redis
	})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.Options{})
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
	_ = http.ListenAndServe // http.ListenAndServe(":8000", sessions.Middleware(mux))
	_ = sessions
}

// Sessions shared with a Django site whose settings are
//
//	CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache",
//	                      "LOCATION": "redis://redis:6379/0", "KEY_PREFIX": "site"}}
//	SESSION_ENGINE = "django.contrib.sessions.backends.cache"
//
// on a Redis Cluster: the same KEY_PREFIX, the pickle codec, and the site's
// SECRET_KEY (for the auth hash of a login).
func Example_django() {
	client := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:                 []string{"redis-1:6379", "redis-2:6379", "redis-3:6379"},
		ContextTimeoutEnabled: true,
	})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.Options{KeyPrefix: "site"})
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
	_ = sessions
}

// Sessions on a Sentinel deployment, with the bounds of a site that
// would rather answer an error in a second than wait: the store bounds
// every call (the middleware's read has only the request's context),
// the session package bounds the save, and go-redis gives up on a dead
// master sooner than its defaults would.
func Example_sentinel() {
	client := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:            "mymaster",
		SentinelAddrs:         []string{"sentinel-1:26379", "sentinel-2:26379", "sentinel-3:26379"},
		ContextTimeoutEnabled: true,
		MaxRetries:            1,
	})
	defer client.Close()
	store, err := redisstore.New(client, redisstore.Options{Timeout: time.Second})
	if err != nil {
		log.Fatal(err)
	}
	sessions, err := session.New(store, session.Config{
		SecretKey:   []byte(os.Getenv("SECRET_KEY")),
		Codec:       session.JSONCodec{},
		SaveTimeout: time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = sessions
}
