// Package cookie writes and reads HTTP cookies exactly as Django does, for
// net/http: the Set-Cookie headers of response.set_cookie, delete_cookie and
// set_signed_cookie, and the request.COOKIES and get_signed_cookie readers.
// A Go service and a Django site that share a domain and a SECRET_KEY can
// therefore read each other's cookies, signed ones included.
//
// # Django and Go side by side
//
//	Django                                          Go
//	response.set_cookie(k, v, max_age=60)           cookie.Set(w, k, v, cookie.Options{MaxAge: cookie.MaxAge(60 * time.Second)})
//	response.set_cookie(k, v, expires=datetime)     cookie.Set(w, k, v, cookie.Options{Expires: t})
//	response.set_cookie(k, v, path=, domain=,       cookie.Options{Path: , Domain: , Secure: true, HttpOnly: true,
//	    secure=True, httponly=True, samesite='Lax')     SameSite: http.SameSiteLaxMode}
//	response.delete_cookie(k, path=, domain=,       cookie.Delete(w, k, cookie.DeleteOptions{Path: , Domain: , SameSite: })
//	    samesite=)
//	request.COOKIES[k]  (KeyError if absent)        cookie.Get(r, k)  (cookie.ErrNoCookie if absent)
//	request.COOKIES.get(k, default)                 cookie.GetDefault(r, k, def)
//	request.COOKIES                                 cookie.All(r)
//	(no equivalent)                                 cookie.GetAll(r, k): every duplicate, in order
//	response.set_signed_cookie(k, v, salt=s)        cookie.SetSigned(w, k, v, secret, s, opts)
//	                                                or (&cookie.Signer{SecretKey: secret, Salt: s}).Set(w, k, v, opts)
//	request.get_signed_cookie(k, salt=s,            cookie.GetSigned(r, k, secret, fallbacks, s, maxAge)
//	    max_age=n)                                  or (&cookie.Signer{...}).Get(r, k)
//	(no equivalent: Go only)                        cookie.Signer{..., GoOnly: true}: the name bound without
//	                                                ambiguity, a key of its own; Django cannot read it
//	request.get_signed_cookie(k, default=d, ...)    cookie.GetSignedDefault(...) or Signer.GetDefault(r, k, d)
//	signing.BadSignature / SignatureExpired         signing.ErrBadSignature / signing.ErrExpired (errors.Is)
//	http.cookies.CookieError                        cookie.ErrInvalidName, cookie.ErrReservedName
//
// # What Set writes
//
// One header per cookie, in the form of Python's Morsel, which Django uses:
// name=value, then the attributes sorted by lower-case name and separated by
// "; ":
//
//	name=value; Domain=…; expires=…; HttpOnly; Max-Age=…; Partitioned; Path=…; SameSite=…; Secure
//
// (expires is spelled in lower case, as Python does). Setting a cookie again,
// or deleting it, on the same response replaces the earlier header, so a
// response never carries two Set-Cookie headers for one name. Max-Age and
// expires are both written or both left out; Path defaults to "/".
//
// A value made only of letters, digits and !#$%&'*+-.^_`|~: is written as it
// is. Any other value, the empty one included, is written in the quoted form
// of Python's http.cookies: the whole value in double quotes, " and \
// escaped with a backslash, any other code point up to U+00FF outside that
// set and " ()/<=>?@[]{}" as a backslash and three octal digits (";" becomes
// \073, "é" becomes \351), and code points above U+00FF as UTF-8. Django and
// Get decode it back to the same string; it is what Django itself sends to
// browsers. Go's own http.SetCookie would drop the bytes it dislikes instead;
// Set never alters a value. (Go's client cookie jar, unlike browsers, drops
// a value that holds a backslash.)
//
// # Errors instead of silent fixes
//
// Set refuses, with an error that errors.Is matches, what a browser would
// silently ignore or Django would raise on: an illegal or reserved name
// (ErrInvalidName, ErrReservedName), a value that is not UTF-8
// (ErrInvalidValue), name and encoded value over 4096 bytes (a
// *TooLargeError, matching ErrTooLarge), a Path or Domain with a control
// character or ";" (ErrInvalidAttribute) or over 1024 bytes
// (ErrAttributeTooLong), both Expires and MaxAge (ErrExpiresAndMaxAge, as
// current Django), SameSite=None or Partitioned without Secure, and the
// rules of the __Secure- and __Host- prefixes, checked in any case
// (ErrPrefix).
//
// # Reading
//
// Get, GetDefault, GetAll and All read the Cookie header fields themselves,
// as Django's parse_cookie does, rather than through net/http's
// Request.Cookie: they decode Django's quoted form, keep values that
// net/http would reject, and let the last of several cookies with one name
// win as Django does (net/http returns the first). Reading is linear in the
// size of the header and looks at no more than MaxCookies
// ';'-separated chunks.
//
// # Deviations from Django
//
//   - Django 3.2 writes both attributes when given both expires and max_age;
//     current Django raises, and so does Set.
//   - Django writes SameSite=None without Secure, Partitioned (which it does
//     not support) without Secure, and prefixed names without their
//     attributes; browsers then drop the cookie. Set returns an error.
//   - Django writes SameSite with the caller's casing; Set writes Lax, Strict
//     or None.
//   - "partitioned" is a reserved name, as in Python 3.14.
//   - Max-Age is given as a time.Duration, not seconds; Django's raw
//     expires strings are not accepted, only times.
//   - Django decodes the Cookie header as UTF-8 with replacement characters;
//     Get returns the bytes as sent.
//   - Signer.Get tries every value of a duplicated cookie, last first, and
//     returns the first that verifies; Django checks only the last.
//   - GetSignedDefault returns the default for a validly signed value with a
//     malformed timestamp, where Django raises.
package cookie
