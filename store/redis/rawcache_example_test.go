package redis_test

import (
	"log"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/djsession/djsession/session"
	"github.com/djsession/djsession/store/cacheddb"
	redisstore "github.com/djsession/djsession/store/redis"
	"github.com/djsession/djsession/store/sqlstore"
)

// Django's cached_db engine with django-redis as its cache: the
// django_session table (store/sqlstore, opened with its driver's module)
// behind the Redis RawCache. MaxRetries -1: the breaker of
// cacheddb decides what a failing cache costs.
func Example_cachedDB() {
	secretKey := []byte(os.Getenv("DJANGO_SECRET_KEY"))
	var db *sqlstore.Store // sqlite.New, postgres.New or mysql.New: Django's django_session table
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true, MaxRetries: -1})
	defer client.Close()
	cache, err := redisstore.NewRawCache(client)
	if err != nil {
		log.Fatal(err)
	}
	store, err := cacheddb.New(db, cache, cacheddb.Options{
		DBCodec: session.NewDjangoCodec(secretKey, nil, nil),
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
