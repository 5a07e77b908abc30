// Command etcd is etcd built from the published module go.etcd.io/etcd/server/v3.
// Only this entry point lives here; it does what upstream etcd's main does.
// It is a module of its own because etcd's dependency set clashes with Kubernetes'.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
