package main

// sarif.go writes SARIF 2.1.0 (the format GitHub code scanning reads), streaming one
// result at a time: each finding is a result at its file and line; applied and applicable
// fixes are warnings, declined and withheld ones notes.

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/cachefix/cachefix/rewrite"
)

type sarifWriter struct {
	w     io.Writer
	first bool
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID               string       `json:"id"`
	Name             string       `json:"name"`
	ShortDescription sarifMessage `json:"shortDescription"`
	FullDescription  sarifMessage `json:"fullDescription"`
	Help             sarifMessage `json:"help"`
	Properties       struct {
		Applicability string `json:"applicability"`
	} `json:"properties"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region struct {
			StartLine int `json:"startLine"`
		} `json:"region"`
	} `json:"physicalLocation"`
}

func newSARIF(w io.Writer) *sarifWriter {
	var rules []sarifRule
	for _, r := range rewrite.All() {
		sr := sarifRule{ID: r.Name, Name: r.Name}
		sr.ShortDescription.Text = r.Title()
		sr.FullDescription.Text = r.Doc
		sr.Help.Text = r.Doc
		sr.Properties.Applicability = r.Default.String()
		rules = append(rules, sr)
	}
	driver, _ := json.Marshal(map[string]any{
		"name":           "cachefix",
		"version":        version,
		"informationUri": "https://github.com/cachefix/cachefix",
		"rules":          rules,
	})
	fmt.Fprintf(w, `{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"tool":{"driver":%s},"results":[`, driver)
	return &sarifWriter{w: w, first: true}
}

// add writes a file's findings (and its error, as a result of rule "error").
func (s *sarifWriter) add(rep fileReport) {
	emit := func(rule, level, msg string, line int) {
		r := sarifResult{RuleID: rule, Level: level, Message: sarifMessage{Text: msg}}
		var loc sarifLocation
		loc.PhysicalLocation.ArtifactLocation.URI = rep.Path
		if line < 1 {
			line = 1
		}
		loc.PhysicalLocation.Region.StartLine = line
		r.Locations = []sarifLocation{loc}
		data, _ := json.Marshal(r)
		if !s.first {
			fmt.Fprint(s.w, ",")
		}
		s.first = false
		s.w.Write(data)
	}
	for _, o := range rep.Findings {
		level, msg := "warning", o.Message
		switch {
		case o.Declined != "":
			level, msg = "note", o.Message+" ("+o.Declined+")"
		case o.Skipped != "":
			level, msg = "note", o.Message+" ("+o.FixMessage+": "+o.Skipped+")"
		case o.FixMessage != "":
			msg = o.Message + ". Fix: " + o.FixMessage
		}
		emit(o.Rule, level, msg, o.Line)
	}
	if rep.Error != "" {
		emit("error", "error", rep.Error, 1)
	}
}

func (s *sarifWriter) close() {
	fmt.Fprintln(s.w, "]}]}")
}
