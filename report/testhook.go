package report

// RecordWritten is for test harnesses; production code leaves it nil, and
// it changes nothing a journal writes. When set, every Journal calls it
// with its file's path and each record's line (without the newline) right
// after the line was written to the file, before the fsync — also for
// journals that are never sealed or closed. reporttest.Main sets it to
// check every record a package's tests write against
// docs/record.schema.json.
//
// It is called with the journal's lock held, from whichever goroutine
// appended the record: it must not call into the journal, and it must not
// modify line (which it may keep). Set it before any journal is written
// (in TestMain, before m.Run) and leave it alone while tests run.
var RecordWritten func(path string, line []byte)
