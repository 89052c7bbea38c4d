// Command chart draws one SVG bar chart per benchmark scenario from
// `go test -bench` output: the median ns/op of each row (djsession, scs,
// gorilla...), with the ratio to scs written on each bar.
//
//	cd benchmarks
//	go test -run '^$' -bench . -benchmem -count 10 . > bench.txt
//	go run ./chart -out ../docs/bench < bench.txt
//
// It writes OUT/SCENARIO.svg for every Benchmark<Scenario>/<row> it finds
// (rows of one scenario side by side), and nothing for scenarios with a
// single row.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

func main() {
	out := flag.String("out", ".", "the `directory` the SVG files go to")
	flag.Parse()
	runs, err := parse(os.Stdin)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, sc := range scenarios(runs) {
		rows := runs[sc]
		if len(rows) < 2 {
			continue
		}
		p := filepath.Join(*out, strings.ToLower(sc)+".svg")
		if err := os.WriteFile(p, []byte(draw(sc, rows)), 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Println("wrote", p)
	}
}

// row is one benchmark row: its name and the ns/op of each run.
type row struct {
	name string
	ns   []float64
}

// parse reads benchmark lines ("BenchmarkModify/scs-2  1000  82514 ns/op ...")
// into scenario -> rows, in the order they first appear.
func parse(r io.Reader) (map[string][]*row, error) {
	runs := map[string][]*row{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || f[3] != "ns/op" {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i] // the GOMAXPROCS suffix
			}
		}
		scenario, rowName, ok := strings.Cut(name, "/")
		if !ok {
			continue
		}
		ns, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", sc.Text(), err)
		}
		i := slices.IndexFunc(runs[scenario], func(r *row) bool { return r.name == rowName })
		if i < 0 {
			runs[scenario] = append(runs[scenario], &row{name: rowName})
			i = len(runs[scenario]) - 1
		}
		runs[scenario][i].ns = append(runs[scenario][i].ns, ns)
	}
	return runs, sc.Err()
}

func scenarios(runs map[string][]*row) []string {
	var s []string
	for k := range runs {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// draw returns a horizontal bar chart of the rows' medians.
func draw(scenario string, rows []*row) string {
	const (
		width, left, barH, gap, top = 720, 170, 26, 10, 44
	)
	var scs float64
	max := 0.0
	for _, r := range rows {
		m := median(r.ns)
		max = math.Max(max, m)
		if r.name == "scs" {
			scs = m
		}
	}
	height := top + len(rows)*(barH+gap) + 30
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="13">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="24" font-size="16" font-weight="bold">%s: median ns/op (shorter is faster)</text>`+"\n", esc(scenario))
	for i, r := range rows {
		m := median(r.ns)
		y := top + i*(barH+gap)
		w := (width - left - 110) * m / max
		color := "#9aa5b1"
		if strings.HasPrefix(r.name, "djsession") {
			color = "#2a9d8f"
		}
		label := fmt.Sprintf("%.0f ns", m)
		if scs > 0 && r.name != "scs" {
			label += fmt.Sprintf(" (%.2f× scs)", m/scs)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-8, y+barH*2/3, esc(r.name))
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, y, math.Max(w, 1), barH, color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(left)+math.Max(w, 1)+6, y+barH*2/3, esc(label))
	}
	fmt.Fprintf(&b, `<text x="10" y="%d" fill="#555" font-size="11">%d runs per row; redraw: go run ./chart -out ../docs/bench &lt; bench.txt</text>`+"\n", height-10, len(rows[0].ns))
	b.WriteString("</svg>\n")
	return b.String()
}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
