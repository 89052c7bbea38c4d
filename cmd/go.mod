module github.com/djsession/djsession/cmd

go 1.26.0

require (
	github.com/bradfitz/gomemcache v0.0.0-20260422231931-4d751bb6e37c
	github.com/chromedp/cdproto v0.159.0
	github.com/chromedp/chromedp v0.23.0
	github.com/djsession/djsession v0.0.0-00010101000000-000000000000
	github.com/djsession/djsession/store/redis v0.0.0-00010101000000-000000000000
	github.com/djsession/djsession/store/sqlstore/mysql v0.0.0-00010101000000-000000000000
	github.com/djsession/djsession/store/sqlstore/postgres v0.0.0-00010101000000-000000000000
	github.com/djsession/djsession/store/sqlstore/sqlite v0.0.0-00010101000000-000000000000
	github.com/redis/go-redis/v9 v9.23.0
)

require (
	filippo.io/edwards25519 v1.2.0 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/djsession/djsession/store/memcache v0.0.0-00010101000000-000000000000
	github.com/dustin/go-humanize v1.1.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/go-sql-driver/mysql v1.10.1
	github.com/google/uuid v1.6.0 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/pgx/v5 v5.12.0 // indirect
	github.com/jackc/puddle/v2 v2.2.3 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/ncruces/go-strftime v1.1.0 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.41.0 // indirect
	modernc.org/libc v1.80.1 // indirect
	modernc.org/mathutil v1.7.1 // indirect
	modernc.org/memory v1.12.1 // indirect
	modernc.org/sqlite v1.62.0 // indirect
)

replace (
	github.com/djsession/djsession => ../
	github.com/djsession/djsession/store/redis => ../store/redis
	github.com/djsession/djsession/store/sqlstore/mysql => ../store/sqlstore/mysql
	github.com/djsession/djsession/store/sqlstore/postgres => ../store/sqlstore/postgres
	github.com/djsession/djsession/store/sqlstore/sqlite => ../store/sqlstore/sqlite
)

replace github.com/djsession/djsession/store/memcache => ../store/memcache
