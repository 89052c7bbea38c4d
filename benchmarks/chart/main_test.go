package main

import (
	"strings"
	"testing"
)

func TestParseAndDraw(t *testing.T) {
	in := `goos: linux
BenchmarkModify/djsession-2         	   84932	      4000 ns/op	    2640 B/op	      17 allocs/op
BenchmarkModify/scs-2               	    5838	     40000 ns/op	   14265 B/op	     291 allocs/op
BenchmarkModify/djsession-2         	   84932	      6000 ns/op	    2640 B/op	      17 allocs/op
BenchmarkModify/scs-2               	    5838	     40000 ns/op	   14265 B/op	     291 allocs/op
BenchmarkBare-2                     	 1000000	      1000 ns/op
PASS
`
	runs, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	rows := runs["Modify"]
	if len(rows) != 2 || rows[0].name != "djsession" || len(rows[0].ns) != 2 || median(rows[0].ns) != 5000 {
		t.Fatalf("parsed %+v", rows)
	}
	if _, ok := runs["Bare"]; ok {
		t.Error("a benchmark without a row was kept")
	}
	svg := draw("Modify", rows)
	for _, want := range []string{"<svg", "Modify: median ns/op", "5000 ns (0.12× scs)", "40000 ns", "</svg>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the chart lacks %q:\n%s", want, svg)
		}
	}
}
