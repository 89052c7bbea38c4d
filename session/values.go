package session

import "maps"

// values is a session's data, with the copy-on-write that lets a request
// read a ValueStore's snapshot without copying it: the map is copied before
// the first write, and a list or map inside it is copied before it is
// handed to the caller (who may change it in place, as with Django's
// session), so the snapshot that other requests read never changes.
type values struct {
	m        map[string]any  // nil: no data
	shared   bool            // m is a store's snapshot: copy it before writing
	borrowed bool            // lists and maps in m may be a snapshot's, except those in owned
	owned    map[string]bool // keys whose lists and maps are the session's own
}

// adopt makes m the data, a store's snapshot when snapshot is true.
func (v *values) adopt(m map[string]any, snapshot bool) {
	v.m, v.shared, v.borrowed, v.owned = m, snapshot, snapshot, nil
}

// empty makes the data an empty map of the session's own.
func (v *values) empty() {
	v.adopt(make(map[string]any), false)
}

// writable makes the map the session's own (the lists and maps inside stay
// borrowed until handed out) and non-nil.
func (v *values) writable() {
	if v.shared {
		v.m = maps.Clone(v.m)
		v.shared = false
	}
	if v.m == nil {
		v.m = make(map[string]any)
	}
}

// get returns the value under key for the caller (see out).
func (v *values) get(key string) (any, bool) {
	x, ok := v.m[key]
	return v.out(key, x), ok
}

// out returns x, the value under key, for the caller. A list or map that
// belongs to a snapshot is first replaced, in the data, by a copy that the
// session owns.
func (v *values) out(key string, x any) any {
	if !v.borrowed || v.owned[key] || !isContainer(x) {
		return x
	}
	v.writable()
	x = deepCopy(x)
	v.m[key] = x
	v.own(key)
	return x
}

// own records that the list or map under key is the session's own.
func (v *values) own(key string) {
	if v.owned == nil {
		v.owned = make(map[string]bool)
	}
	v.owned[key] = true
}

// put stores x under key; the map must be writable.
func (v *values) put(key string, x any) {
	v.m[key] = x
	if v.borrowed && isContainer(x) {
		v.own(key)
	}
}

// remove deletes key and returns its value for the caller.
func (v *values) remove(key string) (any, bool) {
	x, ok := v.m[key]
	if !ok {
		return nil, false
	}
	v.writable()
	x = v.out(key, x)
	delete(v.m, key)
	delete(v.owned, key)
	return x, true
}

// handedOver records that the map and everything in it now belong to a
// ValueStore (SaveValues kept it as its snapshot).
func (v *values) handedOver() {
	v.shared, v.borrowed, v.owned = true, true, nil
}

// inJSONForm reports whether x, the value under key, is already what a load
// would give back: a string, bool, nil, int64 or float64, or a list or map
// that still belongs to the snapshot (which is in that form), not one the
// session set or handed out.
func (v *values) inJSONForm(key string, x any) bool {
	switch x.(type) {
	case nil, bool, int64, float64, string:
		return true
	case map[string]any, []any:
		return v.borrowed && !v.owned[key]
	}
	return false
}

func isContainer(x any) bool {
	switch x.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// deepCopy copies nested lists and maps; other JSON values are immutable.
func deepCopy(x any) any {
	switch x := x.(type) {
	case map[string]any:
		return deepCopyMap(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return x
}

func deepCopyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = deepCopy(v)
	}
	return out
}
