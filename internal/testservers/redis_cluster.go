package testservers

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// RedisCluster is a Redis Cluster of redis-server processes on 127.0.0.1,
// started by StartRedisCluster: masters that share the 16384 hash slots,
// each with its replicas. Nodes are Servers: a test stops, crashes or
// freezes one of them and starts it again (it keeps its port, its cluster
// bus port and its files).
type RedisCluster struct {
	// Nodes are every node, in the order they were given to
	// redis-cli --cluster create (masters first, then replicas; which
	// replica follows which master is redis-cli's choice: ask Topology).
	Nodes []*Server
	// Dir holds one directory per node.
	Dir string

	ownsDir bool
}

// RedisClusterOptions configures StartRedisCluster. The zero value is 3
// masters with one replica each, a node timeout of 2 s, and an append-only
// file on every node.
type RedisClusterOptions struct {
	// Masters is the number of masters; zero means 3 (the fewest Redis
	// accepts).
	Masters int
	// ReplicasPerMaster is the number of replicas of each master; zero means
	// 1, a negative value none.
	ReplicasPerMaster int
	// NodeTimeout is cluster-node-timeout: how long a node is unreachable
	// before the others mark it failed and its replica takes over. Zero
	// means 2 s (Redis's default is 15 s, too long for a test; less than
	// 2 s risks a failover of a node that a loaded machine kept waiting).
	NodeTimeout time.Duration
	// Extra are more redis-server options for every node.
	Extra []string
}

// StartRedisCluster starts a Redis Cluster in dir (an empty dir means a
// temporary directory that Close removes) and returns once every node
// reports cluster_state:ok, knows every other node, and every replica is
// in sync with its master.
//
// Each node gets a second free port for its cluster bus (--cluster-port):
// the default, port+10000, overflows for ports above 55535. Every node
// keeps an append-only file (appendonly yes, appendfsync everysec);
// cluster-require-full-coverage is off, so that the slots of the other
// masters keep being served while one master's slots fail over, and
// cluster-replica-validity-factor is 0, so that a replica takes over
// however long its link to the master has been down.
func StartRedisCluster(ctx context.Context, dir string, opts RedisClusterOptions) (*RedisCluster, error) {
	if _, err := lookPath("redis-cli", "/usr/bin/redis-cli"); err != nil {
		return nil, err
	}
	if opts.Masters == 0 {
		opts.Masters = 3
	}
	if opts.ReplicasPerMaster == 0 {
		opts.ReplicasPerMaster = 1
	}
	opts.ReplicasPerMaster = max(opts.ReplicasPerMaster, 0)
	if opts.NodeTimeout == 0 {
		opts.NodeTimeout = 2 * time.Second
	}
	dir, owns, err := deploymentDir(dir, "djsession-redis-cluster-")
	if err != nil {
		return nil, err
	}
	c := &RedisCluster{Dir: dir, ownsDir: owns}
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	n := opts.Masters * (1 + opts.ReplicasPerMaster)
	for i := range n {
		bus, err := FreePort()
		if err != nil {
			c.Close()
			return nil, err
		}
		args := append([]string{
			"--cluster-enabled", "yes",
			"--cluster-port", strconv.Itoa(bus),
			"--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", strconv.FormatInt(opts.NodeTimeout.Milliseconds(), 10),
			"--cluster-require-full-coverage", "no",
			"--cluster-replica-validity-factor", "0",
			"--appendonly", "yes",
			"--appendfsync", "everysec",
		}, opts.Extra...)
		s, err := StartRedis(ctx, filepath.Join(c.Dir, "node"+strconv.Itoa(i)), args...)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("testservers: cluster node %d: %w", i, err)
		}
		c.Nodes = append(c.Nodes, s)
	}
	create := []string{"--cluster", "create"}
	for _, s := range c.Nodes {
		create = append(create, s.Addr)
	}
	create = append(create, "--cluster-replicas", strconv.Itoa(opts.ReplicasPerMaster), "--cluster-yes")
	if _, err := redisCLI(ctx, c.Nodes[0].Addr, create...); err != nil {
		c.Close()
		return nil, fmt.Errorf("testservers: creating the cluster: %w", err)
	}
	if err := c.WaitHealthy(ctx, opts.Masters); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Addrs returns the address of every node, the seed list of a cluster
// client.
func (c *RedisCluster) Addrs() []string {
	return addrsOf(c.Nodes)
}

// Node returns the node listening on addr, or nil.
func (c *RedisCluster) Node(addr string) *Server {
	for _, s := range c.Nodes {
		if s.Addr == addr {
			return s
		}
	}
	return nil
}

// ClusterNode is one line of CLUSTER NODES, as the asked node sees it.
type ClusterNode struct {
	ID       string
	Addr     string // host:port of its clients' listener
	Master   bool
	MasterID string // for a replica: the ID of its master
	Failed   bool   // flagged fail (or fail?) by the asked node
	Slots    int    // the number of hash slots it serves (masters)
}

