// Package benchmarks measures the session middleware side by side with
// alexedwards/scs (memstore) and gorilla/sessions (CookieStore, signed and
// signed and encrypted, beside store/cookiestore's two forms) on the same
// handlers and the same session content. It is its own module so that the
// library never depends on its peers. See BENCHMARKS.md at the repository
// root for the numbers and the command.
package benchmarks
