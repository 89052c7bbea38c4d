// Package doccheck holds the test that keeps the project's Go snippets
// compiling: every ```go block of every Markdown file in the repository
// (README.md, docs/, BENCHMARKS.md…) and every code block of every package
// doc comment (doc.go or the file that carries the package comment, in any
// module of the tree) is type-checked against the packages as they are
// now, by "go test ./internal/doccheck" (part of "go test ./..." of the
// core module, and so of make test).
//
// # What a snippet may be
//
//   - A whole file, starting with its package clause. It must compile as
//     it is, unused imports and variables included, and a package main
//     must have its func main.
//   - Declarations (functions, types, variables), optionally after import
//     declarations.
//   - Statements, optionally after import declarations: they are checked
//     as the body of a function.
//
// In the last two forms the imports may be left out: a package of the
// project (session, cookie, auth, memory, sqlite…) or a common package of
// the standard library (http, fmt, log, os, time, context…) that the
// snippet names is imported for it, and an unused import or variable is
// not an error (a fragment's variables are used by the reader's own code).
// A fragment may also use these names without declaring them: w
// (http.ResponseWriter), r (*http.Request), ctx (context.Context), mux
// (*http.ServeMux), key and secret ([]byte), sessions (*session.Manager),
// s (*session.Session), a (*auth.Authenticator), user (auth.User), db
// (*sql.DB), t (*testing.T), handler, next and accountPage
// (http.Handler), lookupUser (an auth.Config.LookupUser), and the type
// Prefs. The list is prelude in docs_test.go; add to it rather than leave
// a snippet unchecked.
//
// # Which blocks are not Go
//
// In Markdown only blocks fenced as ```go are checked: a shell or Python
// block says so in its info string (```sh, ```python, ```text). A ```go
// block that must not be compiled (a sketch with a deliberate gap) opts
// out with an HTML comment on the line before its fence:
//
//	<!-- doccheck: skip (why) -->
//
// A code block of a doc comment is checked when it parses as Go and does
// something (a call, an assignment, a declaration...), or when it looks
// like Go (":=", "err != nil", or a line starting with func, import,
// package, var, type, if, for, defer or return) — then a block that does
// not parse is an error. Tables, wire formats, shell commands and
// Set-Cookie lines are none of these and are left alone. A block that
// looks like Go but is not meant to compile opts out with the words "(not
// compiled)" in the line of text just before it.
package doccheck
