module github.com/djsession/djsession/benchmarks

go 1.26.0

require (
	github.com/alexedwards/scs/v2 v2.9.0
	github.com/djsession/djsession v0.0.0-00010101000000-000000000000
	github.com/gorilla/sessions v1.4.0
)

require (
	github.com/gorilla/securecookie v1.1.2 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/djsession/djsession => ../
