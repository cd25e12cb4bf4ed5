module example.com/platform/libs/auth

go 1.23
