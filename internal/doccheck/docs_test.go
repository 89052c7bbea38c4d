package doccheck

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/doc/comment"
	"go/importer"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// coreModule is the module path of the repository root.
const coreModule = "github.com/djsession/djsession"

// stdPackages are the standard library packages a fragment may use
// without importing them, by package name.
var stdPackages = map[string]string{
	"bytes":    "bytes",
	"context":  "context",
	"errors":   "errors",
	"fmt":      "fmt",
	"http":     "net/http",
	"httptest": "net/http/httptest",
	"io":       "io",
	"json":     "encoding/json",
	"log":      "log",
	"os":       "os",
	"slog":     "log/slog",
	"sql":      "database/sql",
	"strconv":  "strconv",
	"strings":  "strings",
	"sync":     "sync",
	"testing":  "testing",
	"time":     "time",
	"url":      "net/url",
	"signal":   "os/signal",
	"rand":     "crypto/rand",
	"filepath": "path/filepath",
	"iter":     "iter",
	"slices":   "slices",
	"maps":     "maps",
	"reflect":  "reflect",
}

// prelude is what a fragment may use without declaring it: a variable's
// type (and the package names the type needs), or a type declaration.
var prelude = map[string]struct {
	decl  string // "var NAME TYPE" or "type NAME ..."
	needs []string
}{
	"w":        {"var w http.ResponseWriter", []string{"http"}},
	"r":        {"var r *http.Request", []string{"http"}},
	"ctx":      {"var ctx context.Context", []string{"context"}},
	"mux":      {"var mux *http.ServeMux", []string{"http"}},
	"key":      {"var key []byte", nil},
	"secret":   {"var secret []byte", nil},
	"sessions": {"var sessions *session.Manager", []string{"session"}},
	"s":        {"var s *session.Session", []string{"session"}},
	"a":        {"var a *auth.Authenticator", []string{"auth"}},
	"user":     {"var user auth.User", []string{"auth"}},
	"db":       {"var db *sql.DB", []string{"sql"}},
	"t":        {"var t *testing.T", []string{"testing"}},
	"handler":  {"var handler http.Handler", []string{"http"}},
	"next":     {"var next http.Handler", []string{"http"}},
	"Prefs":    {"type Prefs struct{ Theme string }", nil},
	// The application's user lookup (auth.Config.LookupUser) and a page.
	"lookupUser":  {"var lookupUser func(context.Context, string) (auth.User, error)", []string{"context", "auth"}},
	"accountPage": {"var accountPage http.Handler", []string{"http"}},
}

// snippet is one code block found in the documentation.
type snippet struct {
	file     string // relative to the repository root, with slashes
	line     int    // the line of the block's first code line
	code     string // the block, unindented
	markdown bool   // a ```go block (declared Go) rather than a doc comment block
}

func (sn snippet) String() string { return sn.file + ":" + strconv.Itoa(sn.line) }

// repoRoot walks up from the test's directory to the core module's root.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && modulePath(b) == coreModule {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod of %s above the test's directory", coreModule)
		}
		dir = parent
	}
}

var moduleLine = regexp.MustCompile(`(?m)^module\s+(\S+)`)

func modulePath(gomod []byte) string {
	if m := moduleLine.FindSubmatch(gomod); m != nil {
		return strings.Trim(string(m[1]), `"`)
	}
	return ""
}

// skipDir reports whether a directory of the tree holds no documentation.
func skipDir(name string) bool {
	return name == "testdata" || name == "bin" || name == "node_modules" || name == "sessiondemo-data" ||
		(strings.HasPrefix(name, ".") && name != ".")
}

// tree is what the walk of the repository found.
type tree struct {
	snippets []snippet
	// packages maps a package name to the import paths of the tree's
	// packages with that name.
	packages map[string][]string
}

