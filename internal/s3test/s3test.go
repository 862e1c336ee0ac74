// Package s3test runs a real S3-compatible server for tests: versitygw
// (Apache-2.0) with its POSIX backend over a test directory, listening on
// 127.0.0.1 only. The server is built once from the Go module proxy and
// kept in the user's cache directory.
package s3test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Version is the versitygw release the tests run.
const Version = "v1.8.0"

const module = "github.com/versity/versitygw/cmd/versitygw"

// Server is one running versitygw.
type Server struct {
	// Endpoint is the server's URL (http://127.0.0.1:PORT); AccessKey and
	// SecretKey its root account's credentials.
	Endpoint  string
	AccessKey string
	SecretKey string
	// Dir is the backend's top directory: each bucket is a directory in it.
	Dir string

	mu   sync.Mutex // guards cmd: a test may Restart from another goroutine
	cmd  *exec.Cmd
	addr string
	log  string
}

// Binary returns the path of the versitygw binary, building it into the
// cache on first use (a few minutes on two cores; later calls find it).
func Binary() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "kesu", "versitygw-"+Version)
	bin := filepath.Join(dir, "versitygw")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// One build at a time: test packages run in parallel.
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "install", module+"@"+Version)
	// Outside any module, so that this module's go.mod is not consulted.
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building versitygw %s: %v\n%s", Version, err, out)
	}
	if err := os.Rename(filepath.Join(tmp, "versitygw"), bin); err != nil {
		return "", err
	}
	return bin, nil
}

// Start builds (once) and starts versitygw over a new directory, and stops
// it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{AccessKey: "kesu-test-root", SecretKey: "kesu-test-secret-0123456789", Dir: t.TempDir()}
	s.log = filepath.Join(t.TempDir(), "versitygw.log")
	var last error
	for range 5 {
		if last = s.start(bin); last == nil {
			break
		}
	}
	if last != nil {
		t.Fatal(last)
	}
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) start(bin string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.addr = fmt.Sprintf("127.0.0.1:%d", port)
	s.Endpoint = "http://" + s.addr
	return s.Restart(bin)
}

// Restart starts the server again on the same address and directory after
// Stop (bin is the binary; "" finds it).
func (s *Server) Restart(bin string) error {
	if bin == "" {
		var err error
		if bin, err = Binary(); err != nil {
			return err
		}
	}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "--access", s.AccessKey, "--secret", s.SecretKey, "--port", s.addr, "posix", s.Dir)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	// The process is the server's from the start: a client may reach it,
	// and the test end, before the check below sees it listen; Stop must
	// then find it.
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		conn, err := net.DialTimeout("tcp", s.addr, 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case err := <-exited:
			s.forget(cmd)
			out, _ := os.ReadFile(s.log)
			return fmt.Errorf("versitygw on %s exited: %v\n%s", s.addr, err, out)
		case <-ctx.Done():
			cmd.Process.Kill()
			<-exited
			s.forget(cmd)
			return errors.New("versitygw did not listen on " + s.addr + " within 30 s")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// forget drops cmd, a process that ended, unless another took its place.
func (s *Server) forget(cmd *exec.Cmd) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == cmd {
		s.cmd = nil
	}
}

// Stop stops the server (the directory stays, for Restart).
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Process.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// MakeBucket creates a bucket: a directory of the POSIX backend.
func (s *Server) MakeBucket(t testing.TB, name string) {
	t.Helper()
	if err := os.Mkdir(filepath.Join(s.Dir, name), 0o755); err != nil {
		t.Fatal(err)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// StartDir starts versitygw over dir (each bucket a directory in it),
// logging to logPath, outside a test (make netdemo); Stop stops it.
func StartDir(dir, logPath string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	s := &Server{AccessKey: "kesu-demo-root", SecretKey: "kesu-demo-secret-0123456789", Dir: dir, log: logPath}
	var last error
	for range 5 {
		if last = s.start(bin); last == nil {
			return s, nil
		}
	}
	return nil, last
}
