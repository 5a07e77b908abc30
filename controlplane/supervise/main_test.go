package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The supervisor under test is built once into a temp dir.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "supervise")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func alive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// A zombie is dead: only its exit status is left for the parent to collect.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	return len(fields) > 0 && fields[0] != "Z"
}

// A shell stands in for twinlab: it starts `supervise $$ sleep 60` in the background, prints the
// sleeper's pid and waits. Killing the shell with SIGKILL must take the sleeper with it.
func TestChildDiesWithItsParent(t *testing.T) {
	sup := build(t)
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	sh := exec.Command("sh", "-c", `"$0" $$ "$1" 60 & echo $!; wait`, sup, sleep)
	stdout, err := sh.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 32)
	n, _ := stdout.Read(buf)
	child, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil {
		t.Fatalf("child pid: %q", buf[:n])
	}
	// The pid is the sleeper's once the exec happened: same pid, new program.
	deadline := time.Now().Add(5 * time.Second)
	for {
		comm, _ := os.ReadFile("/proc/" + strconv.Itoa(child) + "/comm")
		if strings.TrimSpace(string(comm)) == "sleep" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d never became sleep (comm %q)", child, comm)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := sh.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = sh.Wait()
	deadline = time.Now().Add(5 * time.Second)
	for alive(child) {
		if time.Now().After(deadline) {
			syscall.Kill(child, syscall.SIGKILL)
			t.Fatalf("pid %d outlived its SIGKILLed parent", child)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A parent id that is not the real parent means the parent died before the prctl: refuse.
func TestRefusesWhenTheParentIsAlreadyGone(t *testing.T) {
	sup := build(t)
	out, err := exec.Command(sup, "999999", "/bin/true").CombinedOutput()
	if err == nil {
		t.Fatalf("started although the parent is not 999999: %s", out)
	}
	if !strings.Contains(string(out), "parent 999999 is gone") {
		t.Fatalf("unexpected message: %s", out)
	}
}