func walk(t *testing.T, root string) tree {
	t.Helper()
	tr := tree{packages: map[string][]string{}}
	modules := map[string]string{} // directory -> module path
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			if b, err := os.ReadFile(filepath.Join(p, "go.mod")); err == nil {
				modules[p] = modulePath(b)
			}
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		switch {
		case strings.HasSuffix(p, ".md"):
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sns, err := markdownSnippets(rel, string(b))
			if err != nil {
				t.Error(err)
			}
			tr.snippets = append(tr.snippets, sns...)
		case strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go"):
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, p, nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				return err
			}
			if f.Name.Name != "main" {
				if imp := importPath(modules, root, filepath.Dir(p)); imp != "" && !slices.Contains(tr.packages[f.Name.Name], imp) {
					tr.packages[f.Name.Name] = append(tr.packages[f.Name.Name], imp)
				}
			}
			if f.Doc != nil {
				tr.snippets = append(tr.snippets, docSnippets(rel, fset, f.Doc)...)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// importPath returns the import path of the package in dir, from the
// nearest go.mod above it.
func importPath(modules map[string]string, root, dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if m, ok := modules[d]; ok {
			rel, _ := filepath.Rel(d, dir)
			if rel == "." {
				return m
			}
			return m + "/" + filepath.ToSlash(rel)
		}
		if d == root || d == filepath.Dir(d) {
			return ""
		}
	}
}

var (
	fenceOpen = regexp.MustCompile("^ {0,3}(```+|~~~+)\\s*([^\\s`]*)")
	skipMark  = regexp.MustCompile(`<!--\s*doccheck:\s*skip\b`)
)

// markdownSnippets returns the ```go blocks of a Markdown file, without
// those marked <!-- doccheck: skip -->.
func markdownSnippets(file, text string) ([]snippet, error) {
	lines := strings.Split(text, "\n")
	var out []snippet
	for i := 0; i < len(lines); i++ {
		m := fenceOpen.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		fence, lang := m[1], m[2]
		indent := len(lines[i]) - len(strings.TrimLeft(lines[i], " "))
		start := i + 1
		end := start
		for end < len(lines) && !strings.HasPrefix(strings.TrimLeft(lines[end], " "), fence[:3]) {
			end++
		}
		if end == len(lines) {
			return out, fmt.Errorf("%s:%d: a code fence that is never closed", file, i+1)
		}
		prev := ""
		for j := i - 1; j >= 0; j-- {
			if strings.TrimSpace(lines[j]) != "" {
				prev = lines[j]
				break
			}
		}
		if lang == "go" && !skipMark.MatchString(prev) {
			var b strings.Builder
			for _, l := range lines[start:end] {
				b.WriteString(strings.TrimPrefix(l, strings.Repeat(" ", indent)))
				b.WriteByte('\n')
			}
			out = append(out, snippet{file: file, line: start + 1, code: b.String(), markdown: true})
		}
		i = end
	}
	return out, nil
}

// docSnippets returns the code blocks of a package doc comment.
func docSnippets(file string, fset *token.FileSet, doc *ast.CommentGroup) []snippet {
	// The comment's text line by line, each with its line in the file.
	var lines []string
	var lineNo []int
	for _, c := range doc.List {
		n := fset.Position(c.Slash).Line
		if strings.HasPrefix(c.Text, "//") {
			l := c.Text[2:]
			l = strings.TrimPrefix(l, " ")
			lines = append(lines, l)
			lineNo = append(lineNo, n)
			continue
		}
		for i, l := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(c.Text, "/*"), "*/"), "\n") {
			lines = append(lines, l)
			lineNo = append(lineNo, n+i)
		}
	}
	var p comment.Parser
	d := p.Parse(strings.Join(lines, "\n"))
	var out []snippet
	from := 0
	for _, b := range d.Content {
		code, ok := b.(*comment.Code)
		if !ok {
			continue
		}
		first := strings.TrimSpace(strings.SplitN(code.Text, "\n", 2)[0])
		i := from
		for i < len(lines) && !(strings.TrimSpace(lines[i]) == first && lines[i] != strings.TrimLeft(lines[i], " \t")) {
			i++
		}
		if i == len(lines) { // not found: should not happen; point at the comment
			i = from
		}
		from = i + 1
		prev := ""
		for j := i - 1; j >= 0; j-- {
			if strings.TrimSpace(lines[j]) != "" {
				prev = lines[j]
				break
			}
		}
		if strings.Contains(prev, "(not compiled)") {
			continue
		}
		out = append(out, snippet{file: file, line: lineNo[i], code: code.Text})
	}
	return out
}

