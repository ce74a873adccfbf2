//! Document lines wrapped to the screen's width with their indent kept: a key/value line goes on
//! under its value's column, a table row under its last column, an indented line under its
//! indent, so a long condition message or a field's list reads as a block beside its key
//! instead of restarting at column 0. Breaks
//! fall at a space when there is one in the last third of the room, else mid-word.

use unicode_width::UnicodeWidthChar;

use crate::inspect::document::{DocLine, Piece, Tone};

/// `lines` wrapped to `width` cells.
pub fn wrap(lines: Vec<DocLine>, width: usize) -> Vec<DocLine> {
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        wrap_one(line, width, &mut out);
    }
    out
}

fn cells(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Where a line's continuation starts: after its key for a key/value line; under a table
/// row's last column that starts on screen (a condition's message under MESSAGE), when that
/// leaves room; else under its leading spaces.
fn indent_of(line: &DocLine, width: usize) -> usize {
    if let Some(k) = line.iter().position(|p| p.tone == Tone::Key) {
        return line[..=k].iter().map(|p| cells(&p.text)).sum();
    }
    let text: String = line.iter().map(|p| p.text.as_str()).collect();
    let lead = text.chars().take_while(|c| *c == ' ').count();
    // Column starts: a character after two spaces or more.
    let chars: Vec<char> = text.chars().collect();
    let starts: Vec<usize> = (lead + 2..chars.len().min(width))
        .filter(|&i| chars[i] != ' ' && chars[i - 1] == ' ' && chars[i - 2] == ' ')
        .collect();
    match starts.last() {
        Some(&last) if starts.len() >= 2 && width.saturating_sub(last) >= 30 => last,
        _ => lead,
    }
}

fn wrap_one(line: DocLine, width: usize, out: &mut Vec<DocLine>) {
    let total: usize = line.iter().map(|p| cells(&p.text)).sum();
    let indent = indent_of(&line, width);
    // Too narrow to keep the indent usefully: the terminal's own wrap does better.
    if total <= width || width < indent + 12 {
        out.push(line);
        return;
    }
    let chars: Vec<(char, Tone)> = line
        .iter()
        .flat_map(|p| p.text.chars().map(move |c| (c, p.tone)))
        .collect();
    let mut start = 0;
    let mut first = true;
    while start < chars.len() {
        let room = if first { width } else { width - indent };
        // The most characters that fit in `room` cells.
        let mut end = start;
        let mut used = 0;
        while end < chars.len() {
            let w = chars[end].0.width().unwrap_or(0);
            if used + w > room {
                break;
            }
            used += w;
            end += 1;
        }
        if end < chars.len() {
            let floor = start + (end - start) * 2 / 3;
            if let Some(space) = (floor..end).rev().find(|&i| chars[i].0 == ' ') {
                end = space + 1;
            }
        }
        let mut pieces: DocLine = Vec::new();
        if !first {
            pieces.push(Piece {
                tone: Tone::Plain,
                text: " ".repeat(indent),
            });
        }
        for &(c, tone) in &chars[start..end] {
            match pieces.last_mut() {
                Some(p) if p.tone == tone => p.text.push(c),
                _ => pieces.push(Piece {
                    tone,
                    text: c.to_string(),
                }),
            }
        }
        out.push(pieces);
        start = end;
        first = false;
        // A continuation does not start with the space it broke at.
        while start < chars.len() && chars[start].0 == ' ' {
            start += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &DocLine) -> String {
        line.iter().map(|p| p.text.as_str()).collect()
    }

    #[test]
    fn a_long_value_goes_on_under_itself() {
        let line = vec![
            Piece {
                tone: Tone::Key,
                text: "  message     ".into(),
            },
            Piece {
                tone: Tone::Plain,
                text: "Helm upgrade failed for release numen-games/hyperfy2-world with chart hyperfy2@0.4.3: context deadline exceeded".into(),
            },
        ];
        let out = wrap(vec![line], 60);
        assert!(out.len() > 1, "{out:?}");
        for l in &out[1..] {
            let t = text(l);
            assert!(t.starts_with(&" ".repeat(14)), "{t:?}");
            assert!(!t[14..].starts_with(' '), "{t:?}");
        }
        for l in &out {
            assert!(cells(&text(l)) <= 60, "{:?}", text(l));
        }
        let joined: String = out
            .iter()
            .map(|l| text(l).trim().to_string())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(joined.contains("context deadline exceeded"), "{joined}");
        assert_eq!(out[0][0].tone, Tone::Key);
    }

    #[test]
    fn short_lines_and_narrow_screens_are_left_alone() {
        let line = vec![Piece {
            tone: Tone::Plain,
            text: "  short".into(),
        }];
        assert_eq!(wrap(vec![line.clone()], 80), vec![line]);
    }
}
