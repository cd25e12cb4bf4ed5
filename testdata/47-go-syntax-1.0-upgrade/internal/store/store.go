package store

import "sync"

// Store keeps short codes in memory.
type Store struct {
	mu    sync.RWMutex
	links map[string]string
}

func New() *Store { return &Store{links: map[string]string{"gh": "https://github.com"}} }

func (s *Store) Get(code string) (string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.links[code]
	return u, ok
}