// looksLikeGo is the test for a doc comment block that does not parse:
// is it Go with a mistake in it, or not Go at all?
var looksLikeGo = regexp.MustCompile(`:=|\berr != nil\b|(?m)^\s*(func|import|package|var|type|if|for|defer|return)\b`)

// program is a snippet turned into a file to type-check.
type program struct {
	sn      snippet
	src     string
	strict  bool     // a whole file: unused imports and variables are errors
	imports []string // import paths the file needs
	err     error    // the snippet could not be turned into a file
}

// build turns a snippet into a program, or returns ok false for a doc
// comment block that is not Go.
func build(sn snippet, tr tree) (prog program, ok bool) {
	prog.sn = sn
	directive := func(line int) string { return "//line " + sn.file + ":" + strconv.Itoa(line) + "\n" }
	fset := token.NewFileSet()

	// A whole file.
	if firstToken(sn.code) == token.PACKAGE {
		f, err := parser.ParseFile(fset, sn.String(), sn.code, 0)
		if err != nil {
			prog.err = err
			return prog, true
		}
		prog.src = directive(sn.line) + sn.code
		prog.strict = true
		for _, is := range f.Imports {
			p, _ := strconv.Unquote(is.Path.Value)
			prog.imports = append(prog.imports, p)
		}
		if f.Name.Name == "main" && !declaresMain(f) {
			prog.err = errors.New("package main without func main")
		}
		return prog, true
	}

	// Declarations, or statements (a function body), after imports.
	imports, rest, restLine := splitImports(sn.code, sn.line)
	var f *ast.File
	var err error
	body := false
	head := "package snippet\n" + directive(sn.line) + imports + "\n" + directive(restLine)
	f, err = parser.ParseFile(fset, "", head+rest, 0)
	if err != nil {
		declErr := err
		body = true
		f, err = parser.ParseFile(fset, "", head+"func _() {\n"+directive(restLine)+rest+"\n}\n", 0)
		if err != nil {
			switch firstToken(rest) {
			case token.FUNC, token.TYPE, token.VAR, token.CONST:
				err = declErr // report the error of the form the snippet has
			}
		}
	}
	if err != nil {
		if sn.markdown || looksLikeGo.MatchString(sn.code) {
			prog.err = fmt.Errorf("does not parse as Go: %v", err)
			return prog, true
		}
		return prog, false
	}
	if !sn.markdown && !doesSomething(f) {
		return prog, false // a wire format or a list of names that happens to parse
	}

	declared := map[string]bool{}
	imported := map[string]bool{}
	for _, is := range f.Imports {
		p, _ := strconv.Unquote(is.Path.Value)
		name := path.Base(p)
		if is.Name != nil {
			name = is.Name.Name
		}
		imported[name] = true
		prog.imports = append(prog.imports, p)
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				declared[d.Name.Name] = true
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch spec := spec.(type) {
				case *ast.TypeSpec:
					declared[spec.Name.Name] = true
				case *ast.ValueSpec:
					for _, n := range spec.Names {
						declared[n.Name] = true
					}
				}
			}
		}
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			used[id.Name] = true
		}
		return true
	})

	// The prelude the snippet uses, then the imports it and the snippet need.
	var vars, types_ []string
	need := map[string]bool{}
	for _, name := range sortedKeys(used) {
		p, ok := prelude[name]
		if !ok || declared[name] || imported[name] {
			continue
		}
		if strings.HasPrefix(p.decl, "type ") {
			types_ = append(types_, p.decl)
		} else {
			vars = append(vars, name)
		}
		for _, n := range p.needs {
			need[n] = true
		}
	}
	for name := range used {
		if !declared[name] && !imported[name] {
			need[name] = true
		}
	}
	var src strings.Builder
	src.WriteString("package snippet\n\n")
	for _, name := range sortedKeys(need) {
		if _, isPrelude := prelude[name]; isPrelude || imported[name] {
			continue
		}
		p := ""
		if paths := tr.packages[name]; len(paths) == 1 {
			p = paths[0]
		} else if sp := stdPackages[name]; sp != "" {
			p = sp
		}
		if p == "" {
			continue
		}
		fmt.Fprintf(&src, "import %s %q\n", name, p)
		prog.imports = append(prog.imports, p)
	}
	if imports != "" {
		src.WriteString(directive(sn.line))
		src.WriteString(imports + "\n")
	}
	src.WriteString("//line prelude:1\n")
	for _, td := range types_ {
		src.WriteString(td + "\n")
	}
	if body {
		src.WriteString("func _() {\n")
		for _, v := range vars {
			src.WriteString(prelude[v].decl + "\n_ = " + v + "\n")
		}
		src.WriteString("{\n")
		src.WriteString(directive(restLine))
		src.WriteString(rest)
		src.WriteString("\n}\n}\n")
	} else {
		for _, v := range vars {
			src.WriteString(prelude[v].decl + "\n")
		}
		src.WriteString(directive(restLine))
		src.WriteString(rest + "\n")
	}
	prog.src = src.String()
	return prog, true
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// firstToken returns the first token of src that is not a comment.
func firstToken(src string) token.Token {
	var s scanner.Scanner
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", -1, len(src)), []byte(src), nil, 0)
	_, tok, _ := s.Scan()
	return tok
}

