package main

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// TestAPISession: /api/session is the Django site's /session.json on the
// Go side: the user and the session's items as JSON, read without saving.
func TestAPISession(t *testing.T) {
	d := newDemo(t, config{Engine: "memory"})
	c := d.client()
	var v struct {
		User      any            `json:"user"`
		HasKey    *bool          `json:"has_session_key"`
		Items     map[string]any `json:"items"`
		ExpiryAge json.Number    `json:"expiry_age"`
	}
	decode := func(body string) {
		t.Helper()
		v.User, v.HasKey, v.Items = nil, nil, nil
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
	}
	r := d.do(c, "GET", "/api/session", nil)
	decode(r.body)
	if r.status != 200 || v.User != nil || v.HasKey == nil || *v.HasKey || len(v.Items) != 0 || v.ExpiryAge.String() != "1209600" {
		t.Errorf("anonymous: %d %s", r.status, r.body)
	}
	if r.header.Get("Set-Cookie") != "" {
		t.Errorf("reading the session set a cookie: %s", r.header.Get("Set-Cookie"))
	}
	d.login(c, "alice", "wonderland", "")
	d.do(c, "POST", "/session/", url.Values{"action": {"set"}, "key": {"n"}, "value": {`{"big": 9007199254740993, "s": "grüß"}`}, "json": {"1"}})
	r = d.do(c, "GET", "/api/session", nil)
	decode(r.body)
	n, _ := v.Items["n"].(map[string]any)
	if v.HasKey == nil || !*v.HasKey {
		t.Errorf("logged in, has_session_key is not true: %s", r.body)
	}
	key := ""
	for _, ck := range c.Jar.Cookies(mustURL(t, d.ts.URL)) {
		if ck.Name == "sessionid" {
			key = ck.Value
		}
	}
	if key == "" || strings.Contains(r.body, key) {
		t.Errorf("the body carries the HttpOnly session cookie's value (or there is none): %s", r.body)
	}
	if v.User != "alice" || v.Items["_auth_user_id"] != "1" || n["big"] != json.Number("9007199254740993") || n["s"] != "grüß" {
		t.Errorf("logged in: %s", r.body)
	}
	if r.header.Get("Set-Cookie") != "" {
		t.Errorf("reading the session saved it: %s", r.header.Get("Set-Cookie"))
	}
}
