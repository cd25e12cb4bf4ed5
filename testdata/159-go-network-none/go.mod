module example.com/svc

go 1.19

require (
	github.com/google/uuid v1.6.0
	golang.org/x/sync v0.1.0
)
