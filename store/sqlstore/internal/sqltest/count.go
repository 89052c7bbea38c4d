package sqltest

import (
	"context"
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
)

// Wire protocols whose client messages a Counter can read.
const (
	ProtoPostgres = "postgres"
	ProtoMySQL    = "mysql"
)

// Counter counts the statements a client sends to a database server, by
// reading the client's side of the wire protocol on connections made by its
// Dial: PostgreSQL's Execute and Query messages, MySQL's COM_STMT_EXECUTE
// and COM_QUERY commands. Prepares are counted apart.
type Counter struct {
	proto    string
	executed atomic.Int64
	prepared atomic.Int64
}

// NewCounter returns a Counter for proto (ProtoPostgres or ProtoMySQL).
func NewCounter(proto string) *Counter { return &Counter{proto: proto} }

// Executed returns how many statements were executed so far.
func (c *Counter) Executed() int64 { return c.executed.Load() }

// Prepared returns how many statements were prepared so far.
func (c *Counter) Prepared() int64 { return c.prepared.Load() }

// Dial opens a TCP connection whose writes are counted.
func (c *Counter) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, c: c, first: true}, nil
}

type countingConn struct {
	net.Conn
	c     *Counter
	mu    sync.Mutex
	buf   []byte
	first bool // PostgreSQL's startup message has no type byte
}

func (cc *countingConn) Write(p []byte) (int, error) {
	cc.mu.Lock()
	cc.buf = append(cc.buf, p...)
	cc.scan()
	cc.mu.Unlock()
	return cc.Conn.Write(p)
}

// scan consumes the complete messages in buf.
func (cc *countingConn) scan() {
	for {
		switch cc.c.proto {
		case ProtoPostgres:
			if cc.first {
				if len(cc.buf) < 4 {
					return
				}
				n := int(binary.BigEndian.Uint32(cc.buf))
				if len(cc.buf) < n {
					return
				}
				cc.buf = cc.buf[n:]
				cc.first = false
				continue
			}
			if len(cc.buf) < 5 {
				return
			}
			n := 1 + int(binary.BigEndian.Uint32(cc.buf[1:]))
			if len(cc.buf) < n {
				return
			}
			switch cc.buf[0] {
			case 'E', 'Q':
				cc.c.executed.Add(1)
			case 'P':
				cc.c.prepared.Add(1)
			}
			cc.buf = cc.buf[n:]
		case ProtoMySQL:
			if len(cc.buf) < 5 {
				return
			}
			n := 4 + int(uint32(cc.buf[0])|uint32(cc.buf[1])<<8|uint32(cc.buf[2])<<16)
			if len(cc.buf) < n {
				return
			}
			if seq := cc.buf[3]; seq == 0 { // a new command
				switch cc.buf[4] {
				case 0x03, 0x17: // COM_QUERY, COM_STMT_EXECUTE
					cc.c.executed.Add(1)
				case 0x16: // COM_STMT_PREPARE
					cc.c.prepared.Add(1)
				}
			}
			cc.buf = cc.buf[n:]
		default:
			cc.buf = cc.buf[:0]
			return
		}
	}
}
