package session

import (
	"errors"
	"testing"
)

func TestDecideResponse(t *testing.T) {
	storeErr := errors.New("store down")
	set := responseDecision{cookie: cookieSet, save: true, vary: true, private: true}
	del := responseDecision{cookie: cookieDelete, vary: true, private: true}
	for _, tc := range []struct {
		name   string
		st     responseState
		status int
		want   responseDecision
	}{
		{"untouched, no cookie", responseState{}, 200, responseDecision{}},
		{"untouched, a valid-looking cookie", responseState{hadCookie: true, validCookie: true}, 200, responseDecision{}},
		{"untouched, a malformed cookie is deleted", responseState{hadCookie: true}, 200, del},
		{"untouched, a malformed cookie is deleted on a 500 too", responseState{hadCookie: true}, 500, del},
		{"read only", responseState{touched: true, hadCookie: true, accessed: true}, 200, responseDecision{vary: true}},
		{"modified", responseState{touched: true, accessed: true, modified: true, needsSave: true}, 200, set},
		{"modified, 302", responseState{touched: true, accessed: true, modified: true, needsSave: true}, 302, set},
		{"modified, 404", responseState{touched: true, accessed: true, modified: true, needsSave: true}, 404, set},
		{"modified, 500: no save", responseState{touched: true, accessed: true, modified: true, needsSave: true}, 500, responseDecision{vary: true}},
		{"modified, 503: no save", responseState{touched: true, accessed: true, modified: true, needsSave: true}, 503, responseDecision{vary: true}},
		{"flushed: the cookie is deleted", responseState{touched: true, hadCookie: true, accessed: true, modified: true, empty: true}, 200, del},
		{"flushed without a cookie: nothing", responseState{touched: true, accessed: true, modified: true, empty: true}, 200, responseDecision{vary: true}},
		{"saved explicitly, clean: cookie only", responseState{touched: true, accessed: true, modified: true, saved: true}, 200,
			responseDecision{cookie: cookieSet, vary: true, private: true}},
		{"saved explicitly then changed: saved again", responseState{touched: true, accessed: true, modified: true, saved: true, needsSave: true}, 200, set},
		{"SaveEveryRequest, untouched session", responseState{touched: true, hadCookie: true, everyRequest: true, needsSave: true}, 200,
			responseDecision{cookie: cookieSet, save: true, private: true}},
		{"SaveEveryRequest, empty: nothing", responseState{touched: true, everyRequest: true, empty: true}, 200, responseDecision{}},
		{"load error: the error handler answers", responseState{touched: true, accessed: true, loadErr: storeErr}, 200, responseDecision{vary: true, fail: storeErr}},
		{"load error seen by the handler: its response", responseState{touched: true, accessed: true, loadErr: storeErr, errSeen: true}, 200, responseDecision{vary: true}},
		{"load error seen, then modified: the error handler", responseState{touched: true, accessed: true, loadErr: storeErr, errSeen: true, modified: true}, 200, responseDecision{vary: true, fail: storeErr}},
		{"load error on a 5xx: logged", responseState{touched: true, accessed: true, loadErr: storeErr}, 502, responseDecision{vary: true, logOnly: storeErr}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := decideResponse(tc.st, tc.status); got != tc.want {
				t.Errorf("decideResponse = %+v, want %+v", got, tc.want)
			}
		})
	}
}
