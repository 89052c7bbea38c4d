package doccheck

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestTheCheckerCatchesMistakes runs made-up documentation through the
// same extraction and type-check as the real one: each mistake must be
// found, each opt-out respected, and text that is not Go left alone.
func TestTheCheckerCatchesMistakes(t *testing.T) {
	md := "# Title\n\n```go\ns := session.FromRequest(r)\ns.Set(\"n\", 1)\n```\n\n" +
		"```go\nsessions.Middlewar(mux)\n```\n\n" +
		"<!-- doccheck: skip (a sketch) -->\n```go\nthis is not Go\n```\n\n" +
		"```sh\ngo run ./cmd/sessiondemo\n```\n\n" +
		"```go\npackage main\n\nimport \"fmt\"\n\nfunc main() {\n\tx := 1\n}\n```\n"
	mdSnippets, err := markdownSnippets("x.md", md)
	if err != nil {
		t.Fatal(err)
	}
	if len(mdSnippets) != 3 {
		t.Fatalf("found %d ```go blocks, want 3 (the skipped one and the sh one left out): %v", len(mdSnippets), mdSnippets)
	}
	if mdSnippets[0].line != 4 || mdSnippets[1].line != 9 {
		t.Errorf("block lines %d and %d, want 4 and 9", mdSnippets[0].line, mdSnippets[1].line)
	}

	src := `// Package p is documented.
//
//	value:SIGNATURE
//
// A table:
//
//	Django        Go
//	set_cookie    cookie.Set
//
// Fine:
//
//	n, _, err := s.GetInt("visits")
//
// Broken:
//
//	if err != nil { … }
//
// A sketch (not compiled):
//
//	if err != nil { … }
//
// Wrong:
//
//	cookie.Set(w, "k", "v")
package p
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p/doc.go", src, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	docs := docSnippets("p/doc.go", fset, f.Doc)
	if len(docs) != 5 {
		t.Fatalf("found %d doc blocks, want 5 (the one marked not compiled left out): %v", len(docs), docs)
	}

	tr := tree{packages: map[string][]string{
		"session": {coreModule + "/session"},
		"cookie":  {coreModule + "/cookie"},
	}}
	type want struct {
		isGo   bool
		errors string // "" for none, else a substring of the errors
	}
	cases := []struct {
		sn   snippet
		want want
	}{
		{mdSnippets[0], want{true, ""}},
		{mdSnippets[1], want{true, "x.md:9"}},                // a misspelt method
		{mdSnippets[2], want{true, "declared and not used"}}, // a whole program is strict
		{docs[0], want{false, ""}},                           // a wire format that parses as a label
		{docs[1], want{false, ""}},                           // a table
		{docs[2], want{true, ""}},
		{docs[3], want{true, "does not parse"}},
		{docs[4], want{true, "p/doc.go:24"}}, // too few arguments
	}
	var progs []program
	need := map[string]bool{}
	for _, c := range cases {
		prog, isGo := build(c.sn, tr)
		if isGo != c.want.isGo {
			t.Errorf("%s %q: Go = %v, want %v", c.sn, c.sn.code, isGo, c.want.isGo)
		}
		progs = append(progs, prog)
		for _, p := range prog.imports {
			need[p] = true
		}
	}
	files, broken := exportData(t, repoRoot(t), sortedKeys(need))
	cfset := token.NewFileSet()
	imp := newImporter(cfset, files, broken)
	for i, c := range cases {
		if !c.want.isGo {
			continue
		}
		var errs []string
		if progs[i].err != nil {
			errs = []string{progs[i].err.Error()}
		} else {
			errs = typecheck(cfset, imp, progs[i])
		}
		got := strings.Join(errs, "\n")
		switch {
		case c.want.errors == "" && got != "":
			t.Errorf("%s: unexpected errors:\n%s\n%s", c.sn, got, progs[i].src)
		case c.want.errors != "" && !strings.Contains(got, c.want.errors):
			t.Errorf("%s: errors %q, want one with %q", c.sn, got, c.want.errors)
		}
	}
}
