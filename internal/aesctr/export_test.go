package aesctr

// setVector turns the vector path on or off (on only where the CPU has it)
// and returns what puts it back.
func setVector(on bool) func() {
	was := useVector
	useVector = on && was
	return func() { useVector = was }
}
