//! Text from the outside world (API messages, response bodies, plugin output) made fit for one
//! line of a header, a table cell or an error: the backends share these so every source says
//! its failures the same way.

/// Text on one line: runs of whitespace and control characters become one space.
pub fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// At most `max` characters, cut on a character boundary with an ellipsis: API messages and
/// plugin output can be pages long, and a header line is not.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_collapses_whitespace_and_control_characters() {
        assert_eq!(one_line("  a\n\tb \u{1b}[2Jc\r\n"), "a b [2Jc");
    }

    #[test]
    fn shorten_cuts_on_characters_with_an_ellipsis() {
        assert_eq!(shorten("héllo", 5), "héllo");
        assert_eq!(shorten("héllo wörld", 6), "héllo…");
    }
}
