package testservers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// SentinelMasterName is the name the sentinels of StartRedisSentinel
// monitor their master under (a failover client's MasterName).
const SentinelMasterName = "djsession"

// RedisSentinel is a master, its replicas and the sentinels that watch
// them, started by StartRedisSentinel on 127.0.0.1.
type RedisSentinel struct {
	// Data are the redis-servers: Data[0] is the first master, the others
	// replicate it. After a failover any of them may be the master: ask
	// Master.
	Data []*Server
	// Sentinels are the redis-server --sentinel processes.
	Sentinels []*Server
	// Dir holds one directory per process.
	Dir string

	ownsDir bool
}

// RedisSentinelOptions configures StartRedisSentinel. The zero value is
// one master, one replica and three sentinels (quorum 2) that call a
// master down after 2 s without an answer.
type RedisSentinelOptions struct {
	// Replicas is the number of replicas; zero means 1.
	Replicas int
	// Sentinels is the number of sentinels; zero means 3. The quorum is a
	// majority of them.
	Sentinels int
	// DownAfter is down-after-milliseconds; zero means 2 s (Sentinel's
	// default is 30 s; less risks a failover of a master that a loaded
	// machine kept waiting).
	DownAfter time.Duration
}

// StartRedisSentinel starts a master with an append-only file
// (appendonly yes, appendfsync everysec), its replicas and the sentinels
// in dir (an empty dir means a temporary directory that Close removes),
// and returns once every sentinel sees the master, every replica in sync
// and every other sentinel.
func StartRedisSentinel(ctx context.Context, dir string, opts RedisSentinelOptions) (*RedisSentinel, error) {
	if opts.Replicas == 0 {
		opts.Replicas = 1
	}
	if opts.Sentinels == 0 {
		opts.Sentinels = 3
	}
	if opts.DownAfter == 0 {
		opts.DownAfter = 2 * time.Second
	}
	dir, owns, err := deploymentDir(dir, "djsession-redis-sentinel-")
	if err != nil {
		return nil, err
	}
	r := &RedisSentinel{Dir: dir, ownsDir: owns}
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	persist := []string{"--appendonly", "yes", "--appendfsync", "everysec"}
	master, err := StartRedis(ctx, filepath.Join(r.Dir, "data0"), persist...)
	if err != nil {
		r.Close()
		return nil, err
	}
	r.Data = append(r.Data, master)
	host, port, _ := strings.Cut(master.Addr, ":")
	for i := 1; i <= opts.Replicas; i++ {
		s, err := StartRedis(ctx, filepath.Join(r.Dir, "data"+strconv.Itoa(i)), append(persist, "--replicaof", host, port)...)
		if err != nil {
			r.Close()
			return nil, err
		}
		r.Data = append(r.Data, s)
	}
	for i := range opts.Sentinels {
		s, err := startSentinel(ctx, filepath.Join(r.Dir, "sentinel"+strconv.Itoa(i)), master.Addr, opts.Sentinels/2+1, opts.DownAfter)
		if err != nil {
			r.Close()
			return nil, err
		}
		r.Sentinels = append(r.Sentinels, s)
	}
	if err := r.WaitHealthy(ctx); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// startSentinel starts one sentinel with a configuration file of its own
// (a sentinel rewrites it as it learns the topology).
func startSentinel(ctx context.Context, dir, master string, quorum int, downAfter time.Duration) (*Server, error) {
	bin, err := lookPath("redis-server", "/usr/bin/redis-server")
	if err != nil {
		return nil, err
	}
	s, err := newServer("redis-sentinel", dir)
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(s.Dir, "sentinel.conf")
	host, port, _ := strings.Cut(master, ":")
	s.spec = serverSpec{
		stopSignal:  syscall.SIGTERM,
		crashSignal: syscall.SIGKILL,
		prepare: func(ctx context.Context, s *Server) error {
			text := fmt.Sprintf(`port %d
bind 127.0.0.1
protected-mode no
daemonize no
dir %s
logfile ""
sentinel monitor %s %s %s %d
sentinel down-after-milliseconds %s %d
sentinel failover-timeout %s 10000
sentinel parallel-syncs %s 1
`, s.Port(), s.Dir, SentinelMasterName, host, port, quorum,
				SentinelMasterName, downAfter.Milliseconds(), SentinelMasterName, SentinelMasterName)
			return os.WriteFile(conf, []byte(text), 0o644)
		},
		argv: func(s *Server) []string {
			return []string{bin, conf, "--sentinel"}
		},
		ready: func(ctx context.Context, s *Server) error {
			reply, err := exchange(ctx, s.Addr, "PING\r\n")
			if err != nil {
				return err
			}
			if reply != "+PONG" {
				return fmt.Errorf("PING answered %q", reply)
			}
			return nil
		},
	}
	return startNew(ctx, s)
}

// SentinelAddrs returns the sentinels' addresses, the SentinelAddrs of a
// failover client.
func (r *RedisSentinel) SentinelAddrs() []string {
	return addrsOf(r.Sentinels)
}

// Master returns the data server that the first running sentinel names
// as the master.
func (r *RedisSentinel) Master(ctx context.Context) (*Server, error) {
	for _, s := range r.Sentinels {
		if !s.Running() {
			continue
		}
		out, err := redisCLI(ctx, s.Addr, "sentinel", "get-master-addr-by-name", SentinelMasterName)
		if err != nil {
			return nil, err
		}
		f := strings.Fields(out)
		if len(f) != 2 {
			return nil, fmt.Errorf("testservers: sentinel %s names the master %q", s.Addr, out)
		}
		addr := f[0] + ":" + f[1]
		for _, d := range r.Data {
			if d.Addr == addr {
				return d, nil
			}
		}
		return nil, fmt.Errorf("testservers: sentinel %s names an unknown master %s", s.Addr, addr)
	}
	return nil, errors.New("testservers: no sentinel is running")
}

// WaitHealthy waits (until ctx ends) for every running sentinel to agree
// on one running master, with every other running data server as its
// replica in sync, and to know every other sentinel.
func (r *RedisSentinel) WaitHealthy(ctx context.Context) error {
	return pollHealthy(ctx, "the Sentinel deployment", r.healthy)
}

func (r *RedisSentinel) healthy(ctx context.Context) error {
	running := 0
	for _, d := range r.Data {
		if d.Running() {
			running++
		}
	}
	var master string
	for _, s := range r.Sentinels {
		if !s.Running() {
			continue
		}
		out, err := redisCLI(ctx, s.Addr, "sentinel", "master", SentinelMasterName)
		if err != nil {
			return err
		}
		// The answer is field and value on alternate lines.
		f := strings.Split(strings.TrimSpace(out), "\n")
		m := map[string]string{}
		for i := 0; i+1 < len(f); i += 2 {
			m[strings.TrimSpace(f[i])] = strings.TrimSpace(f[i+1])
		}
		addr := m["ip"] + ":" + m["port"]
		if master == "" {
			master = addr
		} else if addr != master {
			return fmt.Errorf("sentinels disagree on the master: %s and %s", master, addr)
		}
		if m["flags"] != "master" {
			return fmt.Errorf("sentinel %s flags the master %q", s.Addr, m["flags"])
		}
		if m["num-other-sentinels"] != strconv.Itoa(len(r.Sentinels)-1) {
			return fmt.Errorf("sentinel %s knows %s other sentinels", s.Addr, m["num-other-sentinels"])
		}
	}
	for _, d := range r.Data {
		if !d.Running() {
			continue
		}
		repl, err := redisCLI(ctx, d.Addr, "info", "replication")
		if err != nil {
			return err
		}
		switch {
		case d.Addr == master:
			if infoField(repl, "role") != "master" {
				return fmt.Errorf("%s, the sentinels' master, is a %s", d.Addr, infoField(repl, "role"))
			}
			if n := infoField(repl, "connected_slaves"); n != strconv.Itoa(running-1) {
				return fmt.Errorf("the master %s has %s replicas connected, want %d", d.Addr, n, running-1)
			}
		case infoField(repl, "role") != "slave" || infoField(repl, "master_link_status") != "up":
			return fmt.Errorf("%s: role:%s master_link_status:%s", d.Addr, infoField(repl, "role"), infoField(repl, "master_link_status"))
		case infoField(repl, "master_port") != master[strings.LastIndex(master, ":")+1:]:
			return fmt.Errorf("%s replicates port %s, not the master %s", d.Addr, infoField(repl, "master_port"), master)
		}
	}
	return nil
}

// Close stops every process and removes the directory StartRedisSentinel
// made. It is safe to call more than once.
func (r *RedisSentinel) Close() error {
	return closeDeployment(r.Dir, &r.ownsDir, r.Sentinels, r.Data)
}
