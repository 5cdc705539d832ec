// gensdk: generate a Pulumi SDK from a schema with pkg/v3's codegen, without a language host.
// usage: gensdk <schema.json> <go|nodejs|python> <outdir>
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: gensdk <schema.json> <go|nodejs|python> <outdir>")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	check(err)
	var spec schema.PackageSpec
	check(json.Unmarshal(b, &spec))
	loader := schema.NewCachedLoader(nil)
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	check(err)
	if diags.HasErrors() {
		check(diags)
	}
	var files map[string][]byte
	switch os.Args[2] {
	case "go":
		files, err = gogen.GeneratePackage("pulumi", pkg, nil)
	case "nodejs":
		files, err = nodejs.GeneratePackage("pulumi", pkg, nil, nil, true, loader)
	case "python":
		files, err = python.GeneratePackage("pulumi", pkg, nil, loader)
	default:
		err = fmt.Errorf("unknown language %q", os.Args[2])
	}
	check(err)
	for name, content := range files {
		p := filepath.Join(os.Args[3], name)
		check(os.MkdirAll(filepath.Dir(p), 0o755))
		check(os.WriteFile(p, content, 0o644))
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
