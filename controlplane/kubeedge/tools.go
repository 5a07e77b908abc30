//go:build tools

// Package tools pins the upstream command packages this module builds, so that
// `go mod tidy` records every dependency they need in go.mod and go.sum.
package tools

import (
	_ "github.com/kubeedge/kubeedge/cloud/cmd/cloudcore"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
