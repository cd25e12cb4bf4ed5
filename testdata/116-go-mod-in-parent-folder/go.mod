module github.com/acme/orders

go 1.22

require (
	github.com/rs/zerolog v1.32.0
	github.com/go-chi/chi/v5 v5.0.12
)
