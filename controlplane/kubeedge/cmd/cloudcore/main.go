// Command cloudcore is KubeEdge's cloudcore, built from the published module
// github.com/kubeedge/kubeedge. Only this entry point lives here; it does what
// upstream cloud/cmd/cloudcore/cloudcore.go does.
package main

import (
	"os"

	"k8s.io/component-base/logs"

	"github.com/kubeedge/kubeedge/cloud/cmd/cloudcore/app"
)

func main() {
	command := app.NewCloudCoreCommand()
	logs.InitLogs()
	defer logs.FlushLogs()

	if err := command.Execute(); err != nil {
		os.Exit(1)
	}
}
