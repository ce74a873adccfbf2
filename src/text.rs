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

/// Text from outside (a log line, an API message) safe to print on a terminal: escape
/// sequences (colours, cursor moves, a window title, a screen clear) are dropped and any other
/// control character shows as `?`, so what a container wrote cannot drive the terminal it is
/// read on. Tabs stay.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\t';
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(if unsafe_char(c) { '?' } else { c });
            continue;
        }
        match chars.next() {
            // CSI: parameters, then one final byte in @..~.
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            // OSC, DCS, SOS, PM, APC: up to BEL or ST (ESC \).
            Some(']' | 'P' | 'X' | '^' | '_') => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' {
                        break;
                    }
                    if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            // Any other escape is two characters long.
            _ => {}
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A reason without the "retrying" a poller or a watcher adds, for a place that asks once (a
/// write, a command that exits).
pub fn said_once(reason: String) -> String {
    ["; retrying", "; trying again"]
        .iter()
        .find_map(|tail| reason.strip_suffix(tail))
        .map(str::to_string)
        .unwrap_or(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_safe_drops_escapes_and_shows_controls() {
        assert_eq!(terminal_safe("plain\ttext"), "plain\ttext");
        assert_eq!(
            terminal_safe("\u{1b}]0;PWNED\u{7} \u{1b}[2Jhi \u{1b}[1;31mred\u{1b}[0m"),
            " hi red"
        );
        assert_eq!(terminal_safe("a\u{1b}]8;;http://x\u{1b}\\b"), "ab");
        assert_eq!(
            terminal_safe("bell\u{7} cr\r nul\u{0} c1\u{9b}"),
            "bell? cr? nul? c1?"
        );
        assert_eq!(terminal_safe("cut \u{1b}["), "cut ");
    }

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