// splitImports cuts the import declarations at the start of code from the
// rest, and returns the line where the rest starts.
func splitImports(code string, line int) (imports, rest string, restLine int) {
	var s scanner.Scanner
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(code))
	s.Init(file, []byte(code), nil, 0)
	end := 0
	for {
		_, tok, _ := s.Scan()
		for tok == token.SEMICOLON {
			_, tok, _ = s.Scan()
		}
		if tok != token.IMPORT {
			break
		}
		// import "p", import name "p" or import ( ... ).
		depth := 0
		for {
			p, tok, lit := s.Scan()
			if tok == token.EOF {
				return "", code, line
			}
			switch {
			case tok == token.LPAREN:
				depth++
			case tok == token.RPAREN:
				depth--
			}
			if depth == 0 && (tok == token.RPAREN || tok == token.STRING) {
				end = file.Offset(p) + len(lit)
				if tok == token.RPAREN {
					end = file.Offset(p) + 1
				}
				break
			}
		}
	}
	if end == 0 {
		return "", code, line
	}
	return code[:end], code[end:], line + strings.Count(code[:end], "\n")
}

func declaresMain(f *ast.File) bool {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "main" {
			return true
		}
	}
	return false
}

// doesSomething reports whether a parsed block has a call, an assignment,
// a declaration or a control statement: Go, not text that happens to parse
// (a "value:SIGNATURE" wire format is a labelled statement).
func doesSomething(f *ast.File) bool {
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl:
			if n.Name.Name != "_" {
				found = true
			}
		case *ast.GenDecl:
			if n.Tok != token.IMPORT {
				found = true
			}
		case *ast.CallExpr, *ast.AssignStmt, *ast.DeclStmt, *ast.IfStmt, *ast.ForStmt,
			*ast.RangeStmt, *ast.ReturnStmt, *ast.CompositeLit, *ast.FuncLit, *ast.DeferStmt, *ast.GoStmt:
			found = true
		}
		return !found
	})
	return found
}

