package store

// Name returns the store's name.
func Name() string { return "mem" }
