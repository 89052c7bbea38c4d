module github.com/djsession/djsession/benchmarks

go 1.26.0

require (
	github.com/alexedwards/scs/redisstore v0.0.0-20251002162104-209de6e426de
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/bradfitz/gomemcache v0.0.0-20260422231931-4d751bb6e37c
	github.com/djsession/djsession v0.0.0-00010101000000-000000000000
	github.com/djsession/djsession/store/redis v0.0.0-00010101000000-000000000000
	github.com/gomodule/redigo v1.9.3
	github.com/gorilla/sessions v1.4.0
	github.com/redis/go-redis/v9 v9.23.0
)

require (
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/pgx/v5 v5.12.0 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/djsession/djsession/store/memcache v0.0.0-00010101000000-000000000000
	github.com/djsession/djsession/store/sqlstore/postgres v0.0.0-00010101000000-000000000000
	github.com/gorilla/securecookie v1.1.2 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/djsession/djsession => ../

replace github.com/djsession/djsession/store/redis => ../store/redis

replace github.com/djsession/djsession/store/memcache => ../store/memcache

replace github.com/djsession/djsession/store/sqlstore/postgres => ../store/sqlstore/postgres
