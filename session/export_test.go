package session

// SetKeyGenerator replaces the key generator of m, for tests of key
// collisions.
func SetKeyGenerator(m *Manager, gen func() string) { m.newKey = gen }
