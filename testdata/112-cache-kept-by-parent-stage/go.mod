module github.com/acme/app

go 1.22

require github.com/acme/shared v0.3.1
