package proto

import "testing"

func TestLinesRoundTrip(t *testing.T) {
	r := Result{Index: 1, Args: []string{"probe", "--device", "/dev/sda"}, Stdout: "line\nKESUVM x done\n", ExitCode: 3}
	l1, err := FormatLine("n1", KindResult, r)
	if err != nil {
		t.Fatal(err)
	}
	l2, _ := FormatLine("other", KindResult, r) // another boot's line
	l3, _ := FormatLine("n1", KindDone, nil)
	out := "garbage\r\n" + l1 + "\r\n" + l2 + "\n" + l3 + "\r\n"
	lines, err := ParseLines(out, "n1")
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[0].Kind != KindResult || lines[1].Kind != KindDone {
		t.Fatalf("ParseLines = %+v; want a result and done of nonce n1", lines)
	}
	if want := `{"index":1,"args":["probe","--device","/dev/sda"],"stdout":"line\nKESUVM x done\n","stderr":"","exit_code":3,"err":"","duration":0}`; string(lines[0].JSON) != want {
		t.Errorf("result JSON = %s; want %s", lines[0].JSON, want)
	}
	if _, err := ParseLines("KESUVM n1 result !!!notbase64", "n1"); err == nil {
		t.Errorf("ParseLines(bad base64) = nil error; want an error")
	}
}
