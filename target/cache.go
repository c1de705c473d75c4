package target

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
)

// Caps on /cache.
const (
	maxCached   = 1 << 30 // bytes held at once, past which a new key is refused
	maxCacheKey = 256     // bytes of one key
	maxEntryKB  = 1024    // KiB of one entry
)

// cache is /cache's: an entry per distinct key, kept until reset, with no
// bound but maxCached. A load that sends one key finds it warm and small;
// a load whose key varies (a user id, a tenant) makes it grow with every
// new key, which is what a cache keyed by request data does in a service.
type cache struct {
	mu      sync.Mutex // guards entries, and bytes' changes
	limit   int64      // maxCached; a field so tests can reach it cheaply
	entries map[string][]byte
	bytes   atomic.Int64 // read without mu: a scrape does not wait on the load
}

func (c *cache) init() {
	c.limit = maxCached
	c.entries = map[string][]byte{}
}

// get returns key's entry, storing a new one of size bytes on a miss. It
// refuses a new key, storing nothing, when the cache is full.
func (c *cache) get(key string, size int) (hit bool, entries int, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; ok {
		return true, len(c.entries), nil
	}
	if c.bytes.Load()+int64(size) > c.limit {
		return false, len(c.entries), fmt.Errorf("cache key %q: %d bytes cached already, cap is %d", key, c.bytes.Load(), c.limit)
	}
	c.store(key, size)
	return false, len(c.entries), nil
}

// store keeps a new entry (called with mu held). It is the function a
// heap profile names as the one holding the memory.
//
//go:noinline
func (c *cache) store(key string, size int) {
	entry := make([]byte, size)
	touch(entry)
	c.entries[key] = entry
	c.bytes.Add(int64(size))
}

// reset drops every entry; the garbage collector frees them.
func (c *cache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = map[string][]byte{}
	c.bytes.Store(0)
}

// handleCache serves /cache?key=K&kb=N.
func (s *Server) handleCache(w http.ResponseWriter, r *http.Request) {
	key := r.URL.Query().Get("key")
	if key == "" || len(key) > maxCacheKey {
		badRequest(w, fmt.Sprintf("key: want 1 to %d bytes", maxCacheKey))
		return
	}
	kb, err := intParam(r, "kb", 64, 1, maxEntryKB)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	hit, n, err := s.cache.get(key, kb<<10)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInsufficientStorage)
		return
	}
	what := "miss"
	if hit {
		what = "hit"
	}
	fmt.Fprintf(w, "%s, %d keys cached\n", what, n)
}

// handleCacheReset serves /cache/reset.
func (s *Server) handleCacheReset(w http.ResponseWriter, _ *http.Request) {
	s.cache.reset()
	fmt.Fprint(w, "0 keys cached\n")
}
