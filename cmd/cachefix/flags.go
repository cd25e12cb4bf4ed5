package main

import "fmt"

// format is the --format flag: how results are reported.
type format string

const (
	formatText  format = "text"
	formatJSON  format = "json"
	formatSARIF format = "sarif"
)

func (f *format) String() string { return string(*f) }

func (f *format) Set(s string) error {
	switch format(s) {
	case formatText, formatJSON, formatSARIF:
		*f = format(s)
		return nil
	}
	return fmt.Errorf("unknown format %q (want text, json or sarif)", s)
}

func (f *format) Type() string { return "format" }
