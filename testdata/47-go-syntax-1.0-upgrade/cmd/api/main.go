package main

import (
	"log"
	"net/http"

	"github.com/go-chi/chi/v5"

	"example.com/shorturl/internal/store"
)

func main() {
	s := store.New()
	r := chi.NewRouter()
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
	r.Get("/{code}", func(w http.ResponseWriter, req *http.Request) {
		url, ok := s.Get(chi.URLParam(req, "code"))
		if !ok {
			http.NotFound(w, req)
			return
		}
		http.Redirect(w, req, url, http.StatusFound)
	})
	log.Fatal(http.ListenAndServe(":8080", r))
}
