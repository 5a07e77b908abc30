// Command helm is Helm v4, built from the published module helm.sh/helm/v4. Only this entry point
// lives here; it does what upstream cmd/helm/helm.go does. twinlab's chart tests run it for
// `helm lint` and `helm template`.
package main

import (
	"errors"
	"log/slog"
	"os"

	// Client auth plugins, as upstream imports them.
	_ "k8s.io/client-go/plugin/pkg/client/auth"

	helmcmd "helm.sh/helm/v4/pkg/cmd"
	"helm.sh/helm/v4/pkg/kube"
)

func main() {
	// Upstream pins the managedFields manager name so that renaming the binary does not change it.
	kube.ManagedFieldsManager = "helm"

	cmd, err := helmcmd.NewRootCmd(os.Stdout, os.Args[1:], helmcmd.SetupLogging)
	if err != nil {
		slog.Warn("command failed", slog.Any("error", err))
		os.Exit(1)
	}

	if err := cmd.Execute(); err != nil {
		if cerr, ok := errors.AsType[helmcmd.CommandError](err); ok {
			os.Exit(cerr.ExitCode)
		}
		os.Exit(1)
	}
}
