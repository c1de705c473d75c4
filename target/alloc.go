package target

import (
	"fmt"
	"net/http"
	"os"
	"sync"
)

// maxRetained caps what /alloc may hold at once.
const maxRetained = 2 << 30

// store is the memory /alloc retains on purpose.
type store struct {
	mu     sync.Mutex
	limit  int64 // maxRetained; a field so tests can reach it cheaply
	chunks [][]byte
	bytes  int64
}

func (st *store) init() { st.limit = maxRetained }

// retain allocates and keeps n more bytes, returning the new total. It
// refuses, allocating nothing, when the total would pass the limit.
func (st *store) retain(n int) (int64, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.bytes+int64(n) > st.limit {
		return st.bytes, fmt.Errorf("retain %d bytes: %d already retained, cap is %d", n, st.bytes, st.limit)
	}
	chunk := make([]byte, n)
	touch(chunk)
	st.chunks = append(st.chunks, chunk)
	st.bytes += int64(n)
	return st.bytes, nil
}

// touch writes one byte per page: fresh allocations are mapped lazily, and
// without this RSS would not grow, which is what a monitor watches.
func touch(b []byte) {
	page := os.Getpagesize()
	for i := 0; i < len(b); i += page {
		b[i] = 1
	}
}

// reset drops everything retained; the garbage collector frees it.
func (st *store) reset() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.chunks = nil
	st.bytes = 0
}

func (st *store) retained() int64 {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.bytes
}

// handleAlloc serves /alloc?kb=N.
func (s *Server) handleAlloc(w http.ResponseWriter, r *http.Request) {
	kb, err := intParam(r, "kb", 1024, 0, maxRetained>>10)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	total, err := s.store.retain(kb << 10)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInsufficientStorage)
		return
	}
	fmt.Fprintf(w, "retained %d KiB, %d bytes in total\n", kb, total)
}

// handleAllocReset serves /alloc/reset.
func (s *Server) handleAllocReset(w http.ResponseWriter, _ *http.Request) {
	s.store.reset()
	fmt.Fprint(w, "retained 0 bytes in total\n")
}
