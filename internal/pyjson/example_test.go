package pyjson_test

import (
	"fmt"
	"math"

	"github.com/djsession/djsession/internal/pyjson"
)

func ExampleMarshal() {
	b, err := pyjson.Marshal(map[string]any{
		"name":  "Zoë 😀",
		"ratio": 1.0,
		"big":   1e16,
		"html":  "<b>&</b>",
		"nan":   math.NaN(),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))
	// Output: {"big":1e+16,"html":"<b>&</b>","name":"Zo\u00eb \ud83d\ude00","nan":NaN,"ratio":1.0}
}

func ExampleAppendMarshal() {
	buf := make([]byte, 0, 64)
	for _, v := range []any{[]any{1, 2.5}, "é"} {
		var err error
		buf, err = pyjson.AppendMarshal(buf[:0], v)
		if err != nil {
			panic(err)
		}
		fmt.Println(string(buf))
	}
	// Output:
	// [1,2.5]
	// "\u00e9"
}

func ExampleUnmarshal() {
	// Integers stay integers, 1.0 stays a float, and a raw byte 0xE9 is é,
	// because Django reads the bytes as latin-1.
	v, err := pyjson.Unmarshal([]byte("[1, 1.0, 12345678901234567890, \"caf\xe9\"]"))
	if err != nil {
		panic(err)
	}
	for _, e := range v.([]any) {
		fmt.Printf("%T %v\n", e, e)
	}
	// Output:
	// int64 1
	// float64 1
	// json.Number 12345678901234567890
	// string café
}

func ExampleUnmarshalObject() {
	m, err := pyjson.UnmarshalObject([]byte(`{"_auth_user_id":"42","n":3}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(m["_auth_user_id"], m["n"])

	_, err = pyjson.UnmarshalObject([]byte(`[1]`))
	fmt.Println(err)
	// Output:
	// 42 3
	// pyjson: not a JSON object: top-level value is an array
}

func ExampleDecode() {
	var prefs struct {
		Theme string `json:"theme"`
		Size  int    `json:"size"`
	}
	if err := pyjson.Decode([]byte(`{"theme":"dark","size":3}`), &prefs); err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", prefs)
	// Output: {Theme:dark Size:3}
}

func ExampleDecodeValue() {
	// A value as a session holds it, converted to a Go type.
	var ids []int
	if err := pyjson.DecodeValue([]any{int64(3), int64(5)}, &ids); err != nil {
		panic(err)
	}
	fmt.Println(ids)
	// Output: [3 5]
}

func ExampleNormalize() {
	v, err := pyjson.Normalize(map[string]any{"n": uint8(7), "f": float32(0.1), "tags": []string{"a"}})
	if err != nil {
		panic(err)
	}
	m := v.(map[string]any)
	fmt.Printf("%T %T %T\n", m["n"], m["f"], m["tags"])
	fmt.Println(m["f"])
	// Output:
	// int64 float64 []interface {}
	// 0.1
}

func ExampleSyntaxError() {
	_, err := pyjson.Unmarshal([]byte(`{"a":1,}`))
	fmt.Println(err)
	// Output: pyjson: Expecting property name enclosed in double quotes at byte 7
}
