module example.com/platform/services/api

go 1.23

require (
	example.com/platform/libs/auth v0.0.0
	github.com/go-chi/chi/v5 v5.1.0
)
