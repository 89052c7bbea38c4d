module github.com/djsession/djsession/store/sqlstore/mysql

go 1.26.0

require (
	github.com/djsession/djsession v0.0.0-00010101000000-000000000000
	github.com/go-sql-driver/mysql v1.10.1
)

require filippo.io/edwards25519 v1.2.0 // indirect

replace github.com/djsession/djsession => ../../..
