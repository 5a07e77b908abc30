// Command kube-apiserver is the Kubernetes API server from KubeEdge's Kubernetes
// fork (k8s.io/kubernetes replaced by github.com/kubeedge/kubernetes). Only this
// entry point lives here; it does what upstream cmd/kube-apiserver/apiserver.go does.
package main

import (
	"os"
	_ "time/tzdata" // for timeZone support in CronJob

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go prometheus plugins
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric registration
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	command := app.NewAPIServerCommand()
	code := cli.Run(command)
	os.Exit(code)
}
