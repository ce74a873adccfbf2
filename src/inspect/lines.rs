//! Splitting a log stream into lines without trusting it: a line longer than `MAX_LINE` bytes
//! is cut there (the rest of it is dropped and counted, never buffered), bytes that are not
//! UTF-8 are replaced, a trailing `\r` goes, and a last line without its newline is kept when
//! the stream ends (a stream cut mid-line still shows what arrived).

/// The longest line kept, in bytes: a 1 MB line costs 16 KiB.
pub const MAX_LINE: usize = 16 * 1024;

#[derive(Default)]
pub struct LineSplitter {
    partial: Vec<u8>,
    /// Bytes of the current line dropped past `MAX_LINE`.
    cut: usize,
}

impl LineSplitter {
    /// Adds a chunk; the lines it completes go to `out`.
    pub fn push(&mut self, mut chunk: &[u8], out: &mut Vec<String>) {
        while let Some(i) = chunk.iter().position(|b| *b == b'\n') {
            self.take(&chunk[..i]);
            out.push(self.line());
            chunk = &chunk[i + 1..];
        }
        self.take(chunk);
    }

    /// The line left without its newline when the stream ended, if any.
    pub fn finish(&mut self) -> Option<String> {
        (!self.partial.is_empty() || self.cut > 0).then(|| self.line())
    }

    fn take(&mut self, bytes: &[u8]) {
        let room = MAX_LINE.saturating_sub(self.partial.len());
        let kept = bytes.len().min(room);
        self.partial.extend_from_slice(&bytes[..kept]);
        self.cut += bytes.len() - kept;
    }

    fn line(&mut self) -> String {
        let mut bytes = std::mem::take(&mut self.partial);
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        if self.cut > 0 {
            text.push_str(&format!(" … [{} more bytes cut]", self.cut));
        }
        self.cut = 0;
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_chunks_and_the_last_one_is_kept() {
        let mut s = LineSplitter::default();
        let mut out = Vec::new();
        s.push(b"one\r\ntw", &mut out);
        s.push(b"o\nthr", &mut out);
        assert_eq!(out, ["one", "two"]);
        assert_eq!(s.finish().as_deref(), Some("thr"));
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn a_huge_line_is_cut_not_buffered_and_bad_bytes_replaced() {
        let mut s = LineSplitter::default();
        let mut out = Vec::new();
        let big = vec![b'x'; 1024 * 1024];
        s.push(&big, &mut out);
        s.push(b"\n\xff\xfeok\n", &mut out);
        assert_eq!(out.len(), 2);
        assert!(out[0].starts_with(&"x".repeat(MAX_LINE)));
        assert!(out[0].ends_with(&format!("[{} more bytes cut]", 1024 * 1024 - MAX_LINE)));
        assert!(out[0].len() < MAX_LINE + 64);
        assert_eq!(out[1], "\u{fffd}\u{fffd}ok");
    }
}