// Topology returns CLUSTER NODES as the node at addr sees it.
func (c *RedisCluster) Topology(ctx context.Context, addr string) ([]ClusterNode, error) {
	out, err := redisCLI(ctx, addr, "cluster", "nodes")
	if err != nil {
		return nil, err
	}
	var nodes []ClusterNode
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		n := ClusterNode{ID: f[0], MasterID: strings.Trim(f[3], "-")}
		n.Addr, _, _ = strings.Cut(f[1], "@")
		for _, flag := range strings.Split(f[2], ",") {
			switch flag {
			case "master":
				n.Master = true
			case "fail", "fail?":
				n.Failed = true
			}
		}
		for _, r := range f[8:] {
			if strings.HasPrefix(r, "[") { // a slot being migrated
				continue
			}
			lo, hi, isRange := strings.Cut(r, "-")
			a, err1 := strconv.Atoi(lo)
			b := a
			var err2 error
			if isRange {
				b, err2 = strconv.Atoi(hi)
			}
			if err1 == nil && err2 == nil {
				n.Slots += b - a + 1
			}
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// ReplicaOf returns the running node that replicates master, as master's
// peers see it, or nil.
func (c *RedisCluster) ReplicaOf(ctx context.Context, master *Server) (*Server, error) {
	nodes, err := c.Topology(ctx, master.Addr)
	if err != nil {
		return nil, err
	}
	var id string
	for _, n := range nodes {
		if n.Addr == master.Addr {
			id = n.ID
		}
	}
	for _, n := range nodes {
		if !n.Master && n.MasterID == id {
			if s := c.Node(n.Addr); s != nil && s.Running() {
				return s, nil
			}
		}
	}
	return nil, nil
}

// WaitHealthy waits (until ctx ends) for every running node to report
// cluster_state:ok with masters masters serving all 16384 slots, none of
// them flagged failed, every node known (cluster_known_nodes counts the
// stopped ones too), and every running replica's link to its master up.
func (c *RedisCluster) WaitHealthy(ctx context.Context, masters int) error {
	return pollHealthy(ctx, "the Redis cluster", func(ctx context.Context) error {
		return c.healthy(ctx, masters)
	})
}

func (c *RedisCluster) healthy(ctx context.Context, masters int) error {
	for _, s := range c.Nodes {
		if !s.Running() {
			continue
		}
		info, err := redisCLI(ctx, s.Addr, "cluster", "info")
		if err != nil {
			return err
		}
		if v := infoField(info, "cluster_state"); v != "ok" {
			return fmt.Errorf("%s: cluster_state:%s", s.Addr, v)
		}
		if v := infoField(info, "cluster_known_nodes"); v != strconv.Itoa(len(c.Nodes)) {
			return fmt.Errorf("%s: cluster_known_nodes:%s, want %d", s.Addr, v, len(c.Nodes))
		}
		nodes, err := c.Topology(ctx, s.Addr)
		if err != nil {
			return err
		}
		serving, slots := 0, 0
		for _, n := range nodes {
			if n.Master && n.Slots > 0 {
				if n.Failed {
					return fmt.Errorf("%s sees master %s failed", s.Addr, n.Addr)
				}
				serving++
				slots += n.Slots
			}
		}
		if serving != masters || slots != 16384 {
			return fmt.Errorf("%s sees %d masters serving %d slots, want %d serving 16384", s.Addr, serving, slots, masters)
		}
		repl, err := redisCLI(ctx, s.Addr, "info", "replication")
		if err != nil {
			return err
		}
		if infoField(repl, "role") == "slave" && infoField(repl, "master_link_status") != "up" {
			return fmt.Errorf("%s: replica's master_link_status:%s", s.Addr, infoField(repl, "master_link_status"))
		}
	}
	return nil
}

// Close stops every node and removes the directory StartRedisCluster
// made. It is safe to call more than once.
func (c *RedisCluster) Close() error {
	return closeDeployment(c.Dir, &c.ownsDir, c.Nodes)
}

// redisCLI runs redis-cli against addr and returns its output. redis-cli
// exits 0 after an error reply, so an output that starts with "ERR" is
// an error too.
func redisCLI(ctx context.Context, addr string, args ...string) (string, error) {
	bin, err := lookPath("redis-cli", "/usr/bin/redis-cli")
	if err != nil {
		return "", err
	}
	host, port, _ := strings.Cut(addr, ":")
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := runTool(ctx, nil, "", bin, append([]string{"-h", host, "-p", port}, args...)...)
	if err != nil {
		return out, err
	}
	if strings.HasPrefix(out, "ERR") {
		return out, fmt.Errorf("redis-cli %s: %s", strings.Join(args, " "), strings.TrimSpace(out))
	}
	return out, nil
}

// infoField returns the value of name in an INFO-style answer
// ("name:value" lines).
func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}