// exportData runs go list -export for paths and their dependencies, in
// the workspace of the tree when it has one, and returns the export data
// file of each package, and the packages go list could not build.
func exportData(t *testing.T, root string, paths []string) (map[string]string, map[string]string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	args := append([]string{"list", "-e", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}\t{{if .Error}}{{.Error.Err}}{{end}}"}, paths...)
	cmd := exec.CommandContext(ctx, goCommand(), args...)
	cmd.Dir = root
	cmd.Env = os.Environ()
	if _, err := os.Stat(filepath.Join(root, "go.work")); err == nil {
		// The snippets of the store modules' docs import their packages:
		// resolve them in the workspace, whatever GOWORK the test runs with.
		cmd.Env = append(cmd.Env, "GOWORK="+filepath.Join(root, "go.work"))
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -export: %v\n%s", err, stderr.String())
	}
	files, broken := map[string]string{}, map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[2] != "" || parts[1] == "" {
			broken[parts[0]] = parts[2]
			continue
		}
		files[parts[0]] = parts[1]
	}
	return files, broken
}

// newImporter returns an importer of the packages whose export data
// exportData found.
func newImporter(fset *token.FileSet, files, broken map[string]string) types.Importer {
	return importer.ForCompiler(fset, "gc", func(p string) (io.ReadCloser, error) {
		if f, ok := files[p]; ok {
			return os.Open(f)
		}
		if msg, ok := broken[p]; ok {
			return nil, fmt.Errorf("go list: %s", msg)
		}
		return nil, fmt.Errorf("no export data for %q (go list did not list it)", p)
	})
}

// typecheck returns the errors of prog's file, with positions in the
// documentation. Unused imports and variables do not count in a fragment.
func typecheck(fset *token.FileSet, imp types.Importer, prog program) []string {
	f, err := parser.ParseFile(fset, "snippet.go", prog.src, parser.ParseComments)
	if err != nil {
		return []string{err.Error()}
	}
	var errs []string
	conf := types.Config{
		Importer: imp,
		Error: func(err error) {
			var te types.Error
			if errors.As(err, &te) && te.Soft && !prog.strict {
				return
			}
			errs = append(errs, err.Error())
		},
	}
	conf.Check("snippet", fset, []*ast.File{f}, nil)
	return errs
}

func goCommand() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

// TestDocSnippetsCompile type-checks every Go snippet of the documentation.
func TestDocSnippetsCompile(t *testing.T) {
	root := repoRoot(t)
	tr := walk(t, root)
	var progs []program
	var notGo []snippet
	need := map[string]bool{}
	for _, sn := range tr.snippets {
		prog, ok := build(sn, tr)
		if !ok {
			notGo = append(notGo, sn)
			continue
		}
		progs = append(progs, prog)
		for _, p := range prog.imports {
			need[p] = true
		}
	}
	readmeBlocks := 0
	for _, p := range progs {
		if p.sn.file == "README.md" {
			readmeBlocks++
		}
	}
	if readmeBlocks == 0 {
		t.Error("no ```go block found in README.md: is the extraction broken?")
	}
	for _, sn := range notGo {
		t.Logf("%s: not Go, not checked: %q", sn, strings.SplitN(sn.code, "\n", 2)[0])
	}
	files, broken := exportData(t, root, sortedKeys(need))

	fset := token.NewFileSet()
	imp := newImporter(fset, files, broken)
	for _, prog := range progs {
		t.Run(prog.sn.String(), func(t *testing.T) {
			if prog.err != nil {
				t.Fatalf("%s: %v\n%s", prog.sn, prog.err, prog.sn.code)
			}
			if errs := typecheck(fset, imp, prog); len(errs) > 0 {
				t.Errorf("the snippet does not compile:\n%s\n--- the snippet:\n%s--- the file checked:\n%s",
					strings.Join(errs, "\n"), prog.sn.code, prog.src)
			}
		})
	}
	t.Logf("%d snippets checked, %d blocks of doc comments are not Go", len(progs), len(notGo))
}
