// Package cookiestore keeps the whole session in the session cookie:
// Django's signed_cookies engine, and an encrypted form that Django lacks.
// There is no server-side record, so it needs no database, cache or disk.
//
//	cfg := session.Config{SecretKey: key}
//	store, err := cookiestore.New(cfg, cookiestore.Options{})
//	if err != nil { log.Fatal(err) }
//	sessions, err := session.New(store, cfg) // the same Config
//
// # The two forms
//
// The signed form (the default) is Django's
// django.contrib.sessions.backends.signed_cookies: the cookie value is
// signing.dumps(session, salt="django.contrib.sessions.backends.signed_cookies",
// compress=True), JSON zlib-compressed when that is shorter, base64url,
// timestamped and HMAC-SHA256-signed with the secret key. A Go service and
// a Django site with the same SECRET_KEY read each other's cookies. The
// data is signed, not hidden: anyone who holds the cookie can read it.
//
// The encrypted form (Options.Encrypted) seals the session with AES-256-GCM
// under a key derived from the secret key for this purpose alone
// (signing.PurposeKey), with a random nonce for every seal. The cookie name
// and the form's version are bound into the additional data, so a value
// sealed for one cookie is refused under another name, and the expiry is
// inside the sealed payload. The value is "e1." and the base64url of
// nonce, ciphertext and tag. Only Go reads it. It is not compressed:
// compressing before encrypting lets the length of the cookie tell an
// observer about its content.
//
// Both forms sign or seal with SecretKey and accept FallbackKeys, so that a
// key can be rotated without logging everybody out.
//
// # Expiry
//
// Django's engine checks the signed timestamp against SESSION_COOKIE_AGE
// and nothing else: a session given set_expiry(300) keeps working on the
// server for two weeks if a copy of its cookie is replayed (Django ticket
// #19201). This store also checks the session's own expiry
// (session.ExpiryKey, read by session.StoredExpiry from the signing time),
// so a SetExpiry(300) session dies on the server after 300 seconds too.
// The encrypted form keeps the expiry the Manager computed inside the
// sealed payload and checks it.
//
// # Size
//
// A browser keeps a cookie of at most 4096 bytes, name, value and
// attributes included. SaveKey measures the longest Set-Cookie line the
// Manager can write for the value (with the Config's Domain, Path,
// SameSite, Secure, HttpOnly, Partitioned, expires and the longest
// Max-Age) and refuses a session that does not fit with a
// *session.SizeError naming the largest values ("the 4096-byte cookie"):
// Session.Save returns it, and the middleware's save hands it to the
// ErrorHandler (a 500 by default). A cookie is never truncated or dropped
// without a word. Django writes such a cookie and the browser ignores it.
//
// # What the Manager does with it
//
// The Store is a session.DataKeyedStore: the key is the cookie value, made
// by SaveKey from the data; the Manager checks cookie values with ValidKey
// (the form only, no cryptography) and loads them with LoadValues. A
// tampered, expired or foreign cookie (another secret key, another form,
// another cookie name for the encrypted form, anything that is not a
// cookie of this store) is an empty session, as in Django, and the
// middleware deletes the cookie. CycleKey and Flush behave as in Django's
// engine: CycleKey signs the same data again and sends the cookie (within
// one second the signed form gives the same value, as Django's does; the
// encrypted form seals with a new nonce), Flush empties the session and the
// middleware deletes the cookie.
//
// A browser sends the same cookie on every request until the session
// changes, so the store keeps the cookies that verified, decoded, in a
// bounded cache (Options.CacheEntries): a read-only request then costs no
// HMAC, decryption or JSON decoding. The whole cookie value is the key, and
// the expiry is checked again on every hit.
//
// What this engine cannot do, by its nature: Manager.Exists,
// Manager.ClearExpired and Manager.Count return an error matching
// session.ErrNotSupported (there is no server-side record to look for,
// clear or count); Delete has nothing to remove. Above all, a session cannot
// be revoked on the server before it expires: logout deletes the cookie in
// the browser, but a copy of the cookie taken before keeps working until
// its expiry, or until the secret key changes. Where that matters (logins
// that must end on logout, "log out everywhere"), use a server-side store:
// store/sqlstore, or another engine with a record to delete. See
// SECURITY.md.
package cookiestore
