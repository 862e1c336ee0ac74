package console

import "errors"

// ErrNoEcho is ReadSecret's error on a system where kesu cannot turn a
// terminal's echo off (anything but Linux).
var ErrNoEcho = errors.New("cannot turn a terminal's echo off on this system")
