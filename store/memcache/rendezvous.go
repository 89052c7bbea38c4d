package memcache

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"unicode/utf8"

	gomemcache "github.com/bradfitz/gomemcache/memcache"
)

// Rendezvous is a gomemcache.ServerSelector that picks, for every key, the
// server that pymemcache's HashClient picks (Django's PyMemcacheCache) for
// the same server list: rendezvous (highest random weight) hashing, where
// each server scores murmur3_32("NODE-KEY", seed 0) and the highest score
// wins (a tie goes to the greater name). NODE is pymemcache's name for the
// server: "host:port" as Django's LOCATION gives it ("[::1]:11211" is
// named "::1:11211", a missing port is 11211), or a Unix socket's path.
// So a Go service and a Django site that list the same servers (in any
// order) find each other's sessions.
//
// While a server is down the two sides differ: pymemcache counts its
// failures and, after retry_attempts (2), removes it from its hash ring for
// dead_timeout (60 s), so Django moves that server's keys to the others
// for a while; Rendezvous keeps the list it was given, so Go's calls for
// those keys fail (Load reports a miss: an anonymous request). The sessions
// that server held are gone either way (memcached keeps nothing), and a
// session that Django created on another server during the outage is not
// found by Go (nor by Django, once the server is back). Give both sides the
// same list, and replace a dead server rather than removing it.
//
// It is safe for concurrent use; the list does not change after
// NewRendezvous.
type Rendezvous struct {
	nodes []rendezvousNode
}

type rendezvousNode struct {
	name string // pymemcache's node name
	addr net.Addr
}

// NewRendezvous returns a Rendezvous on servers, each in Django's LOCATION
// form: "host:port", "host" (port 11211), "[v6]:port", "unix:/path" or
// "/path". The addresses are resolved once, now.
func NewRendezvous(servers ...string) (*Rendezvous, error) {
	if len(servers) == 0 {
		return nil, fmt.Errorf("memcache store: no servers")
	}
	r := &Rendezvous{}
	for _, s := range servers {
		name, network, address, err := nodeName(s)
		if err != nil {
			return nil, err
		}
		var addr net.Addr
		if network == "unix" {
			addr, err = net.ResolveUnixAddr("unix", address)
		} else {
			addr, err = net.ResolveTCPAddr("tcp", address)
		}
		if err != nil {
			return nil, fmt.Errorf("memcache store: server %q: %w", s, err)
		}
		for _, n := range r.nodes {
			if n.name == name { // pymemcache's clients dict keeps one
				name = ""
				break
			}
		}
		if name != "" {
			r.nodes = append(r.nodes, rendezvousNode{name: name, addr: addr})
		}
	}
	return r, nil
}

// nodeName parses a server as pymemcache's normalize_server_spec does and
// returns the node name HashClient hashes with, and the address to dial.
func nodeName(server string) (name, network, address string, err error) {
	switch {
	case strings.HasPrefix(server, "unix:"):
		p := server[len("unix:"):]
		return p, "unix", p, nil
	case strings.HasPrefix(server, "/"):
		return server, "unix", server, nil
	}
	host, port := server, 11211
	if strings.Contains(server, ":") && !strings.HasSuffix(server, "]") {
		i := strings.LastIndexByte(server, ':')
		p, perr := strconv.Atoi(strings.TrimSpace(server[i+1:]))
		if perr != nil {
			return "", "", "", fmt.Errorf("memcache store: server %q: bad port", server)
		}
		host, port = server[:i], p
	}
	host = strings.Trim(host, "[]")
	return host + ":" + strconv.Itoa(port), "tcp", net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// PickServer returns the server of key.
func (r *Rendezvous) PickServer(key string) (net.Addr, error) {
	if len(r.nodes) == 0 {
		return nil, gomemcache.ErrNoServers
	}
	return r.nodes[r.pick(key)].addr, nil
}

// Server returns pymemcache's name of the server key lands on.
func (r *Rendezvous) Server(key string) string {
	return r.nodes[r.pick(key)].name
}

func (r *Rendezvous) pick(key string) int {
	best, bestScore := 0, int64(-1)
	buf := make([]rune, 0, 64+len(key))
	for i, n := range r.nodes {
		buf = append(buf[:0], []rune(n.name)...)
		buf = append(buf, '-')
		buf = appendRunes(buf, key)
		score := int64(murmur3Runes(buf, 0))
		if score > bestScore || (score == bestScore && n.name > r.nodes[best].name) {
			best, bestScore = i, score
		}
	}
	return best
}

// appendRunes appends the code points of s, as Python sees a str (the key
// Django hands pymemcache is a str).
func appendRunes(buf []rune, s string) []rune {
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		buf = append(buf, r)
		s = s[n:]
	}
	return buf
}

// Each calls f for each server, in the order given.
func (r *Rendezvous) Each(f func(net.Addr) error) error {
	for _, n := range r.nodes {
		if err := f(n.addr); err != nil {
			return err
		}
	}
	return nil
}

// murmur3Runes is pymemcache's murmur3_32 (pymemcache/client/murmur3.py),
// which hashes a Python str: one "byte" per code point (its low 8 bits,
// ord(c) & 0xff) and the length in code points. For ASCII, this is
// MurmurHash3_x86_32 of the bytes.
func murmur3Runes(data []rune, seed uint32) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	h := seed
	n := len(data)
	end := n &^ 3
	for i := 0; i < end; i += 4 {
		k := uint32(data[i]&0xff) | uint32(data[i+1]&0xff)<<8 | uint32(data[i+2]&0xff)<<16 | uint32(data[i+3]&0xff)<<24
		k *= c1
		k = k<<15 | k>>17
		k *= c2
		h ^= k
		h = h<<13 | h>>19
		h = h*5 + 0xe6546b64
	}
	var k uint32
	switch n & 3 {
	case 3:
		k = uint32(data[end+2]&0xff) << 16
		fallthrough
	case 2:
		k |= uint32(data[end+1]&0xff) << 8
		fallthrough
	case 1:
		k |= uint32(data[end] & 0xff)
		k *= c1
		k = k<<15 | k>>17
		k *= c2
		h ^= k
	}
	h ^= uint32(n)
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

var _ gomemcache.ServerSelector = (*Rendezvous)(nil)
