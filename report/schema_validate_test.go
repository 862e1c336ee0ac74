package report_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/kesu-erase/kesu/report"
	"github.com/kesu-erase/kesu/report/reporttest"
)

// TestSampleJournalValidates checks the golden journal against
// docs/record.schema.json with the independent validator.
func TestSampleJournalValidates(t *testing.T) {
	b, err := os.ReadFile("testdata/sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	n, err := reporttest.CheckJournal(b)
	if err != nil {
		t.Fatalf("testdata/sample.jsonl: %v", err)
	}
	if want := bytes.Count(b, []byte{'\n'}); n != want {
		t.Errorf("CheckJournal(sample.jsonl) checked %d lines, want %d", n, want)
	}
}

// TestOlderJournalsValidate checks journals written by earlier kesus
// against the schema, which describes them too: testdata/sample-record1.jsonl
// (the golden sample as a kesu-record/1 kesu, commit 235b9e5^, wrote it)
// and testdata/sample-record2-pre-rev2.jsonl (kesu-record/2 before the
// Rev. 2 reading). Both are signed with the test key and verify intact.
func TestOlderJournalsValidate(t *testing.T) {
	for _, c := range []struct{ path, schema string }{
		{"testdata/sample-record1.jsonl", report.SchemaVersion1},
		{"testdata/sample-record2-pre-rev2.jsonl", report.SchemaVersion},
	} {
		ring := report.KeyRing{}
		ring.Add(reporttest.Signer().PublicKey())
		res, err := report.VerifyFile(c.path, ring)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != report.Intact || res.Run.Start.Schema != c.schema {
			t.Fatalf("%s: %s, schema %q, problems %v; want an intact %s journal", c.path, res.Status, res.Run.Start.Schema, res.Problems, c.schema)
		}
		reporttest.ValidateJournalFile(t, c.path)
	}
}

// TestSchemaRejects shows that the schema, through the validator, refuses
// a line of the sample journal with one thing wrong: a misspelled,
// missing or unknown member, a wrong type or value, a broken envelope.
func TestSchemaRejects(t *testing.T) {
	b, err := os.ReadFile("testdata/sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	find := func(kind, with string) string {
		t.Helper()
		for _, l := range lines {
			if strings.Contains(l, `"kind":"`+kind+`"`) && strings.Contains(l, with) {
				return l
			}
		}
		t.Fatalf("sample.jsonl has no %s record", kind)
		return ""
	}
	start, attempt, result, seal := find("run-start", ""), find("attempt", `"bytes_written"`), find("drive-result", `"FAIL"`), find("seal", "")
	attemptSeq, _, _ := strings.Cut(attempt, ",") // {"seq":N
	for _, c := range []struct {
		name, line, old, new string
	}{
		{"misspelled body member", attempt, `"bytes_written":`, `"bytes_writen":`},
		{"unknown body member", attempt, `"passes":1,`, `"passes":1,"colour":"red",`},
		{"wrong type", attempt, `"passes":1,`, `"passes":"1",`},
		{"negative size", attempt, `"target_bytes":`, `"target_bytes":-`},
		{"missing required member", attempt, `"mechanism":"pwrite O_DIRECT, 1 MiB blocks",`, ``},
		{"unknown method", attempt, `"method":"overwrite"`, `"method":"shred"`},
		{"unknown outcome", attempt, `"outcome":"success"`, `"outcome":"ok"`},
		{"member of another kind's body", attempt, `"passes":1,`, `"passes":1,"assessment":{},`},
		{"unknown status", result, `"status":"FAIL"`, `"status":"FAILED"`},
		{"misspelled nested member", result, `"destroy_required":`, `"destroy_requried":`},
		{"unknown schema version", start, `"schema":"kesu-record/2"`, `"schema":"kesu-record/3"`},
		{"misspelled run-start member", start, `"sanitizer":`, `"sanitiser":`},
		{"bad fingerprint", seal, `"fingerprint":"5647`, `"fingerprint":"XX47`},
		{"unknown kind", attempt, `"kind":"attempt"`, `"kind":"attempts"`},
		{"body of another kind", attempt, `"kind":"attempt"`, `"kind":"seal"`},
		{"run-start after seq 0", start, `"seq":0,`, `"seq":1,`},
		{"seq 0 not a run-start", attempt, attemptSeq + ",", `{"seq":0,`},
		{"prev not 64 hex digits", attempt, `"prev":"`, `"prev":"0`},
		{"prev in upper case", attempt, `"prev":"`, `"prev":"A`},
		{"sig in upper case", attempt, `"sig":"`, `"sig":"A`},
		{"time not in UTC", attempt, `Z","kind"`, `+09:00","kind"`},
		{"time not a date-time", attempt, `"time":"2026-05-14T`, `"time":"2026-13-14T`},
		{"unknown envelope member", attempt, `"sig":`, `"signature":`},
		{"missing body", seal, `"body":`, `"bogy":`},
	} {
		bad := strings.Replace(c.line, c.old, c.new, 1)
		if bad == c.line {
			t.Fatalf("%s: %q is not in the line", c.name, c.old)
		}
		if err := reporttest.CheckLine([]byte(c.line)); err != nil {
			t.Fatalf("%s: the original line does not validate: %v", c.name, err)
		}
		if err := reporttest.CheckLine([]byte(bad)); err != nil {
			t.Logf("%s: %v", c.name, err)
		} else {
			t.Errorf("%s: CheckLine(%s) = nil; want a schema error", c.name, bad)
		}
	}
}

// TestReadingWithoutKesu follows docs/record.md "Reading a journal without
// kesu" with nothing of package report but the file: lines as bytes, the
// chain, the Ed25519 signatures over the documented message, the schema,
// the seal. If the text's recipe and kesu's format part, this fails.
func TestReadingWithoutKesu(t *testing.T) {
	data, err := os.ReadFile("testdata/sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte{'\n'}), []byte{'\n'})
	var pub ed25519.PublicKey
	prev := strings.Repeat("0", 64)
	for i, line := range lines {
		var rec struct {
			Seq  int64           `json:"seq"`
			Kind string          `json:"kind"`
			Prev string          `json:"prev"`
			Body json.RawMessage `json:"body"`
			Sig  string          `json:"sig"`
		}
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if rec.Seq != int64(i) || rec.Prev != prev {
			t.Fatalf("line %d: seq %d, prev %s; want %d, %s", i, rec.Seq, rec.Prev, i, prev)
		}
		if i == 0 {
			var rs struct {
				Key struct {
					PublicKey   string `json:"public_key"`
					Fingerprint string `json:"fingerprint"`
				} `json:"key"`
			}
			if err := json.Unmarshal(rec.Body, &rs); err != nil {
				t.Fatal(err)
			}
			k, err := hex.DecodeString(rs.Key.PublicKey)
			fp := sha256.Sum256(k)
			if err != nil || len(k) != ed25519.PublicKeySize || hex.EncodeToString(fp[:]) != rs.Key.Fingerprint {
				t.Fatalf("run-start key %q, fingerprint %q: not a 32-byte key with its SHA-256", rs.Key.PublicKey, rs.Key.Fingerprint)
			}
			pub = k
		}
		const suffix = len(`,"sig":"`) + 128 + len(`"}`)
		if suffix != 138 || !bytes.HasSuffix(line, []byte(`,"sig":"`+rec.Sig+`"}`)) || len(rec.Sig) != 128 {
			t.Fatalf("line %d does not end with the 138-byte sig member", i)
		}
		msg := append([]byte("kesu-journal-record-v1\n"), line[:len(line)-suffix]...)
		msg = append(msg, '}')
		sig, err := hex.DecodeString(rec.Sig)
		if err != nil || !ed25519.Verify(pub, msg, sig) {
			t.Fatalf("line %d: the signature does not verify over the documented message", i)
		}
		if err := reporttest.CheckLine(line); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if i == len(lines)-1 {
			var seal struct {
				Records     int64
				Head        string
				Alg         string
				Fingerprint string
			}
			if err := json.Unmarshal(rec.Body, &seal); err != nil || rec.Kind != "seal" || seal.Records != rec.Seq || seal.Head != rec.Prev || seal.Alg != "Ed25519" {
				t.Fatalf("last line: kind %s, body %s; want the seal over the chain", rec.Kind, rec.Body)
			}
		}
		sum := sha256.Sum256(line)
		prev = hex.EncodeToString(sum[:])
	}
}
