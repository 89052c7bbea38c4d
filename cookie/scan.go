package cookie

// Scanner reads the cookies of a request's Cookie header fields one at a
// time, as Get reads them (Django's parse_cookie: ';'-separated chunks split
// at the first '=', whitespace stripped, at most MaxCookies chunks), without
// allocating for values that need no decoding. It is the one Cookie-header
// reader of this library: Get, GetAll, All, Signer.Get and the session
// middleware use it.
//
//	sc := cookie.NewScanner(r.Header["Cookie"])
//	for {
//		v, ok := sc.Next("sessionid")
//		if !ok {
//			break
//		}
//		// v is one value of sessionid, decoded
//	}
type Scanner struct {
	p pairs
}

// NewScanner returns a Scanner over the Cookie header fields (r.Header["Cookie"]).
func NewScanner(fields []string) Scanner { return Scanner{p: pairs{fields: fields}} }

// Next returns the next value, decoded from Django's quoted form, of the
// cookie called name, and false when there is none left.
func (s *Scanner) Next(name string) (value string, ok bool) {
	for {
		k, v, ok := s.p.next()
		if !ok {
			return "", false
		}
		if k == name {
			return unquote(v), true
		}
	}
}
