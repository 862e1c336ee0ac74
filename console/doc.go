// Package console is the technician's screen: the plan and its
// confirmation before anything is erased, one live line per drive while
// erasing, and a summary with a verdict readable from two metres after.
//
// It is pure data first: a Model collects events from the per-drive
// workers (Apply is safe from any goroutine), a Snapshot is a copy of it,
// and Frame(snapshot, view) draws a screen as lines of styled text for a
// given size and language — what the golden-file tests check. Two
// renderers put frames on terminals:
//
//   - full screen (ModeANSI): the frame redrawn in place with the
//     VT100/ECMA-48 subset the Linux console implements (cursor addressing,
//     erase in line, eight colours, bold). Rows that did not change are not
//     rewritten; every row is rewritten every few frames in case kernel
//     messages scribbled on the screen. 80x25 works (the body pages, and the
//     pages turn by themselves every few seconds); a larger tty is used.
//   - plain lines (ModePlain) for serial consoles and pipes: the plan and
//     the summary as text, and while erasing a line per drive on every phase
//     change, warning and result, and every PlainEvery otherwise. No escape
//     sequences, so logs stay readable.
//
// A run-wide status line (UI.SetStatus, e.g. the record store's upload
// state) is shown above the key help of the full-screen plan, live view and
// summary, cut to the width; plain terminals print it whole with the plan,
// while erasing when it changed (at most once per PlainEvery) and with the
// summary.
//
// The Linux VGA console has no CJK font (its fonts hold 256 or 512 glyphs
// in the CP437 layout), so a Terminal marked VGA always shows English and
// only characters of that font; Japanese goes to serial consoles and
// terminals, laid out by display width (wide characters take two columns).
//
// The UI drives one or more terminals at once: Confirm (typed count or
// word, or an unattended countdown that any key stops), AskPSID (on an
// attended run, the PSID of a self-encrypting drive locked by its owner,
// typed twice and shown only as stars), Run (returns the
// context the workers use; q or Ctrl-C then y aborts it with ErrAborted),
// Finish (summary, bell, power-off countdown), Close (restores the ttys).
//
// No terminal UI library is used: the frames are a few hundred lines of
// plain ANSI that needs no terminfo (the initramfs has none), adds about
// 0.3 MB to a stripped binary (a minimal tcell program adds about 0.95 MB),
// and keeps the line-oriented serial renderer and the pure, testable frames
// that full-screen libraries do not offer.
package console
