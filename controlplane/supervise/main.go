// Command supervise starts a control-plane binary so that it cannot outlive the twinlab process
// that started it, even when that process is killed with SIGKILL and runs no exit handler.
//
//	supervise PARENT_PID BINARY [ARG...]
//
// It asks the kernel for SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG), checks that the
// parent is still PARENT_PID (a parent that died before the prctl would never deliver the signal),
// then replaces itself with BINARY: the pid stays the same and the death signal survives the exec.
// Standard library only, so it builds in seconds and apart from the control plane.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
)

// The parent-death signal belongs to the thread that sets it, and only the thread that calls
// execve survives it: both must happen on one OS thread, the main one.
func init() { runtime.LockOSThread() }

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "supervise: "+format+"\n", args...)
	os.Exit(code)
}

func main() {
	if len(os.Args) < 3 {
		fail(2, "usage: supervise PARENT_PID BINARY [ARG...]")
	}
	parent, err := strconv.Atoi(os.Args[1])
	if err != nil || parent <= 1 {
		fail(2, "PARENT_PID %q is not a process id", os.Args[1])
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0); errno != 0 {
		fail(1, "prctl(PR_SET_PDEATHSIG): %v", errno)
	}
	if got := os.Getppid(); got != parent {
		fail(1, "parent %d is gone (now %d): not starting %s", parent, got, os.Args[2])
	}
	binary := os.Args[2]
	err = syscall.Exec(binary, os.Args[2:], os.Environ())
	fail(127, "exec %s: %v", binary, err)
}
