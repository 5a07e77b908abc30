module github.com/twinlab/controlplane/supervise

go 1.23
