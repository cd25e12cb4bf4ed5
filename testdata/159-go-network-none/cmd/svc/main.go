package main

import (
	"fmt"

	"example.com/svc/internal/store"
	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"
)

func main() {
	var g errgroup.Group
	g.Go(func() error { fmt.Println(uuid.NewString(), store.Name()); return nil })
	_ = g.Wait()
}
