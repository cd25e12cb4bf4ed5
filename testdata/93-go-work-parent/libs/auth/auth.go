package auth

// Token checks a bearer token.
func Token(s string) bool { return s != "" }
