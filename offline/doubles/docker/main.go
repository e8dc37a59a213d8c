// Command pulumi-resource-docker here is the offline TEST DOUBLE of the Pulumi docker provider.
// It is put on PATH only by the offline preview harness (package offline); it builds and pushes
// nothing and refuses to create, update or delete, so it cannot be used by a real `pulumi up`.
//
// What it returns: a preview of docker:index/image:Image echoes the inputs (image name, build
// settings, registry) with `repoDigest` unknown, as a real preview shows it before the push.
package main

import (
	"fmt"
	"os"

	"example.com/webstack/offline/doubles/internal/echo"
)

func main() {
	err := echo.Main(echo.Double{
		Package: "docker",
		// The pulumi-docker release the program's SDK (v4.10.0) asks for.
		Version:  "4.10.0",
		Computed: map[string][]string{"docker:index/image:Image": {"repoDigest"}},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
