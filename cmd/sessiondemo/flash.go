package main

import (
	"net/http"

	"github.com/djsession/djsession/session"
)

// messagesKey is the session key of the messages waiting to be shown: a
// list that the next page rendered reads and removes, so that a message
// is shown once, after the redirect that follows a POST (what Django's
// messages framework does with its session storage; the format is the
// demo's own).
const messagesKey = "_demo_messages"

// Message levels, as Django's messages name them.
const (
	levelSuccess = "success"
	levelInfo    = "info"
	levelError   = "error"
)

// message is one message for the next page.
type message struct {
	Level string   `json:"level"`
	Text  string   `json:"text"`
	Tag   string   `json:"tag,omitempty"`   // where it goes: "" the top of the page, or a part of a page
	Lines []string `json:"lines,omitempty"` // preformatted lines shown under the text
}

// addMessage queues a message for the next page the session's browser
// loads (Django's messages.add_message).
func addMessage(r *http.Request, m message) {
	s, ok := session.FromContext(r.Context())
	if !ok {
		return // a page outside the session middleware (the CSRF refusal)
	}
	list, _, _ := session.Get[[]message](s, messagesKey)
	s.Set(messagesKey, append(list, m))
}

// popMessages returns the queued messages and removes them from the
// session; a session without any is not touched.
func popMessages(r *http.Request) []message {
	s, ok := session.FromContext(r.Context())
	if !ok || !s.Has(messagesKey) {
		return nil
	}
	list, _, _ := session.Get[[]message](s, messagesKey)
	s.Delete(messagesKey)
	return list
}

// tagged returns the messages with the given tag.
func tagged(msgs []message, tag string) []message {
	var out []message
	for _, m := range msgs {
		if m.Tag == tag {
			out = append(out, m)
		}
	}
	return out
}
