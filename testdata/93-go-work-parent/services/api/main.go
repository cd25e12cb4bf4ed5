package main

import (
	"net/http"

	"example.com/platform/libs/auth"
	"github.com/go-chi/chi/v5"
)

func main() {
	r := chi.NewRouter()
	r.Get("/", func(w http.ResponseWriter, req *http.Request) {
		if !auth.Token(req.Header.Get("Authorization")) {
			w.WriteHeader(http.StatusUnauthorized)
		}
	})
	http.ListenAndServe(":8080", r)
}
